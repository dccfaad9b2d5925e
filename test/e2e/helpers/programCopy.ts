/**
 * Running the examples (`examples/consumer`, `examples/python`) under the real Pulumi CLI: each
 * runs from a temporary copy of its folder, so no stack config file, `node_modules`, virtualenv or
 * generated SDK is ever written into the repository, and under a bottle name of the test's own, so
 * concurrent runs never share a container or network name.
 */
import { createHash, randomBytes } from "node:crypto";
import {
    appendFileSync,
    chmodSync,
    copyFileSync,
    cpSync,
    existsSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    renameSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { docker } from "./engine";
import { buildDockerfileImage, buildToolsImage, REPO_ROOT } from "./images";
import { pulumiBinDir } from "./pulumiCli";
import { mustSucceed, runChecked, type CommandResult } from "../../helpers/commands";
import { requireBuiltDist } from "../../helpers/dist";

/** A slug no other run uses: `e2e-<hex>-<what>`, also the prefix of every Docker name it gets. */
export function uniqueSlug(what: string): string {
    return `e2e-${randomBytes(4).toString("hex")}-${what}`;
}

/** What a user's checkout would not have, or what a run writes: never copied. */
const NOT_COPIED = new Set(["node_modules", "venv", "sdks", "bin", "__pycache__"]);

/**
 * Copies `examples/<name>` into a new temporary folder, without stack config files
 * (`Pulumi.<stack>.yaml`) or installed/generated folders, and renames its bottle (`name:` in
 * bottle.yaml, which both examples use as the slug) to `slug`.
 */
export function copyExample(name: string, slug: string): string {
    const source = path.join(REPO_ROOT, "examples", name);
    const dir = mkdtempSync(path.join(os.tmpdir(), `cred-proxy-example-${name}-`));
    for (const entry of readdirSync(source)) {
        if (NOT_COPIED.has(entry) || /^Pulumi\..+\.ya?ml$/.test(entry)) continue;
        cpSync(path.join(source, entry), path.join(dir, entry), { recursive: true });
    }
    const bottle = path.join(dir, "bottle.yaml");
    const text = readFileSync(bottle, "utf8");
    if (!/^name: .*$/m.test(text)) throw new Error(`${bottle} has no top-level name: to rename`);
    writeFileSync(bottle, text.replace(/^name: .*$/m, `name: ${slug}`));
    return dir;
}

/**
 * Lays out `node_modules` as `npm install` would in the copy of a Node.js example: `cred-proxy`
 * (a `file:../..` dependency) links to this repository, whose `dist/` `npm run build` made, and
 * every other dependency to the repository's installed copy. Nothing is downloaded.
 */
export function linkNodeModules(dir: string): void {
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    const deps: Record<string, string> = { ...pkg.dependencies, ...pkg.devDependencies };
    for (const name of Object.keys(deps)) {
        const target = name === "cred-proxy" ? REPO_ROOT : path.join(REPO_ROOT, "node_modules", name);
        if (!existsSync(target)) throw new Error(`the example depends on ${name}, which this repository does not have installed`);
        const link = path.join(dir, "node_modules", name);
        mkdirSync(path.dirname(link), { recursive: true });
        symlinkSync(target, link, "dir");
    }
    requireBuiltDist();
}

/**
 * A folder holding `pulumi-resource-cred-proxy`, an executable that starts this repository as a
 * plugin exactly as a current Node.js language host's RunPlugin does: `node <@pulumi/pulumi's
 * cmd/run-plugin> <package folder> <engine address>` (plus any flags the engine passes).
 *
 * Why: `pulumi package add <folder>` and running a source-based package need RunPlugin, and the
 * Node.js language host built here (sdk v3.68.0, see engine/README.md) answers "not supported".
 * An executable plugin is started by the engine itself, so the same plugin code serves GetSchema
 * and Construct.
 */
export function writePluginShim(): string {
    const bin = mkdtempSync(path.join(os.tmpdir(), "cred-proxy-plugin-bin-"));
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [REPO_ROOT] });
    const shim = path.join(bin, "pulumi-resource-cred-proxy");
    const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    writeFileSync(shim, `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(runPlugin)} ${quote(REPO_ROOT)} "$@"\n`);
    chmodSync(shim, 0o755);
    return bin;
}

