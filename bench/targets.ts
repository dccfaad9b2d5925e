/**
 * The processes of a benchmark run: the upstream and one child process per proxy under test, so
 * that each proxy's peak memory (VmHWM) is its own. Every child is killed when the run ends, and
 * every wait is bounded.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join, resolve } from "path";
import ts from "typescript";

export const REPO = resolve(__dirname, "..");
export const PREFIX = "/bench/";
export const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

/** "direct", "cred-proxy", "http-proxy", "http-proxy-3", "nginx", or "cred-proxy@REF" for --compare. */
export type TargetName = string;

/** A running process that answers HTTP on 127.0.0.1:port. */
export interface Running {
    port: number;
    /** PIDs whose peak RSS makes up the target's (nginx: master and worker). */
    pids(): number[];
    stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
    for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    if (workDir) rmSync(workDir, { recursive: true, force: true });
});

let workDir: string | undefined;
/** A private temporary directory for this run (routes file, nginx config, transpiled helpers), removed at exit. */
export function runDir(): string {
    workDir ??= mkdtempSync(join(tmpdir(), "cred-proxy-bench-"));
    return workDir;
}

/**
 * The helper scripts (upstream, peers) as plain JavaScript: run under ts-node they would carry
 * the TypeScript compiler in their memory, which would be counted as the peers' peak RSS.
 */
function compiled(name: string): string {
    const outDir = join(runDir(), "js");
    const out = join(outDir, `${name}.js`);
    if (!existsSync(out)) {
        mkdirSync(outDir, { recursive: true });
        const source = readFileSync(join(__dirname, `${name}.ts`), "utf8");
        const js = ts.transpileModule(source, {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
            fileName: `${name}.ts`,
        });
        writeFileSync(out, js.outputText);
    }
    return out;
}

/** The environment of a child: nothing inherited but PATH, plus what it needs. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? "/usr/bin:/bin", NODE_PATH: join(REPO, "node_modules"), ...extra };
}

export function track(child: ChildProcess, what: string): { exited: Promise<void>; stderr: () => string } {
    live.add(child);
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
        if (err.length < 64 * 1024) err += d.toString();
    });
    const exited = new Promise<void>((done) =>
        child.once("exit", () => {
            live.delete(child);
            done();
        }),
    );
    child.once("error", (e) => {
        err += `${what}: ${e.message}`;
    });
    return { exited, stderr: () => err };
}

export async function stopChild(child: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
}

/** Waits for a `{"port":N}` line (our helpers) or a regex match on a stream, bounded in time. */
function awaitPort(child: ChildProcess, stream: "stdout" | "stderr", pattern: RegExp, what: string, stderr: () => string): Promise<number> {
    return new Promise((resolvePort, reject) => {
        let seen = "";
        const timer = setTimeout(() => reject(new Error(`${what} did not start in time: ${stderr().slice(0, 500)}`)), START_TIMEOUT_MS);
        child[stream]!.on("data", (d: Buffer) => {
            if (seen.length > 64 * 1024) return;
            seen += d.toString();
            const m = pattern.exec(seen);
            if (m) {
                clearTimeout(timer);
                resolvePort(Number(m[1]));
            }
        });
        child.once("exit", (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`${what} exited (${code ?? signal}): ${stderr().slice(0, 500)}`));
        });
    });
}

/** The upstream every target forwards to. */
export async function startUpstream(auth: string): Promise<Running> {
    const child = spawn(process.execPath, [compiled("upstream")], {
        env: childEnv({ BENCH_AUTH: auth }),
        stdio: ["ignore", "pipe", "pipe"],
    });
    const t = track(child, "upstream");
    const port = await awaitPort(child, "stdout", /"port":(\d+)/, "upstream", t.stderr);
    return { port, pids: () => [child.pid!], stop: () => stopChild(child, t.exited) };
}

/**
 * The server's sources at git revision `ref`, compiled into this run's directory (for --compare:
 * the same measurements, in the same run, before and after a change). Returns its main.js.
 */
