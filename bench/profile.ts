/**
 * Profiles one proxy under the benchmark's load (`node --cpu-prof`), for finding what to optimise:
 *   node -r ts-node/register/transpile-only bench/profile.ts [cred-proxy|http-proxy|http-proxy-3|node-minimal]
 *        [requests|upload|download] [--out DIR]
 * Runs the proxy as a child with --cpu-prof, drives it (small JSON POSTs at 50 connections, or one
 * 256 MiB stream), stops it, and prints where its CPU time went (self time by function and file).
 * Uses dist/sidecar as built: run `npm run build` first.
 */
import { mkdirSync, readFileSync, readdirSync } from "fs";
import { join } from "path";
import { randomBytes } from "crypto";
import { Endpoint, download, requestLoad, upload } from "./loadgen";
import { tmpdir } from "os";
import { PREFIX, Running, startCredProxy, startMinimal, startPeer, startUpstream } from "./targets";

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
}

export function summarise(file: string, top = 25): string {
    const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const fn = new Map<string, number>();
    const files = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < p.samples.length; i++) {
        const node = byId.get(p.samples[i])!;
        const dt = p.timeDeltas[i] ?? 0;
        total += dt;
        const url = node.callFrame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/dist\//, "dist/");
        const key = `${node.callFrame.functionName || "(anonymous)"} ${url}:${node.callFrame.lineNumber + 1}`;
        fn.set(key, (fn.get(key) ?? 0) + dt);
        const f = url || `(${node.callFrame.functionName})`;
        files.set(f, (files.get(f) ?? 0) + dt);
    }
    const show = (m: Map<string, number>, title: string): string =>
        `== ${title} (total ${(total / 1000).toFixed(0)} ms)\n` +
        [...m]
            .sort((a, b) => b[1] - a[1])
            .slice(0, top)
            .map(([k, t]) => `${(t / 1000).toFixed(1).padStart(8)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`)
            .join("\n") +
        "\n";
    return show(fn, "self time by function") + show(files, "self time by file");
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const outIdx = args.indexOf("--out");
    const out = outIdx === -1 ? join(tmpdir(), "cred-proxy-profiles") : args.splice(outIdx, 2)[1];
    const [target = "cred-proxy", workload = "requests"] = args;
    mkdirSync(out, { recursive: true });
    const token = `bench-${randomBytes(12).toString("hex")}`;
    const auth = `Bearer ${token}`;
    const upstream = await startUpstream(auth);
    const flags = ["--cpu-prof", `--cpu-prof-dir=${out}`];
    let proc: Running;
    if (target === "cred-proxy") proc = await startCredProxy(upstream.port, "Bearer", token, flags);
    else if (target === "http-proxy" || target === "http-proxy-3") proc = await startPeer(target, upstream.port, auth, flags);
    else if (target === "node-minimal") proc = await startMinimal(upstream.port, auth, flags);
    else throw new Error(`unknown target ${target}`);
    const ep: Endpoint = { port: proc.port, base: PREFIX.slice(0, -1), headers: { authorization: "Bearer decoy" } };
    const before = new Set(readdirSync(out));
    try {
        if (workload === "requests") {
            await requestLoad(ep, 50, 3_000, 30_000); // warm-up
            const r = await requestLoad(ep, 50, 30_000, 60_000);
            process.stderr.write(
                `${target}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.errors} errors\n`,
            );
        } else {
            const r = workload === "upload" ? await upload(ep, 256 * 1024 * 1024, 120_000) : await download(ep, 256 * 1024 * 1024, 120_000);
            process.stderr.write(`${target}: ${workload} ${r.mbps.toFixed(0)} MB/s\n`);
        }
    } finally {
        await proc.stop(); // SIGTERM: the proxy exits and writes its profile
        await upstream.stop();
    }
    const written = readdirSync(out).filter((f) => f.endsWith(".cpuprofile") && !before.has(f));
    for (const f of written) {
        process.stdout.write(`${join(out, f)}\n${summarise(join(out, f))}`);
    }
}

if (require.main === module) {
    main().then(
        () => process.exit(0),
        (err: unknown) => {
            process.stderr.write(`profile: ${err instanceof Error ? err.stack : String(err)}\n`);
            process.exit(1);
        },
    );
}