/** Tells the project in `dir` to load the resource plugin `name` from the folder `binDir`. */
export function useLocalProviderPlugin(dir: string, name: string, binDir: string): void {
    const project = path.join(dir, "Pulumi.yaml");
    if (/^plugins:/m.test(readFileSync(project, "utf8"))) throw new Error(`${project} already has plugins:`);
    appendFileSync(project, `plugins:\n  providers:\n    - name: ${name}\n      path: ${binDir}\n`);
}

function cacheRoot(): string {
    return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "cred-proxy-e2e");
}

const GENERATOR_SOURCE = path.join(__dirname, "programPythonSdkGen.go");

/**
 * The path of `pysdkgen` (programPythonSdkGen.go): Pulumi's Python SDK generator at the engine's
 * version. Built once per machine into `~/.cache/cred-proxy-e2e/pysdkgen-<hash>/`, where the hash
 * covers the source, engine/cli/go.mod and the Go version: about 3.5 minutes cold on 2 cores (the
 * codegen packages are not in the CLI's build cache), instant afterwards. Modules come from the
 * module cache the engine build filled (GOPROXY=off); go.sum from that build's copy of engine/cli.
 */
export async function pythonSdkGenerator(): Promise<string> {
    const goMod = readFileSync(path.join(REPO_ROOT, "engine", "cli", "go.mod"), "utf8");
    const source = readFileSync(GENERATOR_SOURCE, "utf8");
    const goVersion = (await runChecked("go", ["env", "GOVERSION"])).stdout.trim();
    const hash = createHash("sha256").update(`${goVersion}\n${goMod}\n${source}`).digest("hex").slice(0, 16);
    const binary = path.join(cacheRoot(), `pysdkgen-${hash}`, "pysdkgen");
    if (existsSync(binary)) return binary;

    const module = mkdtempSync(path.join(os.tmpdir(), "cred-proxy-pysdkgen-"));
    try {
        writeFileSync(path.join(module, "go.mod"), goMod.replace(/^module .*$/m, "module cred-proxy.local/e2e/pysdkgen"));
        copyFileSync(GENERATOR_SOURCE, path.join(module, "main.go"));
        // The engine build's go.sum (bin/ and src/cli/ are siblings in its cache entry).
        const bin = pulumiBinDir();
        const goSum = bin && path.join(path.dirname(bin), "src", "cli", "go.sum");
        const offline = goSum !== undefined && existsSync(goSum);
        if (offline) copyFileSync(goSum, path.join(module, "go.sum"));
        const env = { ...process.env, GOFLAGS: "-mod=mod -buildvcs=false", ...(offline ? { GOPROXY: "off" } : {}) };
        const out = path.join(module, "pysdkgen");
        await runChecked("go", ["build", "-o", out, "."], { cwd: module, env, timeoutMs: 900_000 });
        mkdirSync(path.dirname(binary), { recursive: true });
        // Rename into place: a concurrent build of the same hash produces the same file.
        const staged = `${binary}.${process.pid}`;
        copyFileSync(out, staged);
        chmodSync(staged, 0o755);
        renameSync(staged, binary);
        return binary;
    } finally {
        rmSync(module, { recursive: true, force: true });
    }
}

/**
 * A virtualenv in `dir/venv` (where the example's Pulumi.yaml `options.virtualenv` points) with
 * `requirements.txt` installed from PyPI through pip's cache. Returns the venv's `bin` folder:
 * put it first on PATH, because the Python language host built here ignores runtime options.
 */
export async function createVirtualenv(dir: string): Promise<string> {
    const python = process.env.PYTHON ?? "python3";
    await runChecked(python, ["-m", "venv", "venv"], { cwd: dir });
    const bin = path.join(dir, "venv", "bin");
    const env = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" };
    await runChecked(path.join(bin, "pip"), ["install", "--quiet", "-r", "requirements.txt"], { cwd: dir, env, timeoutMs: 600_000 });
    return bin;
}

