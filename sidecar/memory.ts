/**
 * Keeping the server's resident memory bounded: two V8 settings, both applied at run time so the
 * image's plain `node /app/sidecar/main.js` (and every other way of starting the server) gets them.
 * Each falls back to V8's default should the flag be refused; the server then works as before,
 * with a larger peak.
 */
import { readFileSync } from "fs";
import v8 from "v8";
import vm from "vm";

/**
 * Every socket read is a fresh buffer outside V8's heap, and V8 collects dead ones only once some
 * 64 MB of such external memory has piled up since its last collection: a fast stream added about
 * that much to the server's peak resident memory. A minor collection (young generation only, well
 * under a millisecond) every few MiB relayed frees them about as fast as they die. `gc` comes from
 * a throwaway context: `--expose-gc` set at run time only reaches contexts created afterwards.
 */
const RELAYED_BYTES_PER_GC = 4 * 1024 * 1024;
let relayedSinceGc = 0;
const minorGc = ((): (() => void) => {
    try {
        v8.setFlagsFromString("--expose-gc");
        const gc = vm.runInNewContext("gc") as (options: { type: "minor"; execution: "sync" }) => void;
        if (typeof gc !== "function") return () => undefined;
        return () => gc({ type: "minor", execution: "sync" });
    } catch {
        return () => undefined;
    }
})();

/** Counts `n` relayed bytes towards the next minor collection. */
export function noteRelayed(n: number): void {
    relayedSinceGc += n;
    if (relayedSinceGc >= RELAYED_BYTES_PER_GC) {
        relayedSinceGc = 0;
        minorGc();
    }
}

/**
 * undici parses responses with llhttp compiled to WebAssembly. Once a stream makes it hot, V8
 * recompiles it with its optimising compiler, and that compilation raised the peak resident
 * memory of a 1 GiB download from about 65 to about 100 MB. The baseline compiler's code parses
 * as fast here: throughput and CPU per request did not change measurably (docs/benchmarks.md).
 * Must run before undici compiles llhttp, i.e. before the first upstream connection.
 */
export function useBaselineWasmCompiler(): void {
    try {
        v8.setFlagsFromString("--liftoff-only");
    } catch {
        // V8's default tiering, with the larger peak.
    }
}

/**
 * The memory limit of the container the server runs in, in bytes, or undefined when there is
 * none (or no cgroup to ask). cgroup v2 says `max` for none; v1 says a number near 2^63.
 */
export function containerMemoryLimit(read: (file: string) => string = (file) => readFileSync(file, "utf8")): number | undefined {
    for (const file of ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]) {
        let text: string;
        try {
            text = read(file).trim();
        } catch {
            continue;
        }
        const bytes = Number(text);
        return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
    }
    return undefined;
}
