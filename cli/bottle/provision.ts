import { spawnSync, type SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_IMAGE } from "../defaults";
import { CliError, type CommandIO } from "../errors";
import { findPulumiCli } from "./prerequisites";

type Env = Readonly<Record<string, string | undefined>>;

/** The engine script of a clone: builds the Pulumi CLI offline from Go modules (engine/README.md). */
export const ENGINE_SCRIPT = ".ci/pulumi-engine.sh";
/** The label on a proxy image this command built, so it is told apart from one a user built. */
export const BUILT_BY_LABEL = "cred-proxy.built-by=cred-proxy-bottle";

function seconds(since: number): string {
    return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/**
 * A Pulumi CLI for a clone without one: when none is on PATH (or in ~/.pulumi/bin) and the clone
 * has the engine script, run it and put the folder it prints first on PATH. Returns the
 * environment to go on with (unchanged when a CLI was found).
 */
export function provideEngine(env: Env, projectDir: string, io: CommandIO): Env {
    if (findPulumiCli(env) !== undefined) {
        return env;
    }
    const script = path.join(projectDir, ENGINE_SCRIPT);
    if (!fs.existsSync(script)) {
        return env; // the missing CLI is reported with the install hint
    }
    io.err(
        `No Pulumi CLI found: providing one with ${ENGINE_SCRIPT} (reused from its cache when built before; a cold build from Go modules takes about 14 minutes on 2 cores)\n`,
    );
    const started = Date.now();
    const r = spawnSync("bash", [script], { cwd: projectDir, env: { ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const dir = r.stdout?.trim().split("\n").pop();
    if (r.status !== 0 || dir === undefined || !fs.existsSync(path.join(dir, "pulumi"))) {
        throw new CliError(`${ENGINE_SCRIPT} could not provide the Pulumi CLI (see its messages above); or install the CLI normally`);
    }
    io.err(`Pulumi CLI ready in ${seconds(started)}: ${dir}\n`);
    return { ...env, PATH: `${dir}${path.delimiter}${env.PATH ?? ""}` };
}

function docker(args: string[], env: Env, opts: { cwd?: string; inherit?: boolean } = {}): SpawnSyncReturns<string> {
    return spawnSync("docker", args, {
        cwd: opts.cwd,
        env: { ...env, DOCKER_BUILDKIT: "0" },
        encoding: "utf8",
        stdio: ["ignore", "pipe", opts.inherit ? "inherit" : "pipe"],
    });
}

/**
 * The default proxy image (`cred-proxy:latest`) on the local Docker engine, built from this clone
 * when it is missing: sidecar/Dockerfile over a Node.js base made from this machine's own `node`
 * (sidecar/build-offline-base.sh), so no registry is needed. An image named with --image or in
 * the stack's config is the user's business and is never built here.
 */
export function provideImage(image: string, env: Env, projectDir: string, io: CommandIO): void {
    if (image !== DEFAULT_IMAGE) {
        return;
    }
    const info = docker(["info", "--format", "{{.ServerVersion}}"], env);
    if (info.error !== undefined || info.status !== 0) {
        throw new CliError(
            "no Docker engine answers `docker info`: start one (on Debian or Ubuntu, `bash .ci/docker-engine.sh` installs and starts it), or set DOCKER_HOST",
        );
    }
    if (docker(["image", "inspect", DEFAULT_IMAGE], env).status === 0) {
        io.err(`Proxy image: ${DEFAULT_IMAGE} (found on the Docker engine)\n`);
        return;
    }
    const started = Date.now();
    io.err(`Proxy image ${DEFAULT_IMAGE} is missing: building it from sidecar/Dockerfile over a local Node.js base\n`);
    if (!fs.existsSync(path.join(projectDir, "dist", "sidecar", "main.js"))) {
        const build = spawnSync("npm", ["run", "build"], { cwd: projectDir, env: { ...env }, stdio: ["ignore", "inherit", "inherit"] });
        if (build.status !== 0) {
            throw new CliError("`npm run build` failed (see above): the image needs the compiled server in dist/sidecar");
        }
    }
    const base = spawnSync("bash", [path.join(projectDir, "sidecar", "build-offline-base.sh")], {
        cwd: projectDir,
        env: { ...env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    const baseImage = base.stdout?.trim().split("\n").pop();
    if (base.status !== 0 || !baseImage) {
        throw new CliError("sidecar/build-offline-base.sh could not make the base image (see above)");
    }
    const built = docker(
        [
            "build",
            "-q",
            "--label",
            BUILT_BY_LABEL,
            "--build-arg",
            `BASE_IMAGE=${baseImage}`,
            "-f",
            "sidecar/Dockerfile",
            "-t",
            DEFAULT_IMAGE,
            ".",
        ],
        env,
        { cwd: projectDir, inherit: true },
    );
    if (built.status !== 0) {
        throw new CliError(`docker build of ${DEFAULT_IMAGE} failed (see above)`);
    }
    io.err(`Proxy image ${DEFAULT_IMAGE} built in ${seconds(started)} (base ${baseImage})\n`);
}

/** A placeholder in place of a token: accepted as a header value, refused by every real service. */
export function placeholderToken(tokenRef: string): string {
    return `cred-proxy-placeholder-for-${tokenRef}`;
}

/** Said loudly: the bottle runs, but nothing it sends will be accepted upstream. */
export function placeholderWarning(refs: ReadonlyArray<string>): string {
    const bar = "!".repeat(78);
    return (
        `${bar}\n` +
        `!!! PLACEHOLDER TOKENS for ${refs.join(", ")}: not set in the environment nor as\n` +
        "!!! `tokens.<TokenRef>` config secrets, so the proxy injects a placeholder that every real\n" +
        "!!! service refuses (401). Set them and run `up` again for a working bottle.\n" +
        `${bar}\n`
    );
}