/** Names of the containers and networks on the engine that start with `prefix`. */
export async function dockerNamesWithPrefix(prefix: string): Promise<{ containers: string[]; networks: string[] }> {
    const d = docker();
    const containers = (await d.listContainers({ all: true }))
        .flatMap((c) => c.Names.map((n) => n.replace(/^\//, "")))
        .filter((n) => n.startsWith(prefix));
    const networks = (await d.listNetworks()).map((n) => n.Name).filter((n) => n.startsWith(prefix));
    return { containers: containers.sort(), networks: networks.sort() };
}

/**
 * The fallback after `pulumi destroy`: force-removes every container, then every network, whose
 * name starts with `prefix` (a test's unique slug). Returns what it had to remove.
 */
export async function removeDockerNamesWithPrefix(prefix: string): Promise<string[]> {
    if (!prefix.startsWith("e2e-")) throw new Error(`refusing to remove by a prefix that is not a test slug: ${prefix}`);
    const d = docker();
    const { containers, networks } = await dockerNamesWithPrefix(prefix);
    for (const name of containers)
        await d
            .getContainer(name)
            .remove({ force: true, v: true })
            .catch(() => undefined);
    for (const name of networks)
        await d
            .getNetwork(name)
            .remove()
            .catch(() => undefined);
    return [...containers, ...networks];
}

/**
 * An agent image that stays up: the tools image (node, git, sh) whose command idles, since the
 * examples' agent container takes the image's own command and `mustRun` needs it running. Cached
 * by content like every suite image.
 */
export async function buildIdleAgentImage(): Promise<string> {
    const tools = await buildToolsImage();
    const context = mkdtempSync(path.join(os.tmpdir(), "cred-proxy-idle-agent-"));
    try {
        const dockerfile = path.join(context, "Dockerfile");
        writeFileSync(dockerfile, `FROM ${tools}\nCMD ["node", "-e", "setInterval(() => {}, 1 << 30)"]\n`);
        return await buildDockerfileImage({ repository: "cred-proxy-e2e-idle-agent", dockerfile, context });
    } finally {
        rmSync(context, { recursive: true, force: true });
    }
}

/** A resource as `pulumi stack export` writes it. */
export interface ExportedResource {
    urn: string;
    type: string;
    parent?: string;
    outputs?: Record<string, unknown>;
}

/** `pulumi <args>` in an example's copy; `input` goes to stdin (secrets never on a command line). */
export type ExamplePulumi = (args: string[], input?: string) => Promise<CommandResult>;

/**
 * The steps both examples share: a stack, its config (the GitHub token as a secret, on stdin),
 * `up`, then what it left: the outputs and the exported state. `created()` is called once the
 * stack exists, so the suite's teardown knows to destroy it.
 */
export async function deployExample(
    pulumi: ExamplePulumi,
    stack: string,
    config: { githubToken: string; proxyImage: string; agentImage: string },
    created: () => void,
): Promise<{ outputs: Record<string, unknown>; exported: string; resources: ExportedResource[] }> {
    mustSucceed("stack init", await pulumi(["stack", "init", stack]));
    created();
    mustSucceed("config set githubToken", await pulumi(["config", "set", "--secret", "githubToken"], config.githubToken));
    mustSucceed("config set proxyImage", await pulumi(["config", "set", "proxyImage", config.proxyImage]));
    mustSucceed("config set agentImage", await pulumi(["config", "set", "agentImage", config.agentImage]));
    mustSucceed("pulumi up", await pulumi(["up", "--yes", "--non-interactive"]));
    const outputs = JSON.parse(mustSucceed("stack output", await pulumi(["stack", "output", "--json"])).stdout);
    const exported = mustSucceed("stack export", await pulumi(["stack", "export"])).stdout;
    return { outputs, exported, resources: JSON.parse(exported).deployment.resources };
}

/** Destroys and removes an example's stack, if it was created. */
export async function destroyExample(pulumi: ExamplePulumi, stack: string, created: boolean): Promise<void> {
    if (created) {
        await pulumi(["destroy", "--yes", "--non-interactive"]);
        await pulumi(["stack", "rm", "--yes", "--force", stack]);
    }
}
