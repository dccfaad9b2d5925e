/**
 * dist/ as the tests see it, through scripts/dist.js (the one "is dist/ the build of these
 * sources" check, also used by `npm run plan` and `npm run build`): tests that run the built
 * package refuse a stale one, and the e2e image build compiles under a lock shared by every jest
 * worker on the machine (parallel workers would otherwise compile over each other's output while
 * another one hashes or copies it).
 */
import { createHash } from "node:crypto";
import { mkdirSync, rmdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Root of the repository (this file is test/helpers/dist.ts). */
const REPO_ROOT = path.resolve(__dirname, "..", "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript, no types
const dist = require("../../scripts/dist.js") as {
    distProblems: (root: string, dirs?: string[]) => string[];
    build: (root: string, stdio?: unknown) => boolean;
};

/**
 * Throws, naming the first problem, unless dist/ is the build of the sources (`dirs`, default all
 * that tsconfig.build.json compiles): a test of the built package must not pass on stale output,
 * nor on an output whose source is gone (`npx jest <file>` skips npm test's pretest build).
 */
export function requireBuiltDist(dirs?: string[]): void {
    const problems = dist.distProblems(REPO_ROOT, dirs);
    if (problems.length > 0) {
        const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
        throw new Error(`dist/ is not the build of the sources: ${problems[0]}${more}; run \`npm run build\` (npm test does it first)`);
    }
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

/** Builds dist/ under the machine lock, unless `dirs` are built already (and `force` is not set). */
export async function ensureDistBuilt(opts: { force: boolean; dirs?: string[] }): Promise<void> {
    await withMachineLock("npm-build", async () => {
        if (opts.force || dist.distProblems(REPO_ROOT, opts.dirs).length > 0) {
            if (!dist.build(REPO_ROOT, ["ignore", "ignore", "inherit"]))
                throw new Error("npm run build failed (the compiler's errors are above)");
        }
    });
}