export function compileSidecarAt(ref: string): string {
    const outDir = join(runDir(), `sidecar-${ref.replace(/[^A-Za-z0-9._-]/g, "_")}`);
    mkdirSync(outDir, { recursive: true });
    const git = (...args: string[]): string => execFileSync("git", args, { cwd: REPO, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    const files = git("ls-tree", "--name-only", `${ref}:sidecar`)
        .split("\n")
        .filter((f) => f.endsWith(".ts"));
    if (!files.includes("main.ts")) throw new Error(`no sidecar/main.ts at ${ref}`);
    for (const f of files) {
        const out = ts.transpileModule(git("show", `${ref}:sidecar/${f}`), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
            fileName: f,
        });
        writeFileSync(join(outDir, f.replace(/\.ts$/, ".js")), out.outputText);
    }
    return join(outDir, "main.js");
}

/** This project's server (by default as built: dist/sidecar/main.js), one route to the upstream. */
export async function startCredProxy(
    upstreamPort: number,
    scheme: string,
    token: string,
    nodeArgs: string[] = [],
    main = join(REPO, "dist/sidecar/main.js"),
): Promise<Running> {
    const routes = join(runDir(), `routes-${upstreamPort}.json`);
    writeFileSync(
        routes,
        JSON.stringify({
            routes: [{ path: PREFIX, upstream: `http://127.0.0.1:${upstreamPort}`, auth_scheme: scheme, token_env: "CRED_PROXY_TOKEN_0" }],
        }),
    );
    // Access lines go to /dev/null: written (the server does all the work) but not read, as the
    // peers, which log nothing, are not asked to either.
    const child = spawn(process.execPath, [...nodeArgs, main, "--routes", routes, "--host", "127.0.0.1", "--port", "0"], {
        env: childEnv({ CRED_PROXY_TOKEN_0: token }),
        stdio: ["ignore", "ignore", "pipe"],
    });
    const t = track(child, "cred-proxy");
    const port = await awaitPort(child, "stderr", /listening on \S+:(\d+) /, "cred-proxy", t.stderr);
    return { port, pids: () => [child.pid!], stop: () => stopChild(child, t.exited) };
}

/** `http-proxy` or `http-proxy-3` as a minimal credential-injecting reverse proxy (peer.ts). */
export async function startPeer(
    moduleName: "http-proxy" | "http-proxy-3",
    upstreamPort: number,
    auth: string,
    nodeArgs: string[] = [],
): Promise<Running> {
    const child = spawn(process.execPath, [...nodeArgs, compiled("peer"), moduleName, `http://127.0.0.1:${upstreamPort}`, PREFIX], {
        env: childEnv({ BENCH_AUTH: auth }),
        stdio: ["ignore", "pipe", "pipe"],
    });
    const t = track(child, moduleName);
    const port = await awaitPort(child, "stdout", /"port":(\d+)/, moduleName, t.stderr);
    return { port, pids: () => [child.pid!], stop: () => stopChild(child, t.exited) };
}

/** The floor (`--floor`): a bare Node.js http proxy (minimal.ts). */
export async function startMinimal(upstreamPort: number, auth: string, nodeArgs: string[] = []): Promise<Running> {
    const child = spawn(process.execPath, [...nodeArgs, compiled("minimal"), `http://127.0.0.1:${upstreamPort}`, PREFIX], {
        env: childEnv({ BENCH_AUTH: auth }),
        stdio: ["ignore", "pipe", "pipe"],
    });
    const t = track(child, "node-minimal");
    const port = await awaitPort(child, "stdout", /"port":(\d+)/, "node-minimal", t.stderr);
    return { port, pids: () => [child.pid!], stop: () => stopChild(child, t.exited) };
}

let ticksPerSecond: number | undefined;
/** CPU time (user + system) used so far by the given processes, summed, in ms. */
export function cpuMs(pids: number[]): number {
    if (ticksPerSecond === undefined) {
        const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
        ticksPerSecond = Number(out.stdout?.trim()) || 100;
    }
    let ticks = 0;
    for (const pid of pids) {
        try {
            // Fields after the command name, which may hold spaces: utime and stime are 14 and 15.
            const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
            ticks += Number(fields[11]) + Number(fields[12]);
        } catch {
            // gone already
        }
    }
    return (ticks * 1000) / ticksPerSecond;
}

/** Peak resident set size (VmHWM) of the given processes, summed, in bytes. */
export function peakRss(pids: number[]): number {
    let total = 0;
    for (const pid of pids) {
        try {
            const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
            if (m) total += Number(m[1]) * 1024;
        } catch {
            // gone already
        }
    }
    return total;
}
