/**
 * `npm run build` for the sidecar image, only when it would change something, and never by two
 * processes at once (parallel jest workers would otherwise compile over each other's output
 * while another one hashes or copies it).
 */
import { createHash } from "node:crypto";
import { mkdirSync, rmdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Root of the repository (this file is test/e2e/helpers/distBuild.ts). */
const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript, no types
const { staleSources } = require("../../../scripts/launch.js") as {
    staleSources: (root: string, dirs?: string[]) => string[];
};

/**
 * True when every `sidecar/*.ts` has a compiled `dist/sidecar/*.js` newer than it and than the
 * tsconfig files: then `npm run build` would not change what the image copies. The same check
 * `npm run plan` makes before running the compiled code (scripts/launch.js).
 */
export function distSidecarUpToDate(root = REPO_ROOT): boolean {
    return staleSources(root, ["sidecar"]).length === 0;
}

/**
 * Run `fn` holding a lock shared by every process on this machine (a directory in the temp
 * folder, one per repository). A lock older than `staleMs` is taken over.
 */
export async function withMachineLock<T>(name: string, fn: () => Promise<T>, staleMs = 300_000): Promise<T> {
    const repoKey = createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 12);
    const lock = path.join(os.tmpdir(), `cred-proxy-e2e-${name}-${repoKey}.lock`);
    for (;;) {
        try {
            mkdirSync(lock);
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
            try {
                if (Date.now() - statSync(lock).mtimeMs > staleMs) rmdirSync(lock);
            } catch {
                // released meanwhile
            }
            await new Promise((r) => setTimeout(r, 200));
        }
    }
    try {
        return await fn();
    } finally {
        rmdirSync(lock);
    }
}

/** Run `build` under the machine lock, unless dist/sidecar is up to date (and `force` is not set). */
export async function ensureDistBuilt(opts: { force: boolean; build: () => Promise<unknown> }): Promise<void> {
    await withMachineLock("npm-build", async () => {
        if (opts.force || !distSidecarUpToDate()) await opts.build();
    });
}
