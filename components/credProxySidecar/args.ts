import type * as pulumi from "@pulumi/pulumi";

/** One entry of a bottle manifest's `tokens` list, as written in the manifest. */
export interface TokenEntryArgs {
    /** The service: `anthropic`, `github`, `gitea` or `npm`. */
    Kind: string;
    /** Name of the host environment variable (or `tokenValues` key) that holds the token. */
    TokenRef: string;
    /** Base URL of the Gitea instance; required for `gitea`, refused for the other kinds. */
    Url?: string;
}

/** The part of a bottle manifest this component reads. Other keys belong to other sidecars. */
export interface BottleManifestArgs {
    /** The bottle's tokens, in order; entry `i` owns the container variable `CRED_PROXY_TOKEN_<i>`. */
    tokens?: TokenEntryArgs[];
}

/** Inputs of {@link CredProxySidecar}. */
export interface CredProxySidecarArgs {
    /**
     * The bottle manifest, as read from YAML or JSON (see `loadBottleManifest`). It is validated in
     * the constructor, before any resource is declared, so a bad manifest declares nothing.
     */
    bottle: BottleManifestArgs;
    /** The proxy image, built from `sidecar/Dockerfile`. Pin it by digest in production. */
    image: pulumi.Input<string>;
    /**
     * Token values by TokenRef, typically Pulumi config secrets. Each value is wrapped as a secret.
     * A TokenRef missing here is read from the deploying host's environment instead.
     */
    tokenValues?: Record<string, pulumi.Input<string>>;
    /** Port the proxy serves agents on. Default 8080, the image's port. */
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
    /** Memory limit of the proxy container in MB (swap is disabled). Default 256. */
    memoryMb?: number;
    /**
     * Process/thread cap for the proxy's user, applied as the `nproc` ulimit because the Docker
     * provider has no pids-limit input. The kernel counts it per uid across the whole host, so it
     * must leave room for every bottle's proxy. Default 4096.
     */
    maxProcesses?: number;
}
