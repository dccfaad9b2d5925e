/**
 * Images for the end-to-end suite, all built offline and cached by content:
 *
 * - the offline Node.js base (`sidecar/build-offline-base.sh`),
 * - the tools image with node + git for agent and fake-upstream containers
 *   (`test/e2e/build-tools-image.sh`),
 * - the sidecar image: `sidecar/Dockerfile` built on the offline base with
 *   `--build-arg BASE_IMAGE=<base>`, tagged by a hash of what goes into it, so a repeated run
 *   with nothing changed skips the build.
 *
 * Builds go through the docker CLI (the engine's classic builder: no BuildKit here, so a
 * Dockerfile must not use BuildKit-only syntax such as `COPY --chmod`).
 */
import { ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { runChecked } from "../../helpers/commands";
import { ensureDistBuilt } from "../../helpers/dist";

const execFileAsync = promisify(execFile);

/** Root of the repository (this file is test/e2e/helpers/images.ts). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** Label on every image this module builds. */
export const E2E_IMAGE_LABEL = "cred-proxy.e2e.image";

/** The last non-empty line of a script's stdout: the image scripts print the reference there. */
function lastLine(stdout: string): string {
    const lines = stdout
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "");
    const ref = lines[lines.length - 1];
    if (!ref || !/^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9._-]+$/.test(ref)) {
        throw new Error(`expected an image reference as the last line of output, got: ${JSON.stringify(ref)}`);
    }
    return ref;
}

const memo = new Map<string, Promise<string>>();
function once(key: string, make: () => Promise<string>): Promise<string> {
    let p = memo.get(key);
    if (!p) {
        p = make();
        // A failure must not stick: the next caller retries.
        p.catch(() => memo.delete(key));
        memo.set(key, p);
    }
    return p;
}

/** Build (or reuse) the offline Node.js base image; resolves to `cred-proxy-node-base:<hash12>`. */
export function buildOfflineBaseImage(): Promise<string> {
    return once("base", async () =>
        lastLine((await runChecked("bash", [path.join(REPO_ROOT, "sidecar", "build-offline-base.sh")], { timeoutMs: 0 })).stdout),
    );
}

/** Build (or reuse) the tools image (node + git); resolves to `cred-proxy-e2e-tools:<hash12>`. */
export function buildToolsImage(): Promise<string> {
    return once("tools", async () =>
        lastLine((await runChecked("bash", [path.join(REPO_ROOT, "test", "e2e", "build-tools-image.sh")], { timeoutMs: 0 })).stdout),
    );
}

/** Does the engine have this image? */
export async function imageExists(ref: string): Promise<boolean> {
    try {
        await execFileAsync("docker", ["image", "inspect", ref]);
        return true;
    } catch {
        return false;
    }
}

/** Add a file or a whole folder (sorted, recursively; symlinks by target) to a hash. */
function hashPath(hash: ReturnType<typeof createHash>, abs: string, rel: string): void {
    if (!existsSync(abs)) {
        hash.update(`missing ${rel}\n`);
        return;
    }
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) {
        hash.update(`link ${rel} -> ${readlinkSync(abs)}\n`);
    } else if (st.isDirectory()) {
        hash.update(`dir ${rel}\n`);
        for (const entry of readdirSync(abs).sort()) {
            hashPath(hash, path.join(abs, entry), `${rel}/${entry}`);
        }
    } else if (st.isFile()) {
        hash.update(`file ${rel} ${(st.mode & 0o777).toString(8)} ${st.size}\n`);
        hash.update(readFileSync(abs));
        hash.update("\n");
    }
}

/**
 * The sources a Dockerfile's COPY/ADD instructions take from the build context (not those
 * `--from` another stage or image). A glob contributes the folder before its first wildcard.
 */
