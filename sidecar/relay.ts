/**
 * Relaying body bytes with back-pressure, and keeping the garbage they leave bounded.
 */
import { Readable, Writable } from "stream";
import v8 from "v8";
import vm from "vm";

/**
 * Bounded garbage while streaming. Every socket read is a fresh buffer outside V8's heap, and V8
 * collects dead ones only once some 64 MB of such external memory has piled up since its last
 * collection: a fast stream added about that much to the server's peak resident memory. A minor
 * collection (young generation only, well under a millisecond) every few MiB relayed frees them
 * about as fast as they die. `gc` comes from a throwaway context: `--expose-gc` set at run time
 * only reaches contexts created afterwards, never this one. Should the flag be refused, streams
 * work as before, with the larger peak.
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
 * Streams `from` into `to` with back-pressure, counting the bytes for the access log, and ends
 * `to` when `from` ends. Failures and early closes are the caller's business. (A counting
 * Transform inside `stream.pipeline` did this before, at the cost of a stream stage, an
 * AbortController and an AbortError with its stack trace per body.)
 */
export function relay(from: Readable, to: Writable, count: (n: number) => void): void {
    const resume = (): void => void from.resume();
    to.on("drain", resume);
    from.on("data", (chunk: Buffer) => {
        count(chunk.length);
        noteRelayed(chunk.length);
        if (!to.write(chunk)) from.pause();
    });
    from.once("end", () => {
        to.off("drain", resume);
        to.end();
    });
}

/**
 * Reads a request body whose declared length is small into one buffer, then calls `done`. Called
 * only for bodies that will be sent whole; nothing is called if the agent goes away first.
 */
export function collectBody(from: Readable, count: (n: number) => void, done: (body: Buffer) => void): void {
    const parts: Buffer[] = [];
    from.on("data", (chunk: Buffer) => {
        count(chunk.length);
        parts.push(chunk);
    });
    from.once("end", () => done(parts.length === 1 ? parts[0] : Buffer.concat(parts)));
}
