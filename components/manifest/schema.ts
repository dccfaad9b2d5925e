import { z } from "zod";
import { basicUserProblem, credentialHeaderProblem } from "../../sidecar/credentialRules";
import type { UpstreamTarget } from "./upstreamUrl";
import { RouteKind, type BottleManifest, type BottleToken } from "./types";

const KINDS = Object.values(RouteKind);

/** Kinds whose upstream the entry names with its Url; a bottle may hold one per host. */
export const URL_KINDS: ReadonlyArray<RouteKind> = [RouteKind.Gitea, RouteKind.Http];

/** Kinds whose upstream is fixed, so a bottle can hold at most one token of each. */
export const SINGLETON_KINDS: ReadonlyArray<RouteKind> = KINDS.filter((k) => !URL_KINDS.includes(k));

/** How an http entry writes its token (`BottleToken.Scheme`). */
export const HTTP_SCHEMES = ["Bearer", "token", "Basic", "none"] as const;
export type HttpScheme = (typeof HTTP_SCHEMES)[number];

/** A host environment variable name, as POSIX shells accept it. */
export const TOKEN_REF_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How an Anthropic token is presented (`BottleToken.Auth`). */
export const ANTHROPIC_AUTH = ["oauth", "api-key"] as const;
export type AnthropicAuth = (typeof ANTHROPIC_AUTH)[number];

/** What a route lets through (`BottleToken.Access`). */
export const ACCESS = ["read-write", "read-only"] as const;
export type Access = (typeof ACCESS)[number];

/** A validated token entry of a kind whose upstream is fixed: it has no Url. */
export interface FixedToken extends BottleToken {
    Kind: Exclude<RouteKind, "gitea" | "http">;
    Url?: undefined;
    /** Present only on anthropic entries. */
    Auth?: AnthropicAuth;
    /** Absent on anthropic entries. */
    Access?: Access;
}

/** A validated gitea or http entry: its upstream is the one its Url names. */
export interface UrlToken extends BottleToken {
    Kind: "gitea" | "http";
    Url: string;
    Auth?: undefined;
    Access?: Access;
    /** http only. */
    Header?: string;
    /** http only. */
    Scheme?: HttpScheme;
    /** http with Scheme Basic only. */
    User?: string;
    /**
     * The Url taken apart, once, by validation. Not enumerable, so the validated manifest still
     * reads, serialises and compares as the manifest that was written.
     */
    readonly target: UpstreamTarget;
}

/** One validated entry of a manifest's `tokens` list. */
export type ValidatedToken = FixedToken | UrlToken;

/**
 * A manifest that `parseBottleManifest` accepted, frozen: what every later step reads. Keys other
 * than `tokens` belong to other sidecars and are kept.
 */
export interface ValidatedManifest extends BottleManifest {
    tokens: ValidatedToken[];
    [key: string]: unknown;
}

/** A message that says "is required" when the key is missing, and the rule otherwise. */
function rule(text: string) {
    return (issue: { input?: unknown }) => (issue.input === undefined ? `is required; it ${text}` : text);
}

// Messages name the rule, never the value: a mistyped manifest can hold a pasted token.
export const tokenEntrySchema = z.strictObject({
    Kind: z.enum(RouteKind, { error: rule(`must be one of ${KINDS.join(", ")}`) }),
    TokenRef: z
        .string({ error: rule("must be a string naming the host environment variable that holds the token") })
        .regex(TOKEN_REF_PATTERN, {
            error: "must be an environment variable name: letters, digits and _, not starting with a digit",
        }),
    Url: z.string({ error: "must be a string: the Gitea instance's base URL" }).optional(),
    Auth: z.enum(ANTHROPIC_AUTH, { error: `must be one of ${ANTHROPIC_AUTH.join(", ")}` }).optional(),
    Access: z.enum(ACCESS, { error: `must be one of ${ACCESS.join(", ")}` }).optional(),
    Header: z
        .string({ error: "must be a string: the header the token goes in" })
        .refine((h) => credentialHeaderProblem(h) === undefined, { error: credentialHeaderProblem("") })
        .optional(),
    Scheme: z.enum(HTTP_SCHEMES, { error: `must be one of ${HTTP_SCHEMES.join(", ")}` }).optional(),
    User: z
        .string({ error: "must be a string: the user name of Basic" })
        .refine((u) => basicUserProblem(u) === undefined, { error: basicUserProblem("") })
        .optional(),
});

/** The document level: an object whose `tokens`, when present, is a list. */
export const bottleShellSchema = z.looseObject({
    tokens: z.array(z.unknown(), { error: "must be a list of token entries ({ Kind, TokenRef, Url?, ... })" }).optional(),
});
