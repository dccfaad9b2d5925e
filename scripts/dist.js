#!/usr/bin/env node
// The one answer to "is dist/ the build of these sources?", and the build itself. Plain
// JavaScript: `npm run plan` asks it before anything is compiled.
//
//   node scripts/dist.js build   what `npm run build` runs: drop orphaned outputs, then tsc
//   node scripts/dist.js check   exit 1, naming the files, when dist/ is stale or has orphans
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

/** What `tsc -p tsconfig.build.json` compiles (its `include`), and what else changes its output. */
const SOURCE_DIRS = ["components", "cli", "sidecar"];
const CONFIGS = ["tsconfig.json", "tsconfig.build.json"];

/** Every file under `root/dir` whose name passes `keep`, relative to `root`. */
function walk(root, dir, keep) {
    const out = [];
    const visit = (rel) => {
        for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const child = path.join(rel, entry.name);
            if (entry.isDirectory()) visit(child);
            else if (keep(entry.name)) out.push(child);
        }
    };
    if (fs.existsSync(path.join(root, dir))) visit(dir);
    return out;
}

const isSource = (name) => name.endsWith(".ts") && !name.endsWith(".d.ts");

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
        for (const rel of walk(root, dir, isSource)) {
            const js = path.join(root, "dist", rel.replace(/\.ts$/, ".js"));
            const built = fs.existsSync(js) ? fs.statSync(js).mtimeMs : -Infinity;
            if ([fs.statSync(path.join(root, rel)).mtimeMs, ...configTimes].some((t) => t > built)) stale.push(rel);
        }
    }
    return stale;
}

/**
 * Outputs under dist/ whose source is gone (moved or deleted): tsc never removes them, and code
 * that still requires one would pass locally and fail on a fresh clone. Paths relative to `root`.
 */
function orphanOutputs(root, dirs = SOURCE_DIRS) {
    const outputs = /\.(js|js\.map|d\.ts)$/;
    return dirs.flatMap((dir) =>
        walk(root, path.join("dist", dir), (name) => outputs.test(name)).filter((rel) => {
            const source = path.relative("dist", rel).replace(outputs, ".ts");
            return !fs.existsSync(path.join(root, source));
        }),
    );
}

/** Why dist/ is not the build of the sources (stale or orphaned files), or an empty list. */
function distProblems(root, dirs = SOURCE_DIRS) {
    return [
        ...staleSources(root, dirs).map((f) => `${f} changed since the last build`),
        ...orphanOutputs(root, dirs).map((f) => `${f} has no source`),
    ];
}

/** Removes the orphaned outputs, then compiles; true when tsc succeeded. */
function build(root, stdio = "inherit") {
    for (const rel of orphanOutputs(root)) fs.rmSync(path.join(root, rel));
    const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
    return spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio }).status === 0;
}

/**
 * Builds when dist/ is not the build of the sources, saying why first on stderr as `label`; false
 * (after saying so) when the build fails. The compiler's output goes to stderr too: stdout
 * belongs to the command that asked (`--json`).
 */
function ensureBuilt(root, label) {
    const problems = distProblems(root);
    if (problems.length === 0) return true;
    const what = problems.length === 1 ? problems[0] : `${problems[0]} (and ${problems.length - 1} more)`;
    process.stderr.write(`${label}: ${what}: running npm run build\n`);
    if (build(root, ["ignore", 2, 2])) return true;
    process.stderr.write(`${label}: the build failed; fix the errors above, then run this again\n`);
    return false;
}

function main() {
    const root = path.resolve(__dirname, "..");
    const [command] = process.argv.slice(2);
    if (command === "build") {
        process.exitCode = build(root) ? 0 : 1;
    } else if (command === "check") {
        const problems = distProblems(root);
        for (const p of problems) process.stderr.write(`dist.js: ${p}\n`);
        process.exitCode = problems.length === 0 ? 0 : 1;
    } else {
        process.stderr.write(`dist.js: unknown command ${JSON.stringify(command ?? "")}; one of: build, check\n`);
        process.exitCode = 2;
    }
}

if (require.main === module) main();

module.exports = { SOURCE_DIRS, staleSources, orphanOutputs, distProblems, build, ensureBuilt };
