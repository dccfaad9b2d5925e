import * as fs from "fs";
import * as path from "path";
import type { ValidatedManifest } from "../../components/manifest/schema";
import { resolveCredProxyTokenValues, TokenResolutionError } from "../../components/routes/resolveTokens";
import { credProxyRoutes } from "../../components/routes/table";
import { credProxyTokenEnvMap } from "../../components/routes/tokenEnvMap";
import { tokenSlotIndex } from "../../sidecar/contract";

type Env = Readonly<Record<string, string | undefined>>;

/** Where the Pulumi CLI was found. */
export interface PulumiCli {
    command: string;
    /** The installation root when the CLI is `<root>/bin/pulumi`, for the Automation API's `PulumiCommand.get`. */
    root?: string;
}

export const INSTALL_HINT =
    "install it with `curl -fsSL https://get.pulumi.com | sh` (or see https://www.pulumi.com/docs/iac/download-install/), " +
    "open a new shell, and run this again (offline, from a clone: `bash .ci/pulumi-engine.sh` builds one from Go modules); `npm run plan` needs no CLI";

/** An executable named `name` in one of PATH's folders (PATHEXT's extensions on Windows). */
export function findOnPath(name: string, env: Env, platform: NodeJS.Platform = process.platform): string | undefined {
    const dirs = (env.PATH ?? env.Path ?? "").split(path.delimiter).filter((d) => d !== "");
    const extensions = platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter((e) => e !== "") : [""];
    for (const dir of dirs) {
        for (const ext of extensions) {
            const candidate = path.join(dir, `${name}${ext}`);
            if (isExecutableFile(candidate, platform)) {
                return candidate;
            }
        }
    }
    return undefined;
}

function isExecutableFile(file: string, platform: NodeJS.Platform): boolean {
    try {
        if (!fs.statSync(file).isFile()) {
            return false;
        }
        if (platform !== "win32") {
            fs.accessSync(file, fs.constants.X_OK);
        }
        return true;
    } catch {
        return false;
    }
}

/**
 * The Pulumi CLI: `pulumi` on PATH, else the installer's default place (`$PULUMI_HOME/bin`, by
 * default `~/.pulumi/bin`), which a shell opened before installing does not have on PATH yet.
 */
export function findPulumiCli(env: Env, platform: NodeJS.Platform = process.platform): PulumiCli | undefined {
    const onPath = findOnPath("pulumi", env, platform);
    if (onPath !== undefined) {
        // `<root>/bin/pulumi` is passed to the Automation API as a root, so it runs this very binary.
        const dir = path.dirname(onPath);
        return path.basename(dir) === "bin" ? { command: onPath, root: path.dirname(dir) } : { command: onPath };
    }
    const home = env.PULUMI_HOME ?? (env.HOME ? path.join(env.HOME, ".pulumi") : undefined);
    if (home !== undefined) {
        const installed = path.join(home, "bin", platform === "win32" ? "pulumi.exe" : "pulumi");
        if (isExecutableFile(installed, platform)) {
            return { command: installed, root: home };
        }
    }
    return undefined;
}

export function missingCliProblem(): string {
    return `the Pulumi CLI is not installed (no \`pulumi\` on PATH or in ~/.pulumi/bin): ${INSTALL_HINT}`;
}

/** The backend: PULUMI_BACKEND_URL when set, else a file backend inside the project. */
export interface Backend {
    url: string;
    /** The folder of the default file backend, created before first use (Pulumi requires it to exist). */
    localDir?: string;
}

/** Folder of the default file backend, inside the project (git-ignored). */
export const DEFAULT_STATE_DIR = ".pulumi-state";

export function backendFor(env: Env, projectDir: string): Backend {
    const configured = env.PULUMI_BACKEND_URL;
    if (configured !== undefined && configured !== "") {
        return { url: configured };
    }
    const localDir = path.join(projectDir, DEFAULT_STATE_DIR);
    return {
        url: `file://${localDir
            .split(path.sep)
            .join("/")
            .replace(/^([A-Za-z]:)/, "/$1")}`,
        localDir,
    };
}

/**
 * Why the stack's secrets cannot be encrypted, or undefined. Self-managed backends (file, s3,
 * gs, azblob) encrypt with a passphrase unless the stack names another secrets provider; Pulumi
 * Cloud (an http(s) backend) needs none.
 */
export function passphraseProblem(env: Env, backendUrl: string, secretsProvider: string | undefined): string | undefined {
    if (/^https?:\/\//i.test(backendUrl)) {
        return undefined;
    }
    if (secretsProvider !== undefined && secretsProvider !== "" && !secretsProvider.startsWith("passphrase")) {
        return undefined;
    }
    if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
        return undefined;
    }
    const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    if (file !== undefined && file !== "") {
        return fs.existsSync(file)
            ? undefined
            : "PULUMI_CONFIG_PASSPHRASE_FILE names a file that does not exist; point it at the file holding the stack's passphrase";
    }
    return (
        "PULUMI_CONFIG_PASSPHRASE is not set (nor PULUMI_CONFIG_PASSPHRASE_FILE, a file holding it): " +
        `the passphrase encrypts this stack's secrets in ${backendUrl}; export it (the same one every time)`
    );
}

/**
 * One problem per token the program will not find: a TokenRef that is neither set in the
 * environment nor stored as a `tokens.<TokenRef>` secret in the stack's config, or whose value
 * cannot be sent as a header. The same resolution the component runs, told how this command's
 * user sets a token (`unsetHint` is added to that advice). Names variables, never values.
 */
export function tokenProblems(
    manifest: ValidatedManifest,
    env: Env,
    configTokenRefs: ReadonlySet<string>,
    stackName: string,
    unsetHint = "",
): string[] {
    // The program takes a stored config secret over the environment; only the others are read here.
    const fromEnv = Object.fromEntries(
        Object.entries(credProxyTokenEnvMap(credProxyRoutes(manifest))).filter(([, ref]) => !configTokenRefs.has(ref)),
    );
    const whenUnset = (ref: string) =>
        `export it, or store it in the stack with \`pulumi config set --secret --path 'tokens.${ref}' --stack ${stackName}\`, or remove the token entry${unsetHint}`;
    try {
        resolveCredProxyTokenValues(fromEnv, env, { whenUnset });
        return [];
    } catch (err) {
        if (!(err instanceof TokenResolutionError)) {
            throw err;
        }
        const named = new Set<string>();
        return err.problems.flatMap((p) => {
            if (named.has(p.tokenRef)) {
                return [];
            }
            named.add(p.tokenRef);
            const i = tokenSlotIndex(p.slot);
            return [`${p.tokenRef} (tokens[${i}], ${manifest.tokens[i].Kind}) ${p.message}`];
        });
    }
}
