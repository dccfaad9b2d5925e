/**
 * The benchmark's Markdown report: per-target medians, ratios to direct and to each peer, the
 * offline plan's growth, and which of the issue's targets were met.
 */
import { readFileSync } from "fs";
import { join } from "path";
import { TargetResult, median } from "./measure";
import { MiB, Options } from "./options";
import type { NativePeer, NativePeerName } from "./nativePeers";
import { PlanTimes, linearFit } from "./plan";
import { REPO, TargetName } from "./targets";

interface Summary {
    name: TargetName;
    rps: number;
    p50: number;
    p99: number;
    cpuUs: number;
    p50one: number;
    p99one: number;
    errors: number;
    requestRss: number;
    up: number;
    upRss: number;
    down: number;
    downRss: number;
    sseFirst: number;
    sseTotal: number;
}

function summarise(r: TargetResult): Summary {
    return {
        name: r.name,
        rps: median(r.rps),
        p50: median(r.p50),
        p99: median(r.p99),
        cpuUs: median(r.cpuUs),
        p50one: median(r.p50one),
        p99one: median(r.p99one),
        errors: r.errors,
        requestRss: r.requestRss ?? NaN,
        up: median(r.uploadMbps),
        upRss: r.uploadRss.length ? Math.max(...r.uploadRss) : NaN,
        down: median(r.downloadMbps),
        downRss: r.downloadRss.length ? Math.max(...r.downloadRss) : NaN,
        sseFirst: median(r.sseFirst),
        sseTotal: median(r.sseTotal),
    };
}

const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : "–");
const mb = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / 1e6).toFixed(0) : "–");

function table(header: string[], rows: string[][]): string {
    const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
    for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
    return `${lines.join("\n")}\n`;
}

export function render(
    opts: Options,
    info: Record<string, string>,
    results: TargetResult[],
    plan: PlanTimes | undefined,
    natives: { found: NativePeer[]; missing: NativePeerName[] },
    seconds: number,
): string {
    const s = results.map(summarise);
    const by = (name: TargetName): Summary | undefined => s.find((x) => x.name === name);
    const direct = by("direct")!;
    const cred = by("cred-proxy")!;
    const others = s.filter((x) => x.name !== "direct" && x.name !== "cred-proxy");
    const cmd = ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
    let out = "";
    out += `## Machine and run\n\n`;
    out += `- \`nproc\`: ${info.nproc}; CPU (/proc/cpuinfo): ${info.cpu}; memory ${info.memory}; kernel ${info.kernel}\n`;
    const peers = [...natives.found.map((p) => `${p.name} ${p.version}`), ...natives.missing.map((n) => `${n} not installed`)];
    out += `- \`node --version\`: ${info.node}; ${peers.join(", ")}; http-proxy ${pkgVersion("http-proxy")}; http-proxy-3 ${pkgVersion("http-proxy-3")}\n`;
    out += `- command: \`${cmd}\`; load average at start ${info.load}; run took ${fmt(seconds)} s\n`;
    out += `- requests: ${opts.rounds} rounds × ${opts.requestsPerRound} small JSON POSTs per target at ${opts.connections} connections, and ${opts.unloadedRequests} at 1 connection; `;
    out += `streams: ${opts.streamRounds} round(s) × ${opts.streamBytes / MiB} MiB each way; SSE: ${opts.rounds}×${opts.sseStreams} streams of ${opts.sseEvents} events ${opts.sseIntervalMs} ms apart\n\n`;

    const measured = opts.only.has("requests") || opts.only.has("sse") || opts.only.has("streams");
    if (measured) out += renderTargets(s, direct, cred, others);
    out += renderPlan(plan);
    out += renderChecks(s, direct, cred, plan);
    return out;
}

