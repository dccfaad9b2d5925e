/**
 * Small helpers the end-to-end tests use on running containers: exec, health, logs, addresses,
 * and an in-container HTTP probe (the tools image has node, so no curl is needed).
 */
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { docker } from "./engine";

/** A container given by id, name, or anything with an `id` (a dockerode Container included). */
export type ContainerRef = string | { id: string };

export function containerOf(ref: ContainerRef): Docker.Container {
    return docker().getContainer(typeof ref === "string" ? ref : ref.id);
}

export interface ExecResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

export interface ExecOptions {
    /** Run as this user (default: the container's user). */
    user?: string;
    /** Extra environment, `KEY=VALUE`. */
    env?: string[];
    workingDir?: string;
    /** Bytes to send on stdin (then stdin is closed). */
    stdin?: string | Buffer;
    /** Give up after this long (default 30 s). */
    timeoutMs?: number;
}

/** Run `cmd` inside a running container; resolves with its exit code and output. */
export async function execIn(ref: ContainerRef, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const exec = await containerOf(ref).exec({
        Cmd: cmd,
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: opts.stdin !== undefined,
        User: opts.user,
        Env: opts.env,
        WorkingDir: opts.workingDir,
    });
    const stream = await exec.start({ hijack: true, stdin: opts.stdin !== undefined });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on("data", (c: Buffer) => out.push(c));
    stderr.on("data", (c: Buffer) => err.push(c));
    docker().modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((resolve, reject) => {
        stream.on("end", () => resolve());
        stream.on("close", () => resolve());
        stream.on("error", reject);
    });
    if (opts.stdin !== undefined) {
        stream.write(opts.stdin);
        stream.end();
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`exec ${JSON.stringify(cmd)} did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
        await Promise.race([ended, timedOut]);
        // The stream can end a moment before the engine records the exit code.
        for (;;) {
            const info = await exec.inspect();
            if (!info.Running && info.ExitCode !== null) {
                return {
                    exitCode: info.ExitCode,
                    stdout: Buffer.concat(out).toString("utf8"),
                    stderr: Buffer.concat(err).toString("utf8"),
                };
            }
            await Promise.race([sleep(50), timedOut]);
        }
    } finally {
        if (timer) clearTimeout(timer);
        stream.destroy();
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Everything the container wrote so far (stdout and stderr, demultiplexed, interleaved). */
export async function containerLogs(ref: ContainerRef): Promise<string> {
    const c = containerOf(ref);
    const info = await c.inspect();
    const raw = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    if (info.Config.Tty) return raw.toString("utf8");
    // Non-TTY logs are multiplexed: 8-byte header (stream, 0, 0, 0, size BE32) then the payload.
    const chunks: Buffer[] = [];
    let at = 0;
    while (at + 8 <= raw.length) {
        const size = raw.readUInt32BE(at + 4);
        chunks.push(raw.subarray(at + 8, at + 8 + size));
        at += 8 + size;
    }
    return Buffer.concat(chunks).toString("utf8");
}

/**
 * Wait until the container's healthcheck reports `healthy`. Fails early when the container
 * stops, and on timeout; both errors carry the last health-check output and the logs.
 */
export async function waitHealthy(ref: ContainerRef, timeoutMs = 60_000): Promise<void> {
    const c = containerOf(ref);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const info = await c.inspect();
        const health = info.State.Health;
        if (!health) throw new Error(`container ${info.Name} has no healthcheck`);
        if (health.Status === "healthy") return;
        const lastProbe = health.Log?.[health.Log.length - 1];
        const detail = () => `last probe: ${lastProbe ? `exit ${lastProbe.ExitCode}: ${lastProbe.Output}` : "none"}`;
        if (!info.State.Running) {
            throw new Error(
                `container ${info.Name} stopped (${info.State.Status}, exit ${info.State.ExitCode}) ` +
                    `before it became healthy; ${detail()}\n--- logs ---\n${await containerLogs(c)}`,
            );
        }
        if (Date.now() > deadline) {
            throw new Error(
                `container ${info.Name} not healthy after ${timeoutMs} ms (status ${health.Status}); ` +
                    `${detail()}\n--- logs ---\n${await containerLogs(c)}`,
            );
        }
        await sleep(200);
    }
}

/** The container's IPv4 address on a network (by network name). */
export async function containerIp(ref: ContainerRef, networkName: string): Promise<string> {
    const info = await containerOf(ref).inspect();
    const ep = info.NetworkSettings.Networks[networkName];
    if (!ep?.IPAddress) {
        throw new Error(
            `container ${info.Name} has no address on network ${networkName} ` +
                `(on: ${Object.keys(info.NetworkSettings.Networks).join(", ") || "none"})`,
        );
    }
    return ep.IPAddress;
}

export type HttpProbe =
    { ok: true; status: number; headers: Record<string, string | string[]>; body: string } | { ok: false; error: string };

/**
 * Make one HTTP request from inside a container (with its node) and report what happened:
 * the response, or the network error's code (ENOTFOUND, ECONNREFUSED, ...; "TIMEOUT" when no
 * response came within `timeoutMs`, connecting included).
 */
export async function httpFrom(
    ref: ContainerRef,
    url: string,
    opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpProbe> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const script = `
        const http = require("http");
        const [url, method, headers, body, timeoutMs] = JSON.parse(process.argv[1]);
        const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
        const req = http.request(url, { method, headers }, (res) => {
            const chunks = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => done({ ok: true, status: res.statusCode, headers: res.headers,
                body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", (e) => done({ ok: false, error: e.code || e.message }));
        });
        // One deadline for the whole exchange (connect included), not socket idle time.
        setTimeout(() => { req.destroy(); done({ ok: false, error: "TIMEOUT" }); }, timeoutMs);
        req.on("error", (e) => done({ ok: false, error: e.code || e.message }));
        req.end(body || undefined);
    `;
    const arg = JSON.stringify([url, opts.method ?? "GET", opts.headers ?? {}, opts.body ?? "", timeoutMs]);
    const r = await execIn(ref, ["node", "-e", script, arg], { timeoutMs: timeoutMs + 15_000 });
    if (r.exitCode !== 0) {
        throw new Error(`http probe in container failed (exit ${r.exitCode}): ${r.stderr}`);
    }
    return JSON.parse(r.stdout) as HttpProbe;
}

export type DnsProbe = { ok: true; addresses: string[] } | { ok: false; error: string };

/**
 * Resolve a host name from inside a container (node's dns.lookup, as an HTTP client would).
 * A name Docker's embedded DNS does not know is forwarded upstream, which on an internal network
 * never answers. The lookup runs with `RES_OPTIONS=timeout:1 attempts:1` (glibc), so that fails
 * within about a second; a lookup still pending after `timeoutMs` is reported as
 * `{ ok: false, error: "LOOKUP_TIMEOUT" }`.
 */
export async function resolveFrom(ref: ContainerRef, hostname: string, timeoutMs = 4000): Promise<DnsProbe> {
    const script = `
        const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
        setTimeout(() => done({ ok: false, error: "LOOKUP_TIMEOUT" }), Number(process.argv[2]));
        require("dns").lookup(process.argv[1], { all: true }, (err, addrs) =>
            done(err ? { ok: false, error: err.code || err.message } : { ok: true, addresses: addrs.map((a) => a.address) }));
    `;
    const r = await execIn(ref, ["node", "-e", script, hostname, String(timeoutMs)], {
        timeoutMs: timeoutMs + 15_000,
        env: ["RES_OPTIONS=timeout:1 attempts:1"],
    });
    if (r.exitCode !== 0) throw new Error(`dns probe in container failed (exit ${r.exitCode}): ${r.stderr}`);
    return JSON.parse(r.stdout) as DnsProbe;
}
