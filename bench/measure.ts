/**
 * The measuring rounds: request load and event streams against long-running target processes,
 * then streams through a fresh process each. Rounds rotate the targets' order.
 */
import http from "http";
import { Endpoint, download, eventStream, requestLoad, upload } from "./loadgen";
import { MiB, Options } from "./options";
import { Running, TargetName, cpuMs, peakRss } from "./targets";

export const log = (line: string): void => void process.stderr.write(`${line}\n`);
export const median = (xs: number[]): number => {
    const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    if (s.length === 0) return NaN;
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Round r visits the targets starting at r: no target always runs first, or after the same one. */
const rotated = <T>(xs: T[], r: number): T[] => xs.map((_, i) => xs[(i + r) % xs.length]);

export interface TargetResult {
    name: TargetName;
    rps: number[];
    p50: number[];
    p99: number[];
    /** Proxy CPU time (user + system) per request at 50 connections, in µs. */
    cpuUs: number[];
    /** Latency at 1 connection (unloaded). */
    p50one: number[];
    p99one: number[];
    errors: number;
    requestRss?: number;
    uploadMbps: number[];
    uploadRss: number[];
    downloadMbps: number[];
    downloadRss: number[];
    sseFirst: number[];
    sseTotal: number[];
}

export interface Target {
    name: TargetName;
    start(): Promise<Running>;
    endpoint(port: number): Endpoint;
}

export function emptyResult(name: TargetName): TargetResult {
    return {
        name,
        rps: [],
        p50: [],
        p99: [],
        cpuUs: [],
        p50one: [],
        p99one: [],
        errors: 0,
        uploadMbps: [],
        uploadRss: [],
        downloadMbps: [],
        downloadRss: [],
        sseFirst: [],
        sseTotal: [],
    };
}

/** Request rate, latency and CPU, then event streams, against long-running processes. */
export async function requestsAndEvents(opts: Options, targets: Target[], results: Map<TargetName, TargetResult>): Promise<void> {
    const running = new Map<TargetName, Running>();
    try {
        for (const t of targets) running.set(t.name, await t.start());
        const ep = (t: Target): Endpoint => t.endpoint(running.get(t.name)!.port);
        if (opts.only.has("requests")) {
            log(
                `requests: ${opts.rounds} rounds of ${opts.requestsPerRound} small JSON POSTs per target at ${opts.connections} connections, then ${opts.unloadedRequests} at 1`,
            );
            for (const t of targets) {
                const warm = await requestLoad(ep(t), opts.connections, opts.warmupRequests, 30_000);
                if (warm.errors > 0) throw new Error(`${t.name}: ${warm.errors} failed requests in warm-up: ${warm.firstError}`);
            }
            for (let r = 0; r < opts.rounds; r++) {
                const line: string[] = [];
                for (const t of rotated(targets, r)) {
                    const pids = running.get(t.name)!.pids();
                    const cpuBefore = cpuMs(pids);
                    const res = await requestLoad(ep(t), opts.connections, opts.requestsPerRound, 60_000);
                    const into = results.get(t.name)!;
                    if (pids.length > 0) into.cpuUs.push(((cpuMs(pids) - cpuBefore) * 1000) / Math.max(1, res.requests));
                    into.errors += res.errors;
                    if (res.errors > 0) log(`  ${t.name}: ${res.errors} failed requests: ${res.firstError}`);
                    into.rps.push(res.rps);
                    into.p50.push(res.p50);
                    into.p99.push(res.p99);
                    const one = await requestLoad(ep(t), 1, opts.unloadedRequests, 30_000);
                    into.errors += one.errors;
                    into.p50one.push(one.p50);
                    into.p99one.push(one.p99);
                    line.push(`${t.name} ${res.rps.toFixed(0)}/s`);
                }
                log(`  round ${r + 1}/${opts.rounds}: ${line.join(", ")}`);
            }
            for (const t of targets) results.get(t.name)!.requestRss = peakRss(running.get(t.name)!.pids()) || undefined;
        }
        if (opts.only.has("sse")) {
            log(
                `events: ${opts.rounds} rounds of ${opts.sseStreams} streams per target, ${opts.sseEvents} events ${opts.sseIntervalMs} ms apart`,
            );
            const agents = new Map(targets.map((t) => [t.name, new http.Agent({ keepAlive: true, maxSockets: 1 })]));
            for (const t of targets) await eventStream(ep(t), agents.get(t.name)!, opts.sseEvents, opts.sseIntervalMs, 10_000);
            for (let r = 0; r < opts.rounds; r++) {
                for (let s = 0; s < opts.sseStreams; s++) {
                    for (const t of rotated(targets, r + s)) {
                        const res = await eventStream(ep(t), agents.get(t.name)!, opts.sseEvents, opts.sseIntervalMs, 10_000);
                        results.get(t.name)!.sseFirst.push(res.firstEventMs);
                        results.get(t.name)!.sseTotal.push(res.totalMs);
                    }
                }
            }
            for (const a of agents.values()) a.destroy();
        }
    } finally {
        for (const r of running.values()) await r.stop();
    }
}

/** One stream per target per round, each through a fresh proxy process (its VmHWM is the stream's). */
export async function streams(
    opts: Options,
    targets: Target[],
    results: Map<TargetName, TargetResult>,
    kind: "upload" | "download",
): Promise<void> {
    log(`${kind}: ${opts.streamRounds} round(s) of ${opts.streamBytes / MiB} MiB per target, each through a fresh proxy process`);
    const maxMs = Math.max(60_000, (opts.streamBytes / 20e6) * 1000); // gives up below 20 MB/s
    for (let r = 0; r < opts.streamRounds; r++) {
        const line: string[] = [];
        for (const t of rotated(targets, r)) {
            const proc = await t.start();
            try {
                const ep = t.endpoint(proc.port);
                const res = kind === "upload" ? await upload(ep, opts.streamBytes, maxMs) : await download(ep, opts.streamBytes, maxMs);
                const rss = peakRss(proc.pids());
                const into = results.get(t.name)!;
                (kind === "upload" ? into.uploadMbps : into.downloadMbps).push(res.mbps);
                if (rss > 0) (kind === "upload" ? into.uploadRss : into.downloadRss).push(rss);
                line.push(`${t.name} ${res.mbps.toFixed(0)} MB/s${rss ? ` ${(rss / 1e6).toFixed(0)} MB` : ""}`);
            } finally {
                await proc.stop();
            }
        }
        log(`  round ${r + 1}/${opts.streamRounds}: ${line.join(", ")}`);
    }
}
