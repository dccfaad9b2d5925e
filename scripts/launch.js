#!/usr/bin/env node
// Runs a command-line tool of a source checkout through its compiled code (`npm run plan`,
// `npm run plan:update`, `npm run bottle`): `node dist/...` starts in half the time ts-node
// needs. Plain JavaScript because it must run before anything is compiled. When dist/ is missing
// or older than any source tsconfig.build.json compiles, it runs that build first (`npm run
// build`), so a command never runs code older than the checkout.
//
//   node scripts/launch.js <plan|bottle> [args...]
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const ENTRIES = { plan: "cred-proxy-plan", bottle: "cred-proxy-bottle" };
/** What `tsc -p tsconfig.build.json` compiles (its `include`), and what else changes its output. */
const SOURCE_DIRS = ["components", "cli", "sidecar"];
const CONFIGS = ["tsconfig.json", "tsconfig.build.json"];

/** Every `.ts` file (not `.d.ts`) under `dir`, relative to `root`. */
function sources(root, dir) {
    const out = [];
    const walk = (rel) => {
        for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const child = path.join(rel, entry.name);
            if (entry.isDirectory()) walk(child);
            else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(child);
        }
    };
    if (fs.existsSync(path.join(root, dir))) walk(dir);
    return out;
}

/**
 * The sources whose compiled file under dist/ is missing, or older than the source or than a
 * tsconfig file. Empty when the build is up to date.
 */
function staleSources(root, dirs = SOURCE_DIRS) {
    const configTimes = CONFIGS.map((f) => path.join(root, f))
        .filter((f) => fs.existsSync(f))
        .map((f) => fs.statSync(f).mtimeMs);
    const stale = [];
    for (const dir of dirs) {
        for (const rel of sources(root, dir)) {
            const js = path.join(root, "dist", rel.replace(/\.ts$/, ".js"));
            const built = fs.existsSync(js) ? fs.statSync(js).mtimeMs : -Infinity;
            if ([fs.statSync(path.join(root, rel)).mtimeMs, ...configTimes].some((t) => t > built)) stale.push(rel);
        }
    }
    return stale;
}

/** Builds when stale; false (after saying why on stderr) when the build fails. */
function ensureBuilt(root, bin) {
    const stale = staleSources(root);
    if (stale.length === 0) return true;
    const what = stale.length === 1 ? stale[0] : `${stale[0]} and ${stale.length - 1} more`;
    process.stderr.write(`${bin}: ${what} changed since the last build: running npm run build\n`);
    const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
    // The compiler's own output goes to stderr: stdout belongs to the command (--json).
    const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], {
        cwd: root,
        stdio: ["ignore", 2, 2],
    });
    if (result.status === 0) return true;
    process.stderr.write(`${bin}: the build failed; fix the errors above, then run this again\n`);
    return false;
}

function main() {
    const [name, ...args] = process.argv.slice(2);
    const bin = ENTRIES[name];
    if (!bin) {
        process.stderr.write(`launch.js: unknown command ${JSON.stringify(name ?? "")}; one of: ${Object.keys(ENTRIES).join(", ")}\n`);
        process.exitCode = 2;
        return;
    }
    if (!ensureBuilt(ROOT, bin)) {
        process.exitCode = 1;
        return;
    }
    // The entry reads its arguments from process.argv, as when it runs as the bin.
    process.argv = [process.argv[0], path.join(ROOT, "dist", "cli", name, "main.js"), ...args];
    require(process.argv[1]);
}

if (require.main === module) main();

module.exports = { staleSources };
