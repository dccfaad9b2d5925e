#!/usr/bin/env node
/**
 * The container's health probe: `node /app/sidecar/healthcheck.js [--port N]`, exit 0 when the
 * server answers HEALTH_PATH with 200, 1 otherwise.
 *
 * Docker runs the first probe one interval after the start (20.10 has no start interval; 25 added
 * one), and every probe is an exec that costs about 70 ms of CPU in runc and the engine before Node
 * starts (another 40 ms). A short interval would make `pulumi up` fast and every idle bottle
 * expensive; a long one the reverse. So the interval is short (HEALTH_CHECK.intervalS) and the
 * probe spaces itself:
 * - the first probe of a container start checks at once and exits: healthy within a second or so
 *   of the start (half a second more while the server is still starting);
 * - once one has passed, each later probe stays: it checks every HEALTH_WATCH_MS and exits 1 at the
 *   first failure (so a hung or dead server is reported within one watch period), or 0 after
 *   HEALTH_HOLD_MS: one exec per hold instead of one per interval.
 * "Passed in this container start" is a marker file holding the start time of the container's
 * pid 1, which a restart changes; a probe that cannot write it just checks and exits every time.
 */
import { readFileSync, rmSync, writeFileSync } from "fs";
import http from "http";
import { DEFAULT_PORT, ENV_PORT, HEALTH_HOLD_MS, HEALTH_PATH, HEALTH_WATCH_MS } from "./contract";

const CHECK_TIMEOUT_MS = 3_000;

interface ProbeOptions {
    port: number;
    holdMs: number;
    watchMs: number;
    /** Where the marker lives. */
    marker: string;
    /** The file whose 22nd field is pid 1's start time (tests point it elsewhere). */
    pid1Stat: string;
}

function options(argv: string[]): ProbeOptions {
    const value = (flag: string): string | undefined => {
        const i = argv.indexOf(flag);
        return i === -1 ? undefined : argv[i + 1];
    };
    return {
        port: Number(value("--port") ?? process.env[ENV_PORT] ?? DEFAULT_PORT),
        holdMs: Number(value("--hold-ms") ?? HEALTH_HOLD_MS),
        watchMs: Number(value("--watch-ms") ?? HEALTH_WATCH_MS),
        marker: value("--marker") ?? "/tmp/cred-proxy-healthy",
        pid1Stat: value("--pid1-stat") ?? "/proc/1/stat",
    };
}

/** One GET of the health endpoint: undefined when it answered 200, else what went wrong. */
function check(port: number): Promise<string | undefined> {
    return new Promise((resolve) => {
        const req = http.get({ host: "127.0.0.1", port, path: HEALTH_PATH, timeout: CHECK_TIMEOUT_MS }, (res) => {
            res.resume();
            resolve(res.statusCode === 200 ? undefined : `${HEALTH_PATH} answered ${res.statusCode}`);
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)));
        req.on("error", (err: NodeJS.ErrnoException) => resolve(`${HEALTH_PATH}: ${err.code ?? err.message}`));
    });
}

/** Pid 1's start time (clock ticks after boot), which names this start of the container. */
function containerStart(pid1Stat: string): string | undefined {
    try {
        // The fields after the command name, which may hold spaces: starttime is the 22nd field.
        return readFileSync(pid1Stat, "utf8").split(") ")[1]?.split(" ")[19];
    } catch {
        return undefined;
    }
}

function readMarker(file: string): string | undefined {
    try {
        return readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function probe(opts: ProbeOptions): Promise<number> {
    const start = containerStart(opts.pid1Stat);
    const held = start !== undefined && readMarker(opts.marker) === start;
    if (held) {
        for (let waited = 0; waited < opts.holdMs; waited += opts.watchMs) {
            await sleep(Math.min(opts.watchMs, opts.holdMs - waited));
            const problem = await check(opts.port);
            if (problem !== undefined) {
                // The next probe checks at once again, so retries count quickly.
                rmSync(opts.marker, { force: true });
                process.stdout.write(`unhealthy: ${problem}\n`);
                return 1;
            }
        }
        process.stdout.write("healthy\n");
        return 0;
    }
    const problem = await check(opts.port);
    if (problem !== undefined) {
        process.stdout.write(`unhealthy: ${problem}\n`);
        return 1;
    }
    if (start !== undefined) {
        try {
            writeFileSync(opts.marker, start);
        } catch {
            // Without a marker every probe checks and exits: correct, only dearer.
        }
    }
    process.stdout.write("healthy\n");
    return 0;
}

void probe(options(process.argv.slice(2))).then((code) => process.exit(code));
