/**
 * `npm run bench`: cred-proxy against its peers, in one run, on loopback.
 *
 *   node -r ts-node/register/transpile-only bench/run.ts [--quick] [--no-build]
 *        [--only requests,sse,streams,plan] [--targets cred-proxy,http-proxy,...] [--rounds N]
 *        [--compare GIT_REF] [--floor] [--json FILE]
 *
 * Targets, all injecting the same `Authorization` into one local upstream that checks it (and
 * that the route prefix was stripped): direct to the upstream (the limit), cred-proxy as built
 * (dist/sidecar, built first unless --no-build), http-proxy and http-proxy-3 as minimal
 * credential-injecting proxies, and nginx, Caddy and HAProxy (one worker thread each, upstream
 * keep-alive) when installed (nativePeers.ts).
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
 *
 * Files: options.ts (flags), targets.ts (the processes), nativePeers.ts (nginx, Caddy, HAProxy),
 * loadgen.ts (the clients), measure.ts
 * (the rounds), plan.ts (the offline plan), report.ts (the Markdown report).
 */
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import { existsSync, readFileSync, writeFileSync } from "fs";
import os from "os";
import { join } from "path";
import { Endpoint } from "./loadgen";
import { Target, TargetResult, emptyResult, log, requestsAndEvents, streams } from "./measure";
import { parseOptions } from "./options";
import { NATIVE_PEER_PACKAGES, findNativePeers } from "./nativePeers";
import { PlanTimes, benchPlan } from "./plan";
import { render } from "./report";
import { PREFIX, REPO, TargetName, compileSidecarAt, startCredProxy, startMinimal, startPeer, startUpstream } from "./targets";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript, no types
const { distProblems } = require("../scripts/dist.js") as { distProblems: (root: string, dirs?: string[]) => string[] };

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
    // tsc still emits on type errors elsewhere in the project; the server is usable when
    // dist/sidecar is the build of sidecar/ (scripts/dist.js).
    const stale = distProblems(REPO, ["sidecar"]);
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
        load: os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" "),
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
    const natives = findNativePeers();
    for (const name of natives.missing) log(`${name} not found: skipping it (apt-get install ${NATIVE_PEER_PACKAGES[name]})`);

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
        targets.push({
            name: `cred-proxy@${ref}`,
            start: () => startCredProxy(upstream.port, "Bearer", token, [], main),
            endpoint: proxied,
        });
    }
    targets.push(
        { name: "http-proxy", start: () => startPeer("http-proxy", upstream.port, auth), endpoint: proxied },
        { name: "http-proxy-3", start: () => startPeer("http-proxy-3", upstream.port, auth), endpoint: proxied },
    );
    for (const peer of natives.found) targets.push({ name: peer.name, start: () => peer.start(upstream.port, auth), endpoint: proxied });
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
    process.stdout.write(render(opts, info, [...results.values()], plan, natives, seconds));
    if (opts.jsonFile) {
        const options = { ...opts, only: [...opts.only], targets: opts.targets ? [...opts.targets] : undefined };
        writeFileSync(opts.jsonFile, `${JSON.stringify({ machine: info, options, results: [...results.values()], plan }, null, 2)}\n`);
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