function renderTargets(s: Summary[], direct: Summary, cred: Summary, others: Summary[]): string {
    let out = "";
    out += `## Results\n\nMedians over rounds. RSS: peak (VmHWM) of the proxy process(es), largest over rounds; nginx counts master and worker. CPU: the proxy's user + system time per request at 50 connections (every process of it).\n\n`;
    out += table(
        [
            "target",
            "req/s",
            "p50 ms",
            "p99 ms",
            "CPU µs/req",
            "p50 ms @1",
            "p99 ms @1",
            "errors",
            "RSS req MB",
            "upload MB/s",
            "upload RSS MB",
            "download MB/s",
            "download RSS MB",
            "SSE first ms",
            "SSE total ms",
        ],
        s.map((x) => [
            x.name,
            fmt(x.rps),
            fmt(x.p50, 2),
            fmt(x.p99, 2),
            fmt(x.cpuUs),
            fmt(x.p50one, 3),
            fmt(x.p99one, 3),
            String(x.errors),
            mb(x.requestRss),
            fmt(x.up),
            mb(x.upRss),
            fmt(x.down),
            mb(x.downRss),
            fmt(x.sseFirst, 2),
            fmt(x.sseTotal, 1),
        ]),
    );

    out += `\n## Each target against direct\n\n`;
    out += table(
        ["target", "req/s ratio", "p50 overhead ms", "p99 overhead ms", "p50 overhead ms @1", "upload %", "download %", "SSE first +ms"],
        s
            .filter((x) => x.name !== "direct")
            .map((x) => [
                x.name,
                fmt(x.rps / direct.rps, 2),
                fmt(x.p50 - direct.p50, 2),
                fmt(x.p99 - direct.p99, 2),
                fmt(x.p50one - direct.p50one, 3),
                fmt((100 * x.up) / direct.up),
                fmt((100 * x.down) / direct.down),
                fmt(x.sseFirst - direct.sseFirst, 2),
            ]),
    );

    out += `\n## cred-proxy against each other target\n\ncred-proxy's value divided by the other's: above 1 is better for rates and throughput, below 1 is better for latency, CPU and RSS.\n\n`;
    out += table(
        ["other", "req/s", "p50", "p99", "CPU/req", "p50 @1", "upload MB/s", "download MB/s", "peak RSS streaming", "SSE first"],
        others.map((x) => [
            x.name,
            fmt(cred.rps / x.rps, 2),
            fmt(cred.p50 / x.p50, 2),
            fmt(cred.p99 / x.p99, 2),
            fmt(cred.cpuUs / x.cpuUs, 2),
            fmt(cred.p50one / x.p50one, 2),
            fmt(cred.up / x.up, 2),
            fmt(cred.down / x.down, 2),
            fmt(Math.max(cred.upRss, cred.downRss) / Math.max(x.upRss, x.downRss), 2),
            fmt(cred.sseFirst / x.sseFirst, 2),
        ]),
    );

    return out;
}

/** Whether the plan grows linearly (the cost of an entry does not grow with the manifest, within 2x for noise). */
function planLinear(plan: PlanTimes): boolean {
    const last = plan.sizes.length - 1;
    const perEntry = (i: number): number => (plan.inProcess[i] - plan.inProcess[i - 1]) / (plan.sizes[i] - plan.sizes[i - 1]);
    return perEntry(last) <= 2 * Math.max(perEntry(last - 1), 0.05) && linearFit(plan.sizes, plan.inProcess).r2 > 0.98;
}

function renderPlan(plan: PlanTimes | undefined): string {
    let out = "";
    if (plan) {
        const last = plan.sizes.length - 1;
        out += `\n## Offline plan\n\nMedian wall time in ms (${plan.repeats} run(s) per size for each CLI; the in-process times are medians of ${plan.inProcessRepeats} calls in one process after a warm-up).\n\n`;
        const columns = [
            ["npm run plan", plan.npm],
            ["compiled CLI", plan.compiled],
            ["in-process", plan.inProcess],
            ...Object.entries(plan.inProcessAt).map(([ref, ts]) => [`in-process, plan.ts@${ref}`, ts] as [string, number[]]),
        ] as Array<[string, number[]]>;
        out += table(
            ["token entries", ...columns.map(([name]) => name)],
            plan.sizes.map((n, i) => [String(n), ...columns.map(([, ts]) => fmt(ts[i]))]),
        );
        const perEntry = (ts: number[], i: number): number => (ts[i] - ts[i - 1]) / (plan.sizes[i] - plan.sizes[i - 1]);
        const growth = (ts: number[]): string =>
            plan.sizes
                .slice(1)
                .map((n, i) => `${plan.sizes[i]}→${n}: ${fmt(perEntry(ts, i + 1), 2)}`)
                .join(", ");
        out += `\nCost per added entry (ms): npm run plan ${growth(plan.npm)}; compiled CLI ${growth(plan.compiled)}; in-process ${growth(plan.inProcess)}.\n`;
        const fit = linearFit(plan.sizes, plan.inProcess);
        out += `In-process least-squares line: ${fmt(fit.a)} ms + ${fmt(fit.b, 3)} ms × entries (R² ${fmt(fit.r2, 4)}).\n`;
        out += `Linear: ${planLinear(plan) ? "yes" : "no"}. 1,000 entries: npm run plan ${fmt(plan.npm[last])} ms, compiled CLI ${fmt(plan.compiled[last])} ms, in-process ${fmt(plan.inProcess[last])} ms.\n`;
    }

    return out;
}

