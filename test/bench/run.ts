/**
 * `npm run bench`: cred-proxy against its peers, in one run, on loopback.
 *
 *   node -r ts-node/register/transpile-only test/bench/run.ts [--quick] [--no-build]
 *        [--only requests,sse,streams,plan] [--targets cred-proxy,http-proxy,...] [--rounds N]
 *        [--compare GIT_REF] [--floor] [--json FILE]
 *
 * Targets, all injecting the same `Authorization` into one local upstream that checks it (and
 * that the route prefix was stripped): direct to the upstream (the limit), cred-proxy as built
 * (dist/sidecar, built first unless --no-build), http-proxy and http-proxy-3 as minimal
 * credential-injecting proxies, and nginx (one worker, upstream keep-alive pool) when installed.
 * --compare REF adds the server as it was at git REF, measured in the same rounds (before/after);
 * --floor adds a bare Node.js http proxy (minimal.ts), the least any Node proxy costs.
 * Rounds alternate between targets, so drift on the machine touches all of them alike.
 *
 * Phases:
 * - requests: small JSON POSTs at 50 connections (rate, p50/p99, proxy CPU per request), then
 *   at 1 connection (unloaded latency);
 * - sse: event streams (time to first event, time to the end);
 * - streams: a 1 GiB upload and a 1 GiB download, generated on the fly and counted and discarded
 *   by the upstream, each through a fresh proxy process whose VmHWM is the stream's peak RSS;
 * - plan: the offline plan for 1, 10, 100 and 1,000 token entries (plan.ts).
 * --quick: 64 MiB streams, fewer requests and rounds (a smoke run of a minute or two).
 */
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "fs";
import http from "http";
import os from "os";
import { join } from "path";
import { Endpoint, download, eventStream, requestLoad, upload } from "./loadgen";
import { PlanTimes, benchPlan, linearFit } from "./plan";
import {
    PREFIX,
    REPO,
    Running,
    TargetName,
    compileSidecarAt,
    cpuMs,
    findNginx,
    nginxVersion,
    peakRss,
    startCredProxy,
    startMinimal,
    startNginx,
    startPeer,
    startUpstream,
} from "./targets";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const PHASES = ["requests", "sse", "streams", "plan"] as const;
type Phase = (typeof PHASES)[number];

interface Options {
    quick: boolean;
    build: boolean;
    only: Set<Phase>;
    targets?: Set<string>;
    compare: string[];
    floor: boolean;
    jsonFile?: string;
    rounds: number;
    requestsPerRound: number;
    warmupRequests: number;
    connections: number;
    unloadedRequests: number;
    streamBytes: number;
    streamRounds: number;
    sseStreams: number;
    sseEvents: number;
    sseIntervalMs: number;
    planRepeats: number;
}

function parseOptions(argv: string[]): Options {
    const quick = argv.includes("--quick");
    const withValue = ["--only", "--rounds", "--json", "--targets", "--compare"];
    const known = new Set(["--quick", "--no-build", "--floor", ...withValue]);
    for (let i = 0; i < argv.length; i++) {
        if (!known.has(argv[i])) throw new Error(`unknown argument ${argv[i]} (see the head of test/bench/run.ts)`);
        if (withValue.includes(argv[i]) && argv[++i] === undefined) throw new Error(`${argv[i - 1]} needs a value`);
    }
    const value = (flag: string): string | undefined => {
        const i = argv.indexOf(flag);
        return i === -1 ? undefined : argv[i + 1];
    };
    const only = new Set((value("--only") ?? PHASES.join(",")).split(",") as Phase[]);
    for (const p of only) if (!PHASES.includes(p)) throw new Error(`--only takes ${PHASES.join(",")}`);
    const rounds = Number(value("--rounds") ?? (quick ? 2 : 5));
    if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 20)) throw new Error("--rounds takes 1..20");
    const targets = value("--targets");
    return {
        quick,
        build: !argv.includes("--no-build"),
        only,
        targets: targets ? new Set(["direct", "cred-proxy", ...targets.split(",")]) : undefined,
        compare: (value("--compare") ?? "").split(",").filter(Boolean),
        floor: argv.includes("--floor"),
        jsonFile: value("--json"),
        rounds,
        requestsPerRound: quick ? 4_000 : 20_000,
        warmupRequests: quick ? 1_000 : 3_000,
        connections: 50,
        unloadedRequests: quick ? 300 : 1_000,
        streamBytes: quick ? 64 * MiB : GiB,
        streamRounds: quick ? 1 : 3,
        sseStreams: quick ? 5 : 10,
        sseEvents: 20,
        sseIntervalMs: 5,
        planRepeats: quick ? 1 : 3,
    };
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const median = (xs: number[]): number => {
    const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    if (s.length === 0) return NaN;
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Round r visits the targets starting at r: no target always runs first, or after the same one. */
const rotated = <T>(xs: T[], r: number): T[] => xs.map((_, i) => xs[(i + r) % xs.length]);

/** Compiles the project (`npm run build`) so that dist/sidecar is the server as built. */
function build(): void {
    log("building: npm run build");
    const started = Date.now();
    const result = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "-s", "build"], {
        cwd: REPO,
        stdio: ["ignore", "inherit", "inherit"],
        timeout: 300_000,
    });
    if (result.status === 0) {
        log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return;
    }
    // tsc still emits on type errors elsewhere in the project; the server is usable when each of
    // its compiled files is newer than its source.
    const stale = readdirSync(join(REPO, "sidecar"))
        .filter((f) => f.endsWith(".ts"))
        .filter((f) => {
            const out = join(REPO, "dist/sidecar", f.replace(/\.ts$/, ".js"));
            return !existsSync(out) || statSync(out).mtimeMs < statSync(join(REPO, "sidecar", f)).mtimeMs;
        });
    if (stale.length > 0) throw new Error(`npm run build failed and dist/sidecar is missing or stale (${stale.join(", ")})`);
    log("warning: npm run build reported errors; dist/sidecar is up to date with sidecar/, continuing");
}

