import type * as pulumi from "@pulumi/pulumi";
import type { BottleManifest } from "../manifest/types";

// Pulumi's analyzer reads this interface as the component's inputs in the multi-language schema
// (see docs/multi-language.md), and the manifest's shapes through it: supported types only, and a
// doc comment on every property, which becomes its description in the generated SDKs.

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
