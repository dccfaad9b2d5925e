import * as path from "path";
import { optionValue, parseArgs, parsePort, type OptionSpec } from "../args";
import { errorMessage, exitCodeOf, UsageError, type CommandIO } from "../errors";
import { DEFAULT_IMAGE, evaluatePlan } from "./evaluate";
import { renderPlanJson } from "./document";
import { invocationDir, projectRelative } from "../project";
import { renderPlanText } from "./renderText";
import { checkSnapshots, describeSnapshotProblems, PLANS_DIR, updateSnapshots } from "./snapshots";

export const PLAN_USAGE = `Usage:
  cred-proxy-plan <manifest> [--json] [--image IMAGE] [--slug SLUG] [--port PORT]
  cred-proxy-plan --update-snapshots | --check-snapshots
  (from a clone: npm run plan -- <manifest> [--json], npm run plan:update)

Evaluates the CredProxySidecar component for a bottle manifest under Pulumi's mock engine and
prints what it would declare: the resource tree with inputs (secrets as [secret]), the route
table, the token slots, and the agent's URLs and environment. Needs no Pulumi CLI, no Docker and
no tokens: every token value is a placeholder.

  --json               a stable, sorted JSON document instead of text
  --image IMAGE        the proxy image (default ${DEFAULT_IMAGE})
  --slug SLUG          the bottle's slug (default: the manifest's name, else its file name)
  --port PORT          the port agents use (default 8080)
  --update-snapshots   rewrite ${PLANS_DIR}/<bottle>.plan.json for every example bottle
  --check-snapshots    fail, with a diff, when a committed plan no longer matches
`;

const OPTIONS: OptionSpec = {
    json: "switch",
    image: "value",
    slug: "value",
    port: "value",
    "update-snapshots": "switch",
    "check-snapshots": "switch",
    help: "switch",
};

export interface PlanCommandContext {
    io: CommandIO;
    env: Readonly<Record<string, string | undefined>>;
    cwd: string;
    /** The project folder: snapshots live under it, manifests are named relative to it. */
    projectDir: string;
}

/** Runs the plan command; resolves to the exit status. Never throws. */
export async function runPlanCommand(argv: ReadonlyArray<string>, ctx: PlanCommandContext): Promise<number> {
    try {
        return await planCommand(argv, ctx);
    } catch (err) {
        ctx.io.err(`${errorMessage(err)}\n`);
        if (err instanceof UsageError) {
            ctx.io.err("Run with --help for usage.\n");
        }
        return exitCodeOf(err);
    }
}

async function planCommand(argv: ReadonlyArray<string>, ctx: PlanCommandContext): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.options.help) {
        ctx.io.out(PLAN_USAGE);
        return 0;
    }
    const update = args.options["update-snapshots"] === true;
    const check = args.options["check-snapshots"] === true;
    if (update || check) {
        if (update && check) {
            throw new UsageError("--update-snapshots and --check-snapshots exclude each other");
        }
        const extra = args.positionals.length > 0 || ["json", "image", "slug", "port"].some((o) => o in args.options);
        if (extra) {
            throw new UsageError(
                `--${update ? "update" : "check"}-snapshots plans every example bottle with its defaults; it takes no manifest or other options`,
            );
        }
        return update ? runUpdate(ctx) : runCheck(ctx);
    }
    if (args.positionals.length !== 1) {
        throw new UsageError(args.positionals.length === 0 ? "name one bottle manifest to plan" : "name exactly one bottle manifest");
    }
    const manifestFile = path.resolve(invocationDir(ctx.env, ctx.cwd), args.positionals[0]);
    const doc = await evaluatePlan({
        manifestFile,
        manifestLabel: projectRelative(ctx.projectDir, manifestFile),
        image: optionValue(args, "image"),
        slug: optionValue(args, "slug"),
        port: parsePort(optionValue(args, "port")),
    });
    ctx.io.out(args.options.json ? renderPlanJson(doc) : renderPlanText(doc));
    return 0;
}

async function runUpdate(ctx: PlanCommandContext): Promise<number> {
    const result = await updateSnapshots(ctx.projectDir);
    for (const file of result.written) ctx.io.out(`wrote     ${file}\n`);
    for (const file of result.unchanged) ctx.io.out(`unchanged ${file}\n`);
    for (const file of result.removed) ctx.io.out(`removed   ${file}\n`);
    if (result.written.length + result.removed.length > 0) {
        ctx.io.out(`Commit ${PLANS_DIR}/ with the change that caused this, so the pull request shows it.\n`);
    }
    return 0;
}

async function runCheck(ctx: PlanCommandContext): Promise<number> {
    const problems = await checkSnapshots(ctx.projectDir);
    if (problems.length === 0) {
        ctx.io.out(`Every example bottle's plan matches ${PLANS_DIR}/.\n`);
        return 0;
    }
    ctx.io.err(describeSnapshotProblems(problems));
    return 1;
}
