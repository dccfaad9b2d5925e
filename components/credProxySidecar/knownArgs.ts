import * as pulumi from "@pulumi/pulumi";
import type { CredProxySidecarArgs } from "./args";
import { CredProxySidecarArgsError } from "./validatedArgs";
import type { ManifestIssue } from "../manifest/errors";

/**
 * The arguments that decide which resources the component declares, and so must be known values
 * when the constructor runs. The schema marks them `plain`, but a Python, Go or YAML program can
 * still hand one over as an output (another resource's output, a secret) and, in a preview, parts
 * of it can be unknown. TypeScript callers cannot pass outputs here without a cast.
 */
const DECIDING_ARGS = ["bottle", "slug", "port", "memoryMb", "maxProcesses"] as const;

const KNOWN_NOW =
    "must be a plain value known when the program runs, because it decides which resources the component " +
    "declares: pass a literal, or a value read from a file or from plain stack config";

/**
 * Refuses, before anything is declared, arguments that are outputs or unknown where the component
 * needs a value now: `bottle` (at any depth), `slug`, `port`, `memoryMb`, `maxProcesses`, and a
 * `tokenValues` map that is itself an output (its keys decide which TokenRefs fall back to the host
 * environment; its values may be outputs). Reported like every other argument problem, by path.
 *
 * Arguments reach the component this way when the provider host constructs it for another
 * language: `ComponentProvider.construct` passes the deserialized inputs straight to the
 * constructor, and unknown values there are `pulumi.unknown` or outputs that are not known.
 */
export function checkKnownArgs(resourceName: string, args: CredProxySidecarArgs): void {
    const issues: ManifestIssue[] = [];
    for (const key of DECIDING_ARGS) {
        findDeferred(args[key], key, issues);
    }
    const tokenValues: unknown = args.tokenValues;
    if (pulumi.Output.isInstance(tokenValues) || pulumi.isUnknown(tokenValues)) {
        issues.push({
            path: "tokenValues",
            message:
                "must be a map whose keys are known when the program runs; pass each token value as a secret " +
                "(for example { GITHUB_TOKEN: <secret> }) rather than the whole map as one output",
        });
    }
    if (issues.length > 0) {
        throw new CredProxySidecarArgsError(resourceName, issues);
    }
}

function findDeferred(value: unknown, path: string, issues: ManifestIssue[]): void {
    if (pulumi.Output.isInstance(value)) {
        issues.push({
            path,
            message: `is an output (another resource's output, a secret, or a value unknown in a preview); it ${KNOWN_NOW}`,
        });
    } else if (pulumi.isUnknown(value)) {
        issues.push({ path, message: `is unknown (a value computed during a preview); it ${KNOWN_NOW}` });
    } else if (Array.isArray(value)) {
        value.forEach((item, i) => findDeferred(item, `${path}[${i}]`, issues));
    } else if (typeof value === "object" && value !== null) {
        for (const [key, item] of Object.entries(value)) {
            findDeferred(item, `${path}.${key}`, issues);
        }
    }
}
