/**
 * Runs the compiled server as a child process, the way the container runs it, and captures
 * everything it prints (each line also goes through the leak scanner).
 */
import { ChildProcess, spawn } from "child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { buildSidecar } from "./build";
import { scan } from "./leaks";

export interface RouteEntry {
    path: string;
    upstream: string;
    auth_scheme: "Bearer" | "token";
    token_env: string;
}

export interface ChildProxy {
    proc: ChildProcess;
    port: number;
    stdout: string[];
    stderr: string[];
    /** Resolves with the exit code (or signal name) once the process has ended. */
    exited: Promise<number | string>;
    /** Peak resident memory so far, in bytes (VmHWM). */
    peakRss(): number;
    /** Resident memory now, in bytes (VmRSS). */
    rss(): number;
    /** Open file descriptors now: sockets, pipes, files. */
    openFds(): number;
    stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** A memory figure of the child's /proc status (`VmHWM`, `VmRSS`), in bytes. */
function procStatus(proc: ChildProcess, field: string): number {
    const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (!m) throw new Error(`no ${field} in /proc status`);
    return Number(m[1]) * 1024;
}

/** Writes a routes file (it never holds tokens) into a fresh temporary directory. */
export function writeRoutesFile(content: unknown): string {
    const file = join(mkdtempSync(join(tmpdir(), "cred-proxy-routes-")), "routes.json");
    writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2) + "\n");
    return file;
}

export interface RunOptions {
    args?: string[];
    env?: Record<string, string>;
    /** Pass no routes/host/port flags: the configuration comes from `env` alone. */
    bare?: boolean;
}

/** Runs the server to completion (start-up failures): code, stdout, stderr. */
export function runProxy(opts: RunOptions): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const proc = spawnRaw(opts);
    let stdout = "";
    let stderr = "";
    proc.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    return new Promise((resolve) => {
        proc.on("close", (code) => {
            clearTimeout(timer);
            scan(stdout, "proxy stdout");
            scan(stderr, "proxy stderr");
            resolve({ code, stdout, stderr });
        });
    });
}

function spawnRaw(opts: RunOptions): ChildProcess {
    return spawn(process.execPath, [buildSidecar(), ...(opts.args ?? [])], {
        // Only what the container would have: no inherited secrets or NODE_OPTIONS from jest.
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...opts.env },
        stdio: ["ignore", "pipe", "pipe"],
    });
}

/** Starts the server on a free loopback port and waits for its start-up line. */
export async function startChildProxy(routes: RouteEntry[], opts: RunOptions = {}): Promise<ChildProxy> {
    const flags = opts.bare ? [] : ["--routes", writeRoutesFile({ routes }), "--host", "127.0.0.1", "--port", "0"];
    const proc = spawnRaw({ ...opts, args: [...flags, ...(opts.args ?? [])] });
    const stdout: string[] = [];
    const stderr: string[] = [];
    const collect = (into: string[], where: string) => {
        let partial = "";
        return (d: Buffer) => {
            const lines = (partial + d.toString()).split("\n");
            partial = lines.pop() ?? "";
            for (const line of lines) {
                scan(line, where);
                into.push(line);
            }
        };
    };
    proc.stdout!.on("data", collect(stdout, "proxy stdout"));
    const onErr = collect(stderr, "proxy stderr");
    const exited = new Promise<number | string>((resolve) => proc.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
    const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`proxy did not start: ${stderr.join(" | ")}`)), 10_000);
        proc.stderr!.on("data", (d: Buffer) => {
            onErr(d);
            const m = /listening on \S+:(\d+) /.exec(stderr.join("\n"));
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        void exited.then((code) => reject(new Error(`proxy exited (${code}): ${stderr.join(" | ")}`)));
    });
    return {
        proc,
        port,
        stdout,
        stderr,
        exited,
        peakRss: () => procStatus(proc, "VmHWM"),
        rss: () => procStatus(proc, "VmRSS"),
        openFds: () => readdirSync(`/proc/${proc.pid}/fd`).length,
        async stop(signal: NodeJS.Signals = "SIGTERM") {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
            return exited;
        },
    };
}
