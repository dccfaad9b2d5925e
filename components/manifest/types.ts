// The manifest as written. These interfaces are also the multi-language package's schema: Pulumi's
// analyzer reads them through CredProxySidecarArgs (see docs/multi-language.md). So they stay
// interfaces with supported types only, and every property keeps its doc comment, which becomes
// the description in the generated Python, Go and YAML SDKs.

/** One entry of a bottle manifest's `tokens` list, as written in the manifest. */
export interface BottleToken {
    /** The service: `anthropic`, `github`, `gitea` or `npm`. */
    Kind: string;
    /** Name of the host environment variable (or `tokenValues` key) that holds the token. */
    TokenRef: string;
    /** Base URL of the Gitea instance; required for `gitea`, refused for the other kinds. */
    Url?: string;
    /**
     * `anthropic` only: what the token is. `oauth` (the default), an OAuth token (`sk-ant-oat...`,
     * from a Claude subscription or `claude setup-token`), is sent as `Authorization: Bearer` with
     * the OAuth beta; `api-key`, a Console API key (`sk-ant-api...`), is sent in `x-api-key`.
     */
    Auth?: string;
    /**
     * `github`, `gitea` and `npm`: `read-only` lets through reads (`GET`, `HEAD`, `OPTIONS`) and
     * git fetches, and refuses every write and git push with a 403; `read-write`, the default,
     * lets everything through.
     */
    Access?: string;
}

/** The part of a bottle manifest this component reads. Other keys belong to other sidecars. */
export interface BottleManifest {
    /** The bottle's tokens, in order; entry `i` owns the container variable `CRED_PROXY_TOKEN_<i>`. */
    tokens?: BottleToken[];
}

// The analyzer accepts a union of string literals only as a named enum written as an `as const`
// object: the constant first, then the type of the same name.

/** The service a token is for, and so the routes it opens. */
export const RouteKind = {
    /** Anthropic's API. */
    Anthropic: "anthropic",
    /** GitHub's API and git over HTTPS. */
    Github: "github",
    /** A Gitea instance named in the manifest. */
    Gitea: "gitea",
    /** The npm registry. */
    Npm: "npm",
} as const;
export type RouteKind = (typeof RouteKind)[keyof typeof RouteKind];
