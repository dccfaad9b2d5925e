#!/usr/bin/env node
// cred-proxy-plan: the offline plan of a bottle (see planCommand.ts and docs/workflows.md).
import { runPlanCommand } from "./planCommand";
import { runMain } from "./runMain";

runMain("cred-proxy-plan", runPlanCommand);
