/** Child processes for tests: run one to completion and keep what it printed. */
import { spawn } from "node:child_process";
import path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "../..");

export interface CommandResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

export interface CommandOptions {
    /** Default: the repository root. */
    cwd?: string;
    /** The whole environment of the child. Default: this process's. */
    env?: NodeJS.ProcessEnv;
    /** Written to its stdin, which is then closed. */
    input?: string;
    /** Killed (SIGKILL) after this long; 0 waits for ever. Default 10 minutes. */
    timeoutMs?: number;
}

/** Runs a command to completion; resolves whatever its exit status, rejects only if it cannot start. */
export function runCommand(command: string, args: ReadonlyArray<string>, opts: CommandOptions = {}): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        const limit = opts.timeoutMs ?? 600_000;
        const timer = limit > 0 ? setTimeout(() => child.kill("SIGKILL"), limit) : undefined;
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
        child.stdin.end(opts.input ?? "");
    });
}

/** Throws with the ends of the command's output when it failed: for steps that must succeed. */
export function mustSucceed(what: string, r: CommandResult): CommandResult {
    if (r.code !== 0) {
        throw new Error(`${what} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
    }
    return r;
}

/** `runCommand`, rejecting with the command line and its output unless it exits 0. */
export async function runChecked(command: string, args: ReadonlyArray<string>, opts: CommandOptions = {}): Promise<CommandResult> {
    return mustSucceed(`${command} ${args.join(" ")}`, await runCommand(command, args, opts));
}
