import type { z } from "zod";
import { formatPath, ManifestError, type ManifestIssue } from "./errors";
import { parseUpstreamUrl, type UpstreamTarget } from "./upstreamUrl";
import { bottleShellSchema, SINGLETON_KINDS, tokenEntrySchema, URL_KINDS, type ValidatedManifest, type ValidatedToken } from "./schema";
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
    const { issues: crossIssues, urlTargets } = crossEntryChecks(routing);
    issues.push(...crossIssues);
    if (issues.length > 0) {
        throw new ManifestError(issues.sort((a, b) => entryIndex(a) - entryIndex(b)));
    }
    // Every entry passed its schema here, so entry i is rawTokens[i] validated.
    const tokens = entries.map((entry, i) => validatedToken(entry, urlTargets.get(i)));
    const manifest: ValidatedManifest = Object.freeze({ ...shell.data, tokens: Object.freeze(tokens) as ValidatedToken[] });
    validated.add(manifest);
    return manifest;
}

function validatedToken(entry: BottleToken, target: UpstreamTarget | undefined): ValidatedToken {
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
type RoutingFields = { Kind: RouteKind; Url?: string; badUrl?: boolean } & Partial<
    Record<"Auth" | "Access" | "Header" | "Scheme" | "User", unknown>
>;

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
    const { Auth, Access, Header, Scheme, User } = raw as Record<string, unknown>;
    return { Auth, Access, Header, Scheme, User, Kind: Kind as RouteKind, Url: typeof Url === "string" ? Url : undefined, badUrl };
}

/**
 * Rules that span entries or fields: which kinds take which keys, Url presence by kind, one token
 * per fixed upstream, unique hosts per Url kind. Returns each valid gitea and http entry's target
 * too, by entry index: the Url is taken apart only here.
 */
function crossEntryChecks(entries: ReadonlyArray<RoutingFields | undefined>): {
    issues: ManifestIssue[];
    urlTargets: Map<number, UpstreamTarget>;
} {
    const issues: ManifestIssue[] = [];
    const urlTargets = new Map<number, UpstreamTarget>();
    const firstOfKind = new Map<string, number>();
    const firstOfHost = new Map<string, number>();
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
        if (entry.Kind !== "http") {
            for (const key of ["Header", "Scheme", "User"] as const) {
                if (entry[key] !== undefined) {
                    issues.push({
                        path: at(key),
                        message: `only http entries take ${key}; the ${entry.Kind} upstream's own rule is used, remove ${key}`,
                    });
                }
            }
        } else if (entry.Scheme === "Basic" && entry.User === undefined) {
            issues.push({ path: at("User"), message: "is required with Scheme: Basic: the user name the token is the password of" });
        } else if (entry.User !== undefined && entry.Scheme !== "Basic") {
            issues.push({ path: at("User"), message: "only goes with Scheme: Basic; set Scheme: Basic or remove User" });
        }
        if (!URL_KINDS.includes(entry.Kind)) {
            if (entry.Url !== undefined) {
                issues.push({
                    path: at("Url"),
                    message: `only gitea and http entries take a Url; the ${entry.Kind} upstream is fixed, remove Url`,
                });
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
                message:
                    entry.Kind === "gitea"
                        ? "is required for gitea entries: the Gitea instance's base URL, such as https://gitea.example.com"
                        : "is required for http entries: the service's base URL, such as https://gitlab.example.com/api/v4",
            });
            return;
        }
        const target = parseUpstreamUrl(entry.Url);
        if ("error" in target) {
            issues.push({ path: at("Url"), message: target.error });
            return;
        }
        urlTargets.set(i, target);
        // Each Url kind has its own route prefix, so a gitea and an http entry may share a host.
        const hostKey = `${entry.Kind} ${target.upstreamHost}`;
        const first = firstOfHost.get(hostKey);
        if (first !== undefined) {
            issues.push({
                path: at("Url"),
                message: `${entry.Kind} host ${target.upstreamHost} is already used by tokens[${first}]; ${entry.Kind} entries must name different hosts`,
            });
        } else {
            firstOfHost.set(hostKey, i);
        }
    });
    return { issues, urlTargets };
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
            const allowed = prefix.length > 0 ? "Kind, TokenRef, Url, Auth, Access, Header, Scheme, User" : undefined;
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