function renderChecks(s: Summary[], direct: Summary, cred: Summary, plan: PlanTimes | undefined): string {
    const by = (name: TargetName): Summary | undefined => s.find((x) => x.name === name);
    let out = `\n## Targets\n\n`;
    const check = (ok: boolean | undefined, text: string): string =>
        `- ${ok === undefined ? "n/a" : ok ? "met" : "**not met**"}: ${text}\n`;
    const hp = by("http-proxy");
    const hp3 = by("http-proxy-3");
    const caddy = by("caddy");
    if (Number.isFinite(cred.rps)) {
        if (hp) out += check(cred.rps >= 1.5 * hp.rps, `req/s ≥ 1.5× http-proxy: ${fmt(cred.rps / hp.rps, 2)}×`);
        if (hp3) out += check(cred.rps >= 1.5 * hp3.rps, `req/s ≥ 1.5× http-proxy-3: ${fmt(cred.rps / hp3.rps, 2)}×`);
        out += check(
            caddy ? cred.rps >= caddy.rps : undefined,
            `req/s ≥ Caddy's (GOMAXPROCS=1): ${caddy ? `${fmt(cred.rps / caddy.rps, 2)}×` : "caddy not run"}`,
        );
        // No threshold against the C proxies: the report gives the ratio, to watch it close.
        for (const name of ["nginx", "haproxy"]) {
            const peer = by(name);
            if (peer)
                out += `- ratio: req/s against single-threaded ${name}: ${fmt(cred.rps / peer.rps, 2)}×; CPU per request ${fmt(cred.cpuUs / peer.cpuUs, 1)}× its\n`;
        }
        out += check(cred.p50 - direct.p50 < 1, `p50 overhead over direct < 1 ms at 50 connections: ${fmt(cred.p50 - direct.p50, 2)} ms`);
        out += check(
            cred.p50one - direct.p50one < 1,
            `p50 overhead over direct < 1 ms at 1 connection: ${fmt(cred.p50one - direct.p50one, 3)} ms`,
        );
        out += check(cred.errors === 0, `no failed requests: ${cred.errors}`);
    }
    if (Number.isFinite(cred.up) && Number.isFinite(cred.down)) {
        out += check(cred.up >= 0.8 * direct.up, `upload ≥ 80% of direct: ${fmt((100 * cred.up) / direct.up)}%`);
        out += check(cred.down >= 0.8 * direct.down, `download ≥ 80% of direct: ${fmt((100 * cred.down) / direct.down)}%`);
        const rss = Math.max(cred.upRss, cred.downRss);
        out += check(rss < 80e6, `peak RSS while streaming < 80 MB: ${mb(rss)} MB`);
    }
    if (Number.isFinite(cred.sseFirst)) {
        out += check(
            cred.sseFirst - direct.sseFirst <= 2,
            `SSE first event within 2 ms of direct: +${fmt(cred.sseFirst - direct.sseFirst, 2)} ms`,
        );
    }
    if (plan) {
        const last = plan.sizes.length - 1;
        out += check(planLinear(plan), "plan time grows linearly (in-process)");
        out += check(plan.npm[last] < 2000, `1,000 entries under 2 s with npm run plan: ${fmt(plan.npm[last])} ms`);
        out += check(plan.compiled[last] < 2000, `1,000 entries under 2 s with the compiled CLI: ${fmt(plan.compiled[last])} ms`);
    }
    return out;
}

function pkgVersion(name: string): string {
    try {
        return (JSON.parse(readFileSync(join(REPO, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
    } catch {
        return "not installed";
    }
}
