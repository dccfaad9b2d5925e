#!/usr/bin/env node
// cred-proxy-plan: the offline plan of a bottle (see command.ts and docs/workflows.md).
import { runPlanCommand } from "./command";
import { runMain } from "../runMain";

runMain("cred-proxy-plan", runPlanCommand);
