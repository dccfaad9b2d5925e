import type { z } from "zod";
import { formatPath, ManifestError, type ManifestIssue } from "./errors";
import { parseGiteaUrl, type GiteaTarget } from "./giteaUrl";
import { bottleShellSchema, SINGLETON_KINDS, tokenEntrySchema, type ValidatedManifest, type ValidatedToken } from "./schema";
import { RouteKind, type BottleToken } from "./types";

/** Every manifest this module returned: later steps take these as they are, without a second parse. */
const validated = new WeakSet<object>();

/** Whether `manifest` is a value `parseBottleManifest` returned (frozen, so still valid). */
export function isValidatedManifest(manifest: unknown): manifest is ValidatedManifest {
    return typeof manifest === "object" && manifest !== null && validated.has(manifest);
}

/**
 * Validates a bottle manifest (already parsed from YAML or JSON) and returns it typed.
 *
 * Each token entry is checked on its own before the cross-entry rules run, so one bad entry never
 * hides the problems of another: the thrown {@link ManifestError} lists them all, each with its path.
 */
export function parseBottleManifest(input: unknown): ValidatedManifest {
    if (isValidatedManifest(input)) {
        return input;
    }
    const shell = bottleShellSchema.safeParse(input);
    if (!shell.success) {
        throw new ManifestError(toIssues(shell.error.issues, []));
    }
    const rawTokens = shell.data.tokens ?? [];
    const issues: ManifestIssue[] = [];
    const entries: BottleToken[] = [];
    const routing: Array<RoutingFields | undefined> = rawTokens.map((raw, i) => {
        const parsed = tokenEntrySchema.safeParse(raw);
        if (parsed.success) {
            entries.push(parsed.data);
            return parsed.data;
        }
        issues.push(...toIssues(parsed.error.issues, ["tokens", i]));
        return routingFieldsOf(raw);
    });
    const { issues: crossIssues, giteaTargets } = crossEntryChecks(routing);
    issues.push(...crossIssues);
    if (issues.length > 0) {
        throw new ManifestError(issues.sort((a, b) => entryIndex(a) - entryIndex(b)));
    }
    // Every entry passed its schema here, so entry i is rawTokens[i] validated.
    const tokens = entries.map((entry, i) => validatedToken(entry, giteaTargets.get(i)));
    const manifest: ValidatedManifest = Object.freeze({ ...shell.data, tokens: Object.freeze(tokens) as ValidatedToken[] });
    validated.add(manifest);
    return manifest;
}

function validatedToken(entry: BottleToken, target: GiteaTarget | undefined): ValidatedToken {
    const token = { ...entry };
    if (target !== undefined) {
        Object.defineProperty(token, "target", { value: Object.freeze({ ...target }), enumerable: false });
    }
    return Object.freeze(token) as ValidatedToken;
}

/**
 * The fields the cross-entry rules read; an entry that failed its own schema may still have them.
 * `badUrl`: a Url that is there but not a string, already reported by the schema.
 */
type RoutingFields = { Kind: RouteKind; Url?: string; badUrl?: boolean; Auth?: unknown; Access?: unknown };

/** Salvages Kind and Url from an invalid entry, so its other problems are reported too. */
function routingFieldsOf(raw: unknown): RoutingFields | undefined {
    if (typeof raw !== "object" || raw === null) {
        return undefined;
    }
    const { Kind, Url } = raw as Record<string, unknown>;
    if (!(Object.values(RouteKind) as unknown[]).includes(Kind)) {
        return undefined;
    }
    const badUrl = Url !== undefined && typeof Url !== "string";
    const { Auth, Access } = raw as Record<string, unknown>;
    return { Auth, Access, Kind: Kind as RouteKind, Url: typeof Url === "string" ? Url : undefined, badUrl };
}

/**
 * Rules that span entries: Url presence by kind, one token per fixed upstream, unique Gitea hosts.
 * Returns each valid gitea entry's target too, by entry index: the Url is taken apart only here.
 */
