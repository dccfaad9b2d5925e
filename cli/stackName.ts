import * as path from "path";
import type { ValidatedManifest } from "../components/manifest/schema";
import { SLUG_PATTERN, SLUG_RULE } from "../components/credProxySidecar/validatedArgs";
import { CliError, UsageError } from "./errors";

// The component's own slug rule, so a slug accepted here is accepted there.
export { SLUG_PATTERN } from "../components/credProxySidecar/validatedArgs";

/** A Pulumi stack name, optionally qualified as `org/name` or `org/project/name`. */
const STACK_PATTERN = /^([A-Za-z0-9_.-]{1,100}\/){0,2}[A-Za-z0-9_.-]{1,100}$/;

/**
 * The bottle's slug: `--slug` when given; else the manifest's top-level `name`; else the file's
 * base name. The manifest's name comes first because it is the bottle's identity: renaming or
 * moving the file must not silently switch to another stack (and orphan the first one's
 * containers). A name or file name that is no usable slug is an error, never silently mangled.
 */
export function bottleSlug(bottle: ValidatedManifest, manifestFile: string, explicit?: string): string {
    if (explicit !== undefined) {
        if (!SLUG_PATTERN.test(explicit)) {
            throw new UsageError(`--slug must be ${SLUG_RULE}`);
        }
        return explicit;
    }
    if (bottle.name !== undefined) {
        if (typeof bottle.name !== "string" || !SLUG_PATTERN.test(bottle.name)) {
            throw new CliError(
                `${manifestFile}: name cannot be used as the bottle's slug: it must be ${SLUG_RULE}; fix it, or pass --slug`,
            );
        }
        return bottle.name;
    }
    const base = path.basename(manifestFile, path.extname(manifestFile));
    if (!SLUG_PATTERN.test(base)) {
        throw new CliError(
            `${manifestFile}: the manifest has no name and its file name "${base}" is no usable slug (${SLUG_RULE}); ` +
                "add a top-level name to the manifest, or pass --slug",
        );
    }
    return base;
}

/** The stack to drive: `--stack` when given, else the bottle's slug. */
export function stackNameFor(slug: string, explicit?: string): string {
    if (explicit === undefined) {
        return slug;
    }
    if (!STACK_PATTERN.test(explicit)) {
        throw new UsageError("--stack must be a stack name (letters, digits, '_', '.', '-'), optionally qualified as org/name");
    }
    return explicit;
}

/** The part of a (possibly qualified) stack name that names its `Pulumi.<stack>.yaml`. */
export function stackShortName(stackName: string): string {
    return stackName.slice(stackName.lastIndexOf("/") + 1);
}