function machine(): Record<string, string> {
    const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? os.cpus()[0]?.model ?? "unknown";
    const nproc = spawnSync("nproc", { encoding: "utf8" }).stdout?.trim() || String(os.cpus().length);
    return {
        nproc,
        node: process.version,
        cpu,
        memory: `${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`,
        kernel: os.release(),
        load: os.loadavg().map((l) => l.toFixed(2)).join(" "),
    };
}

interface TargetResult {
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

interface Target {
    name: TargetName;
    start(): Promise<Running>;
    endpoint(port: number): Endpoint;
}

function emptyResult(name: TargetName): TargetResult {
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

async function main(): Promise<void> {
    const opts = parseOptions(process.argv.slice(2));
    const started = Date.now();
    if (opts.build) build();
    if (!existsSync(join(REPO, "dist/sidecar/main.js"))) throw new Error("dist/sidecar/main.js is missing: run npm run build");
    const info = machine();
    log(`machine: ${info.nproc} cores, ${info.cpu}, node ${info.node}, load ${info.load}`);

    const token = `bench-${randomBytes(12).toString("hex")}`;
    const auth = `Bearer ${token}`;
    const upstream = await startUpstream(auth);
    const nginx = findNginx();
    if (!nginx) log("nginx not found: skipping it (apt-get install nginx-light)");

    // The agent's own Authorization must be replaced: the upstream refuses this one.
    const decoy = { authorization: "Bearer agent-supplied-decoy" };
    const proxied = (port: number): Endpoint => ({ port, base: PREFIX.slice(0, -1), headers: decoy });
    const targets: Target[] = [
        {
            name: "direct",
            start: async () => ({ port: upstream.port, pids: () => [], stop: async () => undefined }),
            endpoint: (port) => ({ port, base: "", headers: { authorization: auth } }),
        },
        { name: "cred-proxy", start: () => startCredProxy(upstream.port, "Bearer", token), endpoint: proxied },
    ];
    for (const ref of opts.compare) {
        const main = compileSidecarAt(ref);
        targets.push({ name: `cred-proxy@${ref}`, start: () => startCredProxy(upstream.port, "Bearer", token, [], main), endpoint: proxied });
    }
    targets.push(
        { name: "http-proxy", start: () => startPeer("http-proxy", upstream.port, auth), endpoint: proxied },
        { name: "http-proxy-3", start: () => startPeer("http-proxy-3", upstream.port, auth), endpoint: proxied },
    );
    if (nginx) targets.push({ name: "nginx", start: () => startNginx(nginx, upstream.port, auth), endpoint: proxied });
    if (opts.floor) targets.push({ name: "node-minimal", start: () => startMinimal(upstream.port, auth), endpoint: proxied });
    if (opts.targets) {
        const unknown = [...opts.targets].filter((n) => !targets.some((t) => t.name === n));
        if (unknown.length) throw new Error(`unknown target(s): ${unknown.join(", ")}`);
        targets.splice(0, targets.length, ...targets.filter((t) => opts.targets!.has(t.name) || t.name.includes("@")));
    }

    const results = new Map<TargetName, TargetResult>(targets.map((t) => [t.name, emptyResult(t.name)]));
    try {
        if (opts.only.has("requests") || opts.only.has("sse")) await requestsAndEvents(opts, targets, results);
        if (opts.only.has("streams")) {
            await streams(opts, targets, results, "upload");
            await streams(opts, targets, results, "download");
        }
    } finally {
        await upstream.stop();
    }
    let plan: PlanTimes | undefined;
    if (opts.only.has("plan")) {
        log("plan: npm run plan, the compiled CLI and the plan function in-process, for 1, 10, 100 and 1,000 token entries");
        plan = await benchPlan(opts.planRepeats, log, opts.compare);
    }

    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(render(opts, info, [...results.values()], plan, nginx ? nginxVersion(nginx) : undefined, seconds));
    if (opts.jsonFile) {
        const options = { ...opts, only: [...opts.only], targets: opts.targets ? [...opts.targets] : undefined };
        writeFileSync(opts.jsonFile, `${JSON.stringify({ machine: info, options, results: [...results.values()], plan }, null, 2)}\n`);
    }
}

/** Request rate, latency and CPU, then event streams, against long-running processes. */
async function requestsAndEvents(opts: Options, targets: Target[], results: Map<TargetName, TargetResult>): Promise<void> {
    const running = new Map<TargetName, Running>();
    try {
        for (const t of targets) running.set(t.name, await t.start());
        const ep = (t: Target): Endpoint => t.endpoint(running.get(t.name)!.port);
        if (opts.only.has("requests")) {
            log(`requests: ${opts.rounds} rounds of ${opts.requestsPerRound} small JSON POSTs per target at ${opts.connections} connections, then ${opts.unloadedRequests} at 1`);
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
            log(`events: ${opts.rounds} rounds of ${opts.sseStreams} streams per target, ${opts.sseEvents} events ${opts.sseIntervalMs} ms apart`);
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
async function streams(opts: Options, targets: Target[], results: Map<TargetName, TargetResult>, kind: "upload" | "download"): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// Report

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

function render(
    opts: Options,
    info: Record<string, string>,
    results: TargetResult[],
    plan: PlanTimes | undefined,
    nginx: string | undefined,
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
    out += `- \`node --version\`: ${info.node}; nginx: ${nginx ?? "not installed"}; http-proxy ${pkgVersion("http-proxy")}; http-proxy-3 ${pkgVersion("http-proxy-3")}\n`;
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
    out += `## Results\n\nMedians over rounds. RSS: peak (VmHWM) of the proxy process(es), largest over rounds; nginx counts master and worker. CPU: the proxy's user + system time per request at 50 connections.\n\n`;
    out += table(
        ["target", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "p50 ms @1", "p99 ms @1", "errors", "RSS req MB", "upload MB/s", "upload RSS MB", "download MB/s", "download RSS MB", "SSE first ms", "SSE total ms"],
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
    const check = (ok: boolean | undefined, text: string): string => `- ${ok === undefined ? "n/a" : ok ? "met" : "**not met**"}: ${text}\n`;
    const hp = by("http-proxy");
    const hp3 = by("http-proxy-3");
    const ng = by("nginx");
    if (Number.isFinite(cred.rps)) {
        if (hp) out += check(cred.rps >= 1.25 * hp.rps, `req/s ≥ 1.25× http-proxy: ${fmt(cred.rps / hp.rps, 2)}×`);
        if (hp3) out += check(cred.rps >= 1.25 * hp3.rps, `req/s ≥ 1.25× http-proxy-3: ${fmt(cred.rps / hp3.rps, 2)}×`);
        out += check(ng ? cred.rps >= 0.6 * ng.rps : undefined, `req/s ≥ 0.6× single-worker nginx: ${ng ? `${fmt(cred.rps / ng.rps, 2)}×` : "nginx not run"}`);
        out += check(cred.p50 - direct.p50 < 1, `p50 overhead over direct < 1 ms at 50 connections: ${fmt(cred.p50 - direct.p50, 2)} ms`);
        out += check(cred.p50one - direct.p50one < 1, `p50 overhead over direct < 1 ms at 1 connection: ${fmt(cred.p50one - direct.p50one, 3)} ms`);
        out += check(cred.errors === 0, `no failed requests: ${cred.errors}`);
    }
    if (Number.isFinite(cred.up) && Number.isFinite(cred.down)) {
        out += check(cred.up >= 0.8 * direct.up, `upload ≥ 80% of direct: ${fmt((100 * cred.up) / direct.up)}%`);
        out += check(cred.down >= 0.8 * direct.down, `download ≥ 80% of direct: ${fmt((100 * cred.down) / direct.down)}%`);
        const rss = Math.max(cred.upRss, cred.downRss);
        out += check(rss < 80e6, `peak RSS while streaming < 80 MB: ${mb(rss)} MB`);
    }
    if (Number.isFinite(cred.sseFirst)) {
        out += check(cred.sseFirst - direct.sseFirst <= 2, `SSE first event within 2 ms of direct: +${fmt(cred.sseFirst - direct.sseFirst, 2)} ms`);
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

// Every wait is bounded on its own; this is the backstop for the whole run.
const overall = setTimeout(() => {
    log("bench: gave up after 30 minutes");
    process.exit(1);
}, 30 * 60_000);
overall.unref();

main().then(
    () => {
        log("bench: done");
        process.exit(0);
    },
    (err: unknown) => {
        log(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        process.exit(1);
    },
);
