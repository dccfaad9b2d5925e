import { DEFAULT_IMAGE } from "../defaults";
import { CliError } from "../errors";
import { loadManifest } from "../manifestFile";
import { projectRelative, readPulumiProject } from "../project";
import { bottleSlug, stackNameFor } from "../stackName";
import type { CommandIO } from "../errors";
import {
    backendFor,
    findPulumiCli,
    missingCliProblem,
    passphraseProblem,
    tokenProblems,
    type Backend,
    type PulumiCli,
} from "./prerequisites";
import { placeholderToken } from "./provision";
import { planConfigChanges, readStackConfigFile, stackConfigPath, type ConfigPlan } from "./stackConfig";

// One bottle operation from request to driver: what the command line asked for, the checked run
// a driver executes, and the driver's interface. The command and the driver both import this.

export const BOTTLE_OPERATIONS = ["preview", "up", "destroy", "outputs"] as const;
export type BottleOperation = (typeof BOTTLE_OPERATIONS)[number];

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
        problems.push(...tokenProblems(bottle, { ...ctx.env, ...placeholders }, current.tokenRefs, stackName, hint));
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