function crossEntryChecks(entries: ReadonlyArray<RoutingFields | undefined>): {
    issues: ManifestIssue[];
    giteaTargets: Map<number, GiteaTarget>;
} {
    const issues: ManifestIssue[] = [];
    const giteaTargets = new Map<number, GiteaTarget>();
    const firstOfKind = new Map<string, number>();
    const firstOfGiteaHost = new Map<string, number>();
    entries.forEach((entry, i) => {
        if (entry === undefined) {
            return;
        }
        const at = (key: string) => formatPath(["tokens", i, key]);
        if (entry.Kind === "anthropic" && entry.Access !== undefined) {
            issues.push({
                path: at("Access"),
                message: "anthropic entries take no Access; the model API has no read-only use, remove Access",
            });
        }
        if (entry.Kind !== "anthropic" && entry.Auth !== undefined) {
            issues.push({
                path: at("Auth"),
                message: `only anthropic entries take Auth; the ${entry.Kind} upstream takes one kind of token, remove Auth`,
            });
        }
        if (entry.Kind !== "gitea") {
            if (entry.Url !== undefined) {
                issues.push({ path: at("Url"), message: `only gitea entries take a Url; the ${entry.Kind} upstream is fixed, remove Url` });
            }
            if (SINGLETON_KINDS.includes(entry.Kind)) {
                const first = firstOfKind.get(entry.Kind);
                if (first !== undefined) {
                    issues.push({
                        path: at("Kind"),
                        message: `a bottle holds at most one ${entry.Kind} token; tokens[${first}] is one already`,
                    });
                } else {
                    firstOfKind.set(entry.Kind, i);
                }
            }
            return;
        }
        if (entry.Url === undefined) {
            if (entry.badUrl) {
                return;
            }
            issues.push({
                path: at("Url"),
                message: "is required for gitea entries: the Gitea instance's base URL, such as https://gitea.example.com",
            });
            return;
        }
        const target = parseGiteaUrl(entry.Url);
        if ("error" in target) {
            issues.push({ path: at("Url"), message: target.error });
            return;
        }
        giteaTargets.set(i, target);
        const first = firstOfGiteaHost.get(target.upstreamHost);
        if (first !== undefined) {
            issues.push({
                path: at("Url"),
                message: `gitea host ${target.upstreamHost} is already used by tokens[${first}]; gitea entries must name different hosts`,
            });
        } else {
            firstOfGiteaHost.set(target.upstreamHost, i);
        }
    });
    return { issues, giteaTargets };
}

/** Orders issues by token entry, so each entry's problems read together (the sort is stable). */
function entryIndex(issue: ManifestIssue): number {
    const match = /^tokens\[(\d+)\]/.exec(issue.path);
    return match ? Number(match[1]) : -1;
}

/** Turns zod issues into path-named issues; unknown keys get one issue each so typos stand out. */
function toIssues(zodIssues: ReadonlyArray<z.core.$ZodIssue>, prefix: PropertyKey[]): ManifestIssue[] {
    return zodIssues.flatMap((issue): ManifestIssue[] => {
        const path = [...prefix, ...issue.path];
        if (issue.code === "unrecognized_keys") {
            const allowed = prefix.length > 0 ? "Kind, TokenRef, Url, Auth, Access" : undefined;
            return issue.keys.map((key) => ({
                path: formatPath([...path, key]),
                message: allowed ? `unknown key; a token entry takes only ${allowed}` : "unknown key",
            }));
        }
        if (issue.code === "invalid_type" && path.length === 0) {
            return [{ path: "", message: "the manifest must be an object (a YAML mapping or a JSON object)" }];
        }
        if (issue.code === "invalid_type" && issue.path.length === 0 && prefix.length > 0) {
            return [{ path: formatPath(path), message: "must be an object with Kind, TokenRef and optionally Url" }];
        }
        return [{ path: formatPath(path), message: issue.message }];
    });
}
