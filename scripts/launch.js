#!/usr/bin/env node
// Runs a command-line tool of a source checkout through its compiled code (`npm run plan`,
// `npm run plan:update`, `npm run bottle`): `node dist/...` starts in half the time ts-node
// needs. Plain JavaScript because it must run before anything is compiled. When dist/ is not the
// build of the checkout (scripts/dist.js: missing, stale or orphaned outputs), it runs that build
// first, so a command never runs code older than the checkout.
//
//   node scripts/launch.js <plan|bottle> [args...]
"use strict";
const path = require("path");

const { ensureBuilt } = require("./dist");

const ROOT = path.resolve(__dirname, "..");
const ENTRIES = { plan: "cred-proxy-plan", bottle: "cred-proxy-bottle" };

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
