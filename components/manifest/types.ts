// The manifest as written. These interfaces are also the multi-language package's schema: Pulumi's
// analyzer reads them through CredProxySidecarArgs (see docs/multi-language.md). So they stay
// interfaces with supported types only, and every property keeps its doc comment, which becomes
// the description in the generated Python, Go and YAML SDKs.

/** One entry of a bottle manifest's `tokens` list, as written in the manifest. */
export interface BottleToken {
    /** The service: `anthropic`, `github`, `gitea`, `npm`, or `http` for any other named by `Url`. */
    Kind: string;
    /** Name of the host environment variable (or `tokenValues` key) that holds the token. */
    TokenRef: string;
    /** Base URL of the service: required for `gitea` and `http`, refused for the other kinds. */
    Url?: string;
    /**
     * `anthropic` only: what the token is. `oauth` (the default), an OAuth token (`sk-ant-oat...`,
     * from a Claude subscription or `claude setup-token`), is sent as `Authorization: Bearer` with
     * the OAuth beta; `api-key`, a Console API key (`sk-ant-api...`), is sent in `x-api-key`.
     */
    Auth?: string;
    /**
     * `github`, `gitea`, `npm` and `http`: `read-only` lets through reads (`GET`, `HEAD`, `OPTIONS`) and
     * git fetches, and refuses every write and git push with a 403; `read-write`, the default,
     * lets everything through.
     */
    Access?: string;
    /** `http` only: the header the token goes in. Default `Authorization`. */
    Header?: string;
    /**
     * `http` only: how the token is written in its header. `Bearer` (the default) and `token`
     * prefix it with the scheme, `Basic` sends `base64(<User>:<token>)`, `none` the bare token (for
     * headers such as GitLab's `PRIVATE-TOKEN`).
     */
    Scheme?: string;
    /** `http` with `Scheme: Basic` only, and required there: the user name the token is the password of. */
    User?: string;
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
    /** Any other HTTP service named by its Url: GitHub Enterprise, GitLab, Forgejo, a private registry, a model API. */
    Http: "http",
} as const;
export type RouteKind = (typeof RouteKind)[keyof typeof RouteKind];
