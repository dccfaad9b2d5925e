/**
 * Compiles sidecar/*.ts to plain JavaScript once per content version, for tests that run the
 * server as a child process. Type-free transpiling keeps it fast (type checking is `tsc`'s job)
 * and the output, like the image's /app, runs with its own directory and the runtime packages
 * beside it in node_modules/ (linked to the project's).
 */
import { createHash } from "crypto";
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync } from "fs";
import { tmpdir } from "os";
import { join, resolve } from "path";
import ts from "typescript";
import { RUNTIME_PACKAGES } from "../../../sidecar/contract";

export const SIDECAR_DIR = resolve(__dirname, "../../../sidecar");

export function sidecarSources(): string[] {
    return readdirSync(SIDECAR_DIR)
        .filter((f) => f.endsWith(".ts"))
        .sort();
}

/** Returns the path of the compiled main.js. */
export function buildSidecar(): string {
    const files = sidecarSources();
    const hash = createHash("sha256");
    for (const f of files) hash.update(f).update(readFileSync(join(SIDECAR_DIR, f)));
    const outDir = join(tmpdir(), `cred-proxy-sidecar-${hash.digest("hex").slice(0, 16)}`);
    const main = join(outDir, "main.js");
    if (existsSync(main)) return main;
    // Build aside and rename: parallel jest workers may race to build the same version.
    const staging = `${outDir}.${process.pid}.${Date.now()}`;
    mkdirSync(staging, { recursive: true });
    for (const f of files) {
        const out = ts.transpileModule(readFileSync(join(SIDECAR_DIR, f), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
            fileName: f,
        });
        writeFileSync(join(staging, f.replace(/\.ts$/, ".js")), out.outputText);
    }
    mkdirSync(join(staging, "node_modules"));
    for (const name of RUNTIME_PACKAGES) {
        symlinkSync(resolve(SIDECAR_DIR, "..", "node_modules", name), join(staging, "node_modules", name), "dir");
    }
    try {
        renameSync(staging, outDir);
    } catch {
        rmSync(staging, { recursive: true, force: true });
    }
    return main;
}
