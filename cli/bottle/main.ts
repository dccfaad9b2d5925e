#!/usr/bin/env node
// cred-proxy-bottle: preview, up, destroy or show a bottle's stack (see command.ts and docs/workflows.md).
import { localProvisioner, runBottleCommand } from "./command";
import { runMain } from "../runMain";

// CRED_PROXY_NO_PROVISION=1: report a missing CLI or image instead of building it (for machines
// where a 14-minute engine build must never start by surprise).
runMain("cred-proxy-bottle", (argv, ctx) =>
    runBottleCommand(argv, { ...ctx, provision: ctx.env.CRED_PROXY_NO_PROVISION === "1" ? undefined : localProvisioner }),
);
