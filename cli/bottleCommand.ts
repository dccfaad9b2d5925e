import * as path from "path";
import { optionValue, parseArgs, parsePort, type OptionSpec } from "./args";
import { DEFAULT_IMAGE } from "./defaults";
import { CliError, errorMessage, exitCodeOf, UsageError, type CommandIO } from "./errors";
import { loadManifest } from "./manifestFile";
import {
    backendFor,
    findPulumiCli,
    missingCliProblem,
    passphraseProblem,
    tokenProblems,
    type Backend,
    type PulumiCli,
} from "./prerequisites";
import { invocationDir, projectRelative, readPulumiProject } from "./project";
import { placeholderToken, placeholderWarning, provideEngine, provideImage } from "./provision";
import { planConfigChanges, readStackConfigFile, stackConfigPath, type ConfigPlan } from "./stackConfig";
import { bottleSlug, stackNameFor } from "./stackName";

export const BOTTLE_OPERATIONS = ["preview", "up", "destroy", "outputs"] as const;
export type BottleOperation = (typeof BOTTLE_OPERATIONS)[number];

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

const OPTIONS: OptionSpec = { stack: "value", slug: "value", image: "value", port: "value", "placeholder-tokens": "switch", help: "switch" };

export interface BottleRequest {
    operation: BottleOperation;
    manifestFile: string;
    manifestLabel: string;
    stack?: string;
    slug?: string;
    image?: string;
    port?: number;
    placeholderTokens?: boolean;
}

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

/** Everything a driver needs to run one operation; computed and checked without calling Pulumi. */
export interface BottleRun {
    operation: BottleOperation;
    stackName: string;
    slug: string;
    manifestLabel: string;
    projectDir: string;
    backend: Backend;
    cli: PulumiCli;
    /** Config to write before preview/up; empty for destroy and outputs. */
    config: ConfigPlan;
    stackConfigFile: string;
    /** The proxy image the stack will run (after the config changes). */
    image: string;
    /** TokenRefs deployed with a placeholder (`--placeholder-tokens`), and their variables. */
    placeholders: Record<string, string>;
    /** The environment Pulumi runs with. */
    env: Readonly<Record<string, string | undefined>>;
}

export interface PrepareContext {
    env: Readonly<Record<string, string | undefined>>;
    projectDir: string;
    platform?: NodeJS.Platform;
}

/**
 * Validates the manifest, names the stack and checks every prerequisite before Pulumi is called:
 * the CLI, the passphrase, and (for preview and up) every token the program will need. All
 * problems are reported together, one line each, naming variables and never values.
 */
export function prepareBottleRun(request: BottleRequest, ctx: PrepareContext): BottleRun {
    const bottle = loadManifest(request.manifestFile, request.manifestLabel);
    const derivedSlug = bottleSlug(bottle, request.manifestLabel, request.slug);
    const stackName = stackNameFor(derivedSlug, request.stack);
    const project = readPulumiProject(ctx.projectDir);
    const stackConfigFile = stackConfigPath(project.stackConfigDir, stackName);
    const current = readStackConfigFile(stackConfigFile);
    // A stack keeps the slug it was deployed with unless --slug says otherwise: a new slug renames
    // every network and the container, which replaces the whole bottle.
    const slug = request.slug ?? current.slug ?? derivedSlug;
    const backend = backendFor(ctx.env, ctx.projectDir);
    const deploys = request.operation === "preview" || request.operation === "up";

    const problems: string[] = [];
    const cli = findPulumiCli(ctx.env, ctx.platform);
    if (cli === undefined) {
        problems.push(missingCliProblem());
    }
    const passphrase = passphraseProblem(ctx.env, backend.url, current.secretsProvider);
    if (passphrase !== undefined) {
        problems.push(passphrase);
    }
    const placeholders: Record<string, string> = {};
    if (deploys) {
        const unset = bottle.tokens.map((t) => t.TokenRef).filter((ref) => !current.tokenRefs.has(ref) && ctx.env[ref] === undefined);
        if (request.placeholderTokens) {
            for (const ref of unset) placeholders[ref] = placeholderToken(ref);
        }
        const hint = "; or, to try the bottle without real tokens, pass --placeholder-tokens";
        for (const problem of tokenProblems(bottle, { ...ctx.env, ...placeholders }, current.tokenRefs, stackName)) {
            problems.push(problem.includes(" is not set: ") ? `${problem}${hint}` : problem);
        }
    }
    if (problems.length > 0 || cli === undefined) {
        throw new CliError(problems.join("\n"));
    }
    const config = deploys
        ? planConfigChanges(
              { manifestPath: projectRelative(ctx.projectDir, request.manifestFile), image: request.image, slug, port: request.port },
              stackName,
              current,
          )
        : { set: [], remove: [] };
    return {
        operation: request.operation,
        image: request.image ?? current.image ?? DEFAULT_IMAGE,
        placeholders,
        env: { ...ctx.env, ...placeholders },
        stackName,
        slug,
        manifestLabel: request.manifestLabel,
        projectDir: ctx.projectDir,
        backend,
        cli,
        config,
        stackConfigFile,
    };
}

/** Runs a prepared operation against Pulumi; resolves to the exit status. */
export interface BottleDriver {
    run(run: BottleRun, io: CommandIO): Promise<number>;
}

/** What the command provides when it is missing: the Pulumi CLI (returns the new env) and the proxy image. */
export interface Provisioner {
    engine(env: Readonly<Record<string, string | undefined>>, projectDir: string, io: CommandIO): Readonly<Record<string, string | undefined>>;
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
