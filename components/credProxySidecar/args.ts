import type * as pulumi from "@pulumi/pulumi";

// These interfaces are also the multi-language package's schema: Pulumi's analyzer reads them (see
// docs/multi-language.md). So they stay interfaces, with supported types only, and every property
// keeps its doc comment, which becomes the description in the generated Python, Go and YAML SDKs.

/** One entry of a bottle manifest's `tokens` list, as written in the manifest. */
export interface BottleToken {
    /** The service: `anthropic`, `github`, `gitea` or `npm`. */
    Kind: string;
    /** Name of the host environment variable (or `tokenValues` key) that holds the token. */
    TokenRef: string;
    /** Base URL of the Gitea instance; required for `gitea`, refused for the other kinds. */
    Url?: string;
}

/** The part of a bottle manifest this component reads. Other keys belong to other sidecars. */
export interface BottleManifest {
    /** The bottle's tokens, in order; entry `i` owns the container variable `CRED_PROXY_TOKEN_<i>`. */
    tokens?: BottleToken[];
}

/** The name {@link BottleToken} had before the multi-language package; the same type. */
export type TokenEntryArgs = BottleToken;
/** The name {@link BottleManifest} had before the multi-language package; the same type. */
export type BottleManifestArgs = BottleManifest;

/** Inputs of {@link CredProxySidecar}. */
export interface CredProxySidecarArgs {
    /**
     * The bottle manifest (its `tokens` list), as written in the bottle's YAML or JSON manifest; in
     * TypeScript `loadBottleManifest` reads one. Validated before any resource is declared, so a bad
     * manifest declares nothing. It must be known when the program runs: not an output, not a secret.
     */
    bottle: BottleManifest;
    /** The proxy image, built from `sidecar/Dockerfile`. Pin it by digest in production. */
    image: pulumi.Input<string>;
    /**
     * Token values by TokenRef, typically Pulumi config secrets; each value is kept as a secret. A
     * TokenRef missing here is read from the environment of the deploying process instead (from
     * another language: the environment `pulumi up` runs in, which the provider process inherits).
     */
    tokenValues?: Record<string, pulumi.Input<string>>;
    /** Port the proxy serves agents on, a whole number. Default 8080, the image's port. */
    port?: number;
    /**
     * The bottle's slug, used to name the Docker networks and container
     * (`<slug>-internal`, `<slug>-egress`, `<slug>-cred-proxy`). Defaults to the resource name.
     */
    slug?: string;
    /**
     * Join this existing internal network instead of creating one (other sidecars of the bottle
     * may own it). It must have been created with `internal: true`: that is checked at deploy time.
     */
    internalNetworkName?: pulumi.Input<string>;
    /** Join this existing egress network instead of creating one. */
    egressNetworkName?: pulumi.Input<string>;
    /** Memory limit of the proxy container in MB, a whole number (swap is disabled). Default 256. */
    memoryMb?: number;
    /**
     * Process/thread cap for the proxy's user, applied as the `nproc` ulimit because the Docker
     * provider has no pids-limit input. The kernel counts it per uid across the whole host, so it
     * must leave room for every bottle's proxy. A whole number; default 4096.
     */
    maxProcesses?: number;
}

// Output shapes. The analyzer accepts a union of string literals only as a named enum written as an
// `as const` object (the constant first, then the type of the same name); these two list the same
// values as `TokenKind` and `AuthScheme`, and the compiler checks that they stay interchangeable.

/** The service a route serves. */
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

/** How the proxy presents a route's token upstream: `Authorization: <scheme> <token>`. */
export const RouteAuthScheme = {
    /** `Authorization: Bearer <token>` (Anthropic, GitHub, npm). */
    Bearer: "Bearer",
    /** `Authorization: token <token>` (Gitea). */
    Token: "token",
} as const;
export type RouteAuthScheme = (typeof RouteAuthScheme)[keyof typeof RouteAuthScheme];

/** One route of the proxy: an agent-facing path prefix bound to an upstream and a token slot. */
export interface CredProxyRoute {
    /** The service this route serves. */
    kind: RouteKind;
    /** Agent-facing path prefix, starting and ending with `/`. */
    path: string;
    /** Absolute upstream base URL, no trailing `/`. */
    upstream: string;
    /** How the token is presented upstream. */
    authScheme: RouteAuthScheme;
    /** The slot: the environment variable that carries the token inside the proxy container. */
    tokenEnv: string;
    /** The TokenRef whose value fills the slot (a `tokenValues` key or a host environment variable). */
    tokenRef: string;
}

/** How the agent reaches one route: it only ever sees the proxy's URL, never the token. */
export interface CredProxyAgentRoute {
    /** The service this route serves. */
    kind: RouteKind;
    /** Agent-facing path prefix, starting and ending with `/`. */
    path: string;
    /** `http://cred-proxy:<port><path>`: plain HTTP on the bottle's internal network. */
    url: string;
}