export function dockerfileContextSources(dockerfileText: string): string[] {
    const sources = new Set<string>();
    // Join continuation lines, drop comments.
    const logical = dockerfileText
        .replace(/\\\r?\n/g, " ")
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
    for (const line of logical) {
        const m = /^(COPY|ADD)\s+(.*)$/i.exec(line);
        if (!m) continue;
        let rest = m[2].trim();
        const flags: string[] = [];
        while (rest.startsWith("--")) {
            const sp = rest.search(/\s/);
            flags.push(sp === -1 ? rest : rest.slice(0, sp));
            rest = sp === -1 ? "" : rest.slice(sp).trim();
        }
        if (flags.some((f) => f.startsWith("--from"))) continue;
        let parts: string[];
        if (rest.startsWith("[")) {
            parts = JSON.parse(rest) as string[];
        } else {
            parts = rest.split(/\s+/);
        }
        for (const src of parts.slice(0, -1)) {
            if (/^[a-z]+:\/\//i.test(src)) continue; // ADD <url>: nothing local to hash
            const wildcard = src.search(/[*?[]/);
            const base = wildcard === -1 ? src : src.slice(0, wildcard).replace(/[^/]*$/, "");
            sources.add(
                path.posix
                    .normalize(base === "" ? "." : base)
                    .replace(/^\/+/, "")
                    .replace(/\/+$/, "") || ".",
            );
        }
    }
    return [...sources].sort();
}

export interface DockerfileBuild {
    /** Repository name of the result; the tag is the content hash. */
    repository: string;
    /** Path of the Dockerfile. */
    dockerfile: string;
    /** Build context folder. */
    context: string;
    buildArgs?: Record<string, string>;
    /** More paths (relative to the context) whose content must invalidate the cache. */
    extraHashPaths?: string[];
}

/** The content-hash tag a build would get (Dockerfile, build args, the context files it uses). */
export function dockerfileBuildRef(b: DockerfileBuild): string {
    const hash = createHash("sha256");
    const dockerfileText = readFileSync(b.dockerfile, "utf8");
    hash.update(`dockerfile\n${dockerfileText}\n`);
    for (const [k, v] of Object.entries(b.buildArgs ?? {}).sort(([a], [c]) => a.localeCompare(c))) {
        hash.update(`arg ${k}=${v}\n`);
    }
    const ignore = path.join(b.context, ".dockerignore");
    if (existsSync(ignore)) hash.update(`dockerignore\n${readFileSync(ignore, "utf8")}\n`);
    const paths = new Set([...dockerfileContextSources(dockerfileText), ...(b.extraHashPaths ?? [])]);
    for (const rel of [...paths].sort()) {
        hashPath(hash, path.resolve(b.context, rel), rel);
    }
    return `${b.repository}:${hash.digest("hex").slice(0, 12)}`;
}

/**
 * Build a Dockerfile with the docker CLI unless the content-hash tag already exists.
 * Resolves to the image reference.
 *
 * By default only what the Dockerfile copies is sent as the build context (the Dockerfile, the
 * `.dockerignore`, and the COPY/ADD sources found by `dockerfileContextSources`), as a tar on
 * stdin: sending a whole repository root (node_modules, .git) to the classic builder takes tens of
 * seconds. A source the parser missed makes the build fail loudly ("COPY failed: ... no such
 * file"), never silently differ. `fullContext: true` sends the folder as it is.
 */
export async function buildDockerfileImage(b: DockerfileBuild & { fullContext?: boolean }): Promise<string> {
    const ref = dockerfileBuildRef(b);
    if (await imageExists(ref)) return ref;
    const dockerfileRel = path.relative(b.context, b.dockerfile);
    const inside = !dockerfileRel.startsWith("..") && !path.isAbsolute(dockerfileRel);
    const args = ["build", "--tag", ref, "--label", `${E2E_IMAGE_LABEL}=1`];
    for (const [k, v] of Object.entries(b.buildArgs ?? {})) args.push("--build-arg", `${k}=${v}`);
    // DOCKER_BUILDKIT=0: the classic builder, which needs no buildx plugin and no registry.
    const env = { ...process.env, DOCKER_BUILDKIT: "0" };
    if (b.fullContext || !inside) {
        await runChecked("docker", [...args, "--file", b.dockerfile, b.context], { cwd: b.context, env, timeoutMs: 0 });
        return ref;
    }
    const sources = dockerfileContextSources(readFileSync(b.dockerfile, "utf8"));
    const members = [dockerfileRel, ...sources].filter((rel) => existsSync(path.join(b.context, rel)));
    if (existsSync(path.join(b.context, ".dockerignore"))) members.push(".dockerignore");
    const tar = spawn("tar", ["-C", b.context, "-cf", "-", "--", ...new Set(members)], {
        stdio: ["ignore", "pipe", "pipe"],
    });
    const build = spawn("docker", [...args, "--file", dockerfileRel, "-"], {
        cwd: b.context,
        env,
        stdio: ["pipe", "pipe", "pipe"],
    });
    const logs: string[] = [];
    tar.stderr.on("data", (c: Buffer) => logs.push(`tar: ${c.toString("utf8")}`));
    build.stdout.on("data", (c: Buffer) => logs.push(c.toString("utf8")));
    build.stderr.on("data", (c: Buffer) => logs.push(c.toString("utf8")));
    build.stdin.on("error", () => undefined); // docker exiting early: reported by its exit code
    tar.stdout.pipe(build.stdin);
    const exit = (child: ChildProcess) =>
        new Promise<number | null>((resolve, reject) => {
            child.on("error", reject);
            child.on("close", (code) => resolve(code));
        });
    const [tarCode, buildCode] = await Promise.all([exit(tar), exit(build)]);
    if (tarCode !== 0 || buildCode !== 0) {
        throw new Error(
            `docker build of ${b.dockerfile} failed (docker exit ${buildCode}, tar exit ${tarCode})\n` + logs.join("").slice(-6000),
        );
    }
    return ref;
}

export interface SidecarImageOptions {
    /**
     * Run `npm run build` first: by default only when dist/sidecar is not the build of its sources
     * (see test/helpers/dist.ts); true always builds; CRED_PROXY_E2E_SKIP_NPM_BUILD=1 never builds.
     */
    npmBuild?: boolean;
    /** Dockerfile to build (default sidecar/Dockerfile). */
    dockerfile?: string;
    /** Repository name (default cred-proxy-sidecar-e2e). */
    repository?: string;
}

/**
 * The sidecar image as the suite runs it: `npm run build` (dist/) unless it is up to date, the
 * offline base, then `sidecar/Dockerfile` with context = repository root and `BASE_IMAGE` = the
 * offline base.
 * Tagged by a hash of the Dockerfile, the base reference, dist/sidecar, package files and every
 * context path the Dockerfile copies.
 */
export function buildSidecarImage(opts: SidecarImageOptions = {}): Promise<string> {
    const dockerfile = opts.dockerfile ?? path.join(REPO_ROOT, "sidecar", "Dockerfile");
    return once(`sidecar:${dockerfile}`, async () => {
        if (!existsSync(dockerfile)) throw new Error(`no Dockerfile at ${dockerfile}`);
        if (opts.npmBuild ?? process.env.CRED_PROXY_E2E_SKIP_NPM_BUILD !== "1") {
            await ensureDistBuilt({ force: opts.npmBuild === true, dirs: ["sidecar"] });
        }
        if (!existsSync(path.join(REPO_ROOT, "dist", "sidecar"))) {
            throw new Error("dist/sidecar is missing: run `npm run build` first");
        }
        const base = await buildOfflineBaseImage();
        return buildDockerfileImage({
            repository: opts.repository ?? "cred-proxy-sidecar-e2e",
            dockerfile,
            context: REPO_ROOT,
            buildArgs: { BASE_IMAGE: base },
            extraHashPaths: ["dist/sidecar", "package.json", "package-lock.json"],
        });
    });
}
