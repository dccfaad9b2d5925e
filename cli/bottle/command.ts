import * as path from "path";
import { optionValue, parseArgs, parsePort, type OptionSpec } from "../args";
import { errorMessage, exitCodeOf, UsageError, type CommandIO } from "../errors";
import { invocationDir, projectRelative } from "../project";
import { placeholderWarning, provideEngine, provideImage } from "./provision";
import {
    BOTTLE_OPERATIONS,
    prepareBottleRun,
    type BottleDriver,
    type BottleOperation,
    type BottleRequest,
    type BottleRun,
    type PrepareContext,
} from "./run";

export const BOTTLE_USAGE = `Usage:
  cred-proxy-bottle preview|up|destroy|outputs <manifest> [--stack NAME] [--image IMAGE] [--slug SLUG] [--port PORT] [--placeholder-tokens]
  (from a clone: npm run bottle -- <command> <manifest> ...)

Drives the bottle's stack of this project (Pulumi.yaml, program stacks/bottle.ts) with Pulumi's
Automation API. Needs the Pulumi CLI and, for the default file backend, PULUMI_CONFIG_PASSPHRASE.

  preview   show what up would change (creates the stack when missing)
  up        deploy the bottle's credential proxy (creates the stack when missing)
  destroy   remove the bottle's networks and container
  outputs   print the stack outputs as JSON (agentEnvironment is what the agent container needs)

  --stack NAME    the stack (default: the bottle's slug)
  --slug SLUG     the bottle's slug (default: the manifest's name, else its file name)
  --image IMAGE   preview/up: the proxy image (default: the stack's, else cred-proxy:latest)
  --port PORT     preview/up: the port agents use (default: the stack's, else 8080)
  --placeholder-tokens
                  preview/up: a TokenRef set nowhere gets a placeholder (said loudly) instead
                  of an error: the bottle runs, the services refuse what it sends

From a clone, a missing Pulumi CLI is provided by .ci/pulumi-engine.sh (built offline, then
cached), and a missing cred-proxy:latest image is built from sidecar/Dockerfile.

The backend is PULUMI_BACKEND_URL, else file://<project>/.pulumi-state. preview and up write the
stack's config (stacks/Pulumi.<stack>.yaml) from the manifest and flags, and need every TokenRef
the manifest names in the environment or as a \`tokens.<TokenRef>\` config secret of the stack.
`;

const OPTIONS: OptionSpec = {
    stack: "value",
    slug: "value",
    image: "value",
    port: "value",
    "placeholder-tokens": "switch",
    help: "switch",
};

/** Reads the command line; "help" when usage was asked for. Paths resolve against `baseDir`. */
export function parseBottleArgs(argv: ReadonlyArray<string>, baseDir: string, projectDir: string): BottleRequest | "help" {
    const args = parseArgs(argv, OPTIONS);
    if (args.options.help) {
        return "help";
    }
    const [operation, manifest, ...rest] = args.positionals;
    if (operation === undefined) {
        throw new UsageError(`name a command: ${BOTTLE_OPERATIONS.join(", ")}`);
    }
    if (!(BOTTLE_OPERATIONS as ReadonlyArray<string>).includes(operation)) {
        throw new UsageError(`unknown command ${JSON.stringify(operation)}; the commands are ${BOTTLE_OPERATIONS.join(", ")}`);
    }
    if (manifest === undefined) {
        throw new UsageError(`${operation}: name the bottle manifest`);
    }
    if (rest.length > 0) {
        throw new UsageError(`${operation}: name exactly one bottle manifest`);
    }
    const op = operation as BottleOperation;
    if (op === "destroy" || op === "outputs") {
        for (const flag of ["image", "port", "placeholder-tokens"]) {
            if (flag in args.options) {
                throw new UsageError(`--${flag} applies to preview and up only`);
            }
        }
    }
    const manifestFile = path.resolve(baseDir, manifest);
    return {
        operation: op,
        manifestFile,
        manifestLabel: projectRelative(projectDir, manifestFile),
        stack: optionValue(args, "stack"),
        slug: optionValue(args, "slug"),
        image: optionValue(args, "image"),
        port: parsePort(optionValue(args, "port")),
        placeholderTokens: args.options["placeholder-tokens"] === true ? true : undefined,
    };
}

/** What the command provides when it is missing: the Pulumi CLI (returns the new env) and the proxy image. */
export interface Provisioner {
    engine(
        env: Readonly<Record<string, string | undefined>>,
        projectDir: string,
        io: CommandIO,
    ): Readonly<Record<string, string | undefined>>;
    image(image: string, env: Readonly<Record<string, string | undefined>>, projectDir: string, io: CommandIO): void;
}

/** The real one: the engine script and a Docker build (provision.ts). */
export const localProvisioner: Provisioner = { engine: provideEngine, image: provideImage };

export interface BottleCommandContext extends PrepareContext {
    io: CommandIO;
    cwd: string;
    /** Defaults to the Automation API driver. */
    driver?: BottleDriver;
    /** Provides a missing CLI or image; without one, nothing is provided (a missing CLI is an error). */
    provision?: Provisioner;
}

/** Runs the bottle command; resolves to the exit status. Never throws. */
export async function runBottleCommand(argv: ReadonlyArray<string>, ctx: BottleCommandContext): Promise<number> {
    try {
        const request = parseBottleArgs(argv, invocationDir(ctx.env, ctx.cwd), ctx.projectDir);
        if (request === "help") {
            ctx.io.out(BOTTLE_USAGE);
            return 0;
        }
        const env = ctx.provision?.engine(ctx.env, ctx.projectDir, ctx.io) ?? ctx.env;
        const run = prepareBottleRun(request, { ...ctx, env });
        if (run.operation === "up" || run.operation === "preview") {
            ctx.provision?.image(run.image, env, ctx.projectDir, ctx.io);
        }
        if (Object.keys(run.placeholders).length > 0) {
            ctx.io.err(placeholderWarning(Object.keys(run.placeholders)));
        }
        ctx.io.out(describeRun(run));
        const driver = ctx.driver ?? (await import("./automationDriver")).automationDriver;
        return await driver.run(run, ctx.io);
    } catch (err) {
        ctx.io.err(`${errorMessage(err)}\n`);
        if (err instanceof UsageError) {
            ctx.io.err("Run with --help for usage.\n");
        }
        return exitCodeOf(err);
    }
}

/** What is about to happen, said before Pulumi's own output starts. */
export function describeRun(run: BottleRun): string {
    const lines = [`${run.operation}: stack ${run.stackName} (bottle ${run.slug}, ${run.manifestLabel}) on ${run.backend.url}`];
    for (const change of run.config.set) {
        lines.push(`  config ${change.key} = ${change.value}`);
    }
    for (const key of run.config.remove) {
        lines.push(`  config ${key} removed (manifestPath replaces it)`);
    }
    return `${lines.join("\n")}\n`;
}
