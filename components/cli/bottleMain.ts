#!/usr/bin/env node
// cred-proxy-bottle: preview, up, destroy or show a bottle's stack (see bottleCommand.ts and docs/workflows.md).
import { runBottleCommand } from "./bottleCommand";
import { runMain } from "./runMain";

runMain("cred-proxy-bottle", runBottleCommand);
