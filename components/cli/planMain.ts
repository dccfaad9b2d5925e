#!/usr/bin/env node
// cred-proxy-plan: the offline plan of a bottle (see planCommand.ts and docs/workflows.md).
import { processIO } from "./errors";
import { runPlanCommand } from "./planCommand";
import { findPackageRoot } from "./project";

runPlanCommand(process.argv.slice(2), {
    io: processIO,
    env: process.env,
    cwd: process.cwd(),
    projectDir: findPackageRoot(__dirname),
}).then(
    (status) => {
        process.exitCode = status;
    },
    (err: unknown) => {
        process.stderr.write(`cred-proxy-plan: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    },
);
