/**
 * The real Pulumi CLI for the end-to-end suite: finding it, a `describe` that needs it and a Docker
 * engine, and running it (or this project's `npm run bottle`) against a file backend of the test's
 * own, with every line it printed kept so a test can search them for tokens.
 *
 * The CLI is the `pulumi` on `PATH` (`.ci/run` puts the folder `.ci/pulumi-engine.sh` prints
 * first). When there is none, the engine script is asked for a cached build (`--cached-only`,
 * instant when the engine was built once on this machine) before the suite gives up.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCommand, type CommandResult } from "../../helpers/commands";
import { dockerRequired, engineAvailableSync } from "./engine";
import { REPO_ROOT } from "./images";

const ENGINE_SCRIPT = path.join(REPO_ROOT, ".ci", "pulumi-engine.sh");

function onPath(command: string, envPath: string): string | undefined {
    for (const dir of envPath.split(path.delimiter)) {
        if (dir && existsSync(path.join(dir, command))) return dir;
    }
    return undefined;
}

let cachedBinDir: string | null | undefined;

/**
 * The folder holding the `pulumi` to use, or undefined: `pulumi` on PATH, else the engine script's
 * cached build. Never builds (a cold build takes minutes; `.ci/run` does it before the tests).
 */
export function pulumiBinDir(): string | undefined {
    if (cachedBinDir !== undefined) return cachedBinDir ?? undefined;
    let found = onPath("pulumi", process.env.PATH ?? "");
    if (found === undefined && existsSync(ENGINE_SCRIPT)) {
        const r = spawnSync("bash", [ENGINE_SCRIPT, "--cached-only"], { encoding: "utf8", timeout: 60_000 });
        const last = r.stdout.trim().split("\n").pop();
        if (r.status === 0 && last && existsSync(path.join(last, "pulumi"))) found = last;
    }
    cachedBinDir = found ?? null;
    return found;
}

const NO_CLI_HELP =
    "no Pulumi CLI: put one on PATH, or build it offline with `bash .ci/pulumi-engine.sh` " +
    "(a cold build takes about 14 minutes on 2 cores; then it is cached)";

/**
 * `describe` for suites that run the real Pulumi engine against a real Docker engine. Like
 * `describeDocker`: with `CI=true` (or `CRED_PROXY_E2E_REQUIRE_DOCKER=1`) a missing CLI or engine
 * fails the suite; otherwise it warns loudly and skips.
 */
export function describeEngine(name: string, fn: () => void): void {
    const missing: string[] = [];
    if (!engineAvailableSync()) missing.push("no Docker engine answered (run `bash .ci/docker-engine.sh`)");
    if (pulumiBinDir() === undefined) missing.push(NO_CLI_HELP);
    if (missing.length === 0) {
        describe(name, fn);
        return;
    }
    if (dockerRequired()) {
        describe(name, () => {
            it("needs the Pulumi CLI and a Docker engine (required because CI=true)", () => {
                throw new Error(`end-to-end suite "${name}" cannot run: ${missing.join("; ")}`);
            });
        });
        return;
    }
    const bar = "!".repeat(100);
    process.stderr.write(
        `\n${bar}\n!!! SKIPPING end-to-end suite "${name}": ${missing.join("; ")}\n!!! With CI=true this is a failure.\n${bar}\n\n`,
    );
    describe.skip(name, fn);
}

/**
 * A local file backend of the test's own, a random passphrase, and the CLI first on PATH. Every
 * command's output is kept in `printed`. `dispose()` removes the backend folder.
 */
export class PulumiWorkspace {
    readonly stateDir: string;
    readonly passphrase = randomBytes(12).toString("hex");
    /** Everything any command printed, stdout and stderr, in order. */
    readonly printed: string[] = [];

    constructor() {
        this.stateDir = mkdtempSync(path.join(os.tmpdir(), "cred-proxy-e2e-state-"));
    }

    get backendUrl(): string {
        return `file://${this.stateDir}`;
    }

    /** The environment a command runs with: the caller's `extra` (token variables) on top. */
    env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
        const bin = pulumiBinDir();
        if (bin === undefined) throw new Error(NO_CLI_HELP);
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
            PULUMI_BACKEND_URL: this.backendUrl,
            PULUMI_CONFIG_PASSPHRASE: this.passphrase,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            // Jest's own variables would change what the program under test does.
            NODE_OPTIONS: "",
            JEST_WORKER_ID: undefined,
            ...extra,
        };
        for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
        return env;
    }

    /** Runs a command, collecting its output; resolves whatever its exit status. */
    async run(
        command: string,
        args: string[],
        opts: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
    ): Promise<CommandResult> {
        const result = await runCommand(command, args, { ...opts, env: this.env(opts.env), timeoutMs: opts.timeoutMs ?? 300_000 });
        this.printed.push(result.stdout, result.stderr);
        return result;
    }

    /** `pulumi <args>` in `cwd` (default: this project). */
    pulumi(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}) {
        return this.run("pulumi", args, opts);
    }

    /** `npm run bottle -- <args>` of this project, as a user types it. */
    bottle(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}) {
        return this.run("npm", ["run", "-s", "bottle", "--", ...args], opts);
    }

    dispose(): void {
        rmSync(this.stateDir, { recursive: true, force: true });
    }
}
