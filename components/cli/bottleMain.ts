#!/usr/bin/env node
// cred-proxy-bottle: preview, up, destroy or show a bottle's stack (see bottleCommand.ts and docs/workflows.md).
import { runBottleCommand } from "./bottleCommand";
import { processIO } from "./errors";
import { findPackageRoot } from "./project";

runBottleCommand(process.argv.slice(2), {
    io: processIO,
    env: process.env,
    cwd: process.cwd(),
    projectDir: findPackageRoot(__dirname),
}).then(
    (status) => {
        process.exitCode = status;
    },
    (err: unknown) => {
        process.stderr.write(`cred-proxy-bottle: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    },
);
