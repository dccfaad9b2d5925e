import { z } from "zod";

/** The services a bottle can hold a token for. */
export const TOKEN_KINDS = ["anthropic", "github", "gitea", "npm"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** Kinds whose upstream is fixed, so a bottle can hold at most one token of each. */
export const SINGLETON_KINDS: ReadonlyArray<TokenKind> = ["anthropic", "github", "npm"];

/** A host environment variable name, as POSIX shells accept it. */
export const TOKEN_REF_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One validated entry of a manifest's `tokens` list. */
export interface TokenEntry {
    Kind: TokenKind;
    /** Name of the host environment variable holding the token at deploy time. */
    TokenRef: string;
    /** Base URL of the Gitea instance; present exactly when `Kind` is `gitea`. */
    Url?: string;
}

/** A validated bottle manifest. Keys other than `tokens` belong to other sidecars and are kept. */
export interface Bottle {
    tokens: TokenEntry[];
    [key: string]: unknown;
}

/** A message that says "is required" when the key is missing, and the rule otherwise. */
function rule(text: string) {
    return (issue: { input?: unknown }) => (issue.input === undefined ? `is required; it ${text}` : text);
}

// Messages name the rule, never the value: a mistyped manifest can hold a pasted token.
export const tokenEntrySchema = z.strictObject({
    Kind: z.enum(TOKEN_KINDS, { error: rule(`must be one of ${TOKEN_KINDS.join(", ")}`) }),
    TokenRef: z
        .string({ error: rule("must be a string naming the host environment variable that holds the token") })
        .regex(TOKEN_REF_PATTERN, {
            error: "must be an environment variable name: letters, digits and _, not starting with a digit",
        }),
    Url: z.string({ error: "must be a string: the Gitea instance's base URL" }).optional(),
});

/** The document level: an object whose `tokens`, when present, is a list. */
export const bottleShellSchema = z.looseObject({
    tokens: z
        .array(z.unknown(), { error: "must be a list of token entries ({ Kind, TokenRef, Url? })" })
        .optional(),
});
