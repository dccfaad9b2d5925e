import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PROXY_ALIAS } from "../../sidecar/contract";
import { agentEnvironment, agentRoutes, proxyBaseUrl } from "../routes/agentAccess";
import type { CredProxyAgentRoute, CredProxyRoute } from "../routes/types";
import type { CredProxySidecarArgs } from "./args";
import { proxyContainerArgs } from "./containerArgs";
import { checkKnownArgs } from "./knownArgs";
import { egressNetworkName, internalNetworkName } from "./networks";
import { tokenEnvs } from "./tokenEnvs";
import { validateArgs } from "./validatedArgs";

/** The Pulumi type token; `<package name>:index:<ClassName>` as multi-language packages need. */
export const CRED_PROXY_SIDECAR_TYPE = "cred-proxy:index:CredProxySidecar";

/** Each component's routes file, kept off the instance: every class field is a schema output. */
const routesFiles = new WeakMap<CredProxySidecar, pulumi.asset.StringAsset>();

/**
 * A bottle's credential proxy: the container that holds the bottle's tokens and injects them into
 * requests to Anthropic, GitHub, Gitea and npm, on an internal network shared with the agent and an
 * egress network of its own. The agent gets URLs, never tokens.
 *
 * The manifest and settings are validated before anything is declared. Token values are passed
 * only as Pulumi secrets, and only in the container's environment; a TokenRef without a value in
 * `tokenValues` is read from the environment of the process that deploys (with the multi-language
 * package: the provider process, which inherits the environment of `pulumi up`).
 */
export class CredProxySidecar extends pulumi.ComponentResource {
    // Every field is an output of the multi-language schema (Pulumi's analyzer reads them all, with
    // their doc comments); helpers stay out of fields. `routesFile` is a TypeScript-only getter.
    /** The route table: agent-facing prefix, upstream, scheme, slot and TokenRef of each route. */
    public readonly routes: pulumi.Output<CredProxyRoute[]>;
    /** `{ CRED_PROXY_TOKEN_<i>: TokenRef }`: which host variable fills which container variable. */
    public readonly tokenEnvMap: pulumi.Output<Record<string, string>>;
    /** The internal network the agent must join (created, or the one given). */
    public readonly internalNetworkName: pulumi.Output<string>;
    /** The proxy's egress network (created, or the one given). */
    public readonly egressNetworkName: pulumi.Output<string>;
    /** The proxy container's name. */
    public readonly containerName: pulumi.Output<string>;
    /** `http://cred-proxy:<port>`, as the agent reaches the proxy on the internal network. */
    public readonly proxyUrl: pulumi.Output<string>;
    /** Each route's agent-facing URL. */
    public readonly agentRoutes: pulumi.Output<CredProxyAgentRoute[]>;
    /** Environment for the agent container (ANTHROPIC_BASE_URL, NPM_CONFIG_REGISTRY, git rewrites...). */
    public readonly agentEnvironment: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: CredProxySidecarArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering anything, so bad input declares nothing at all.
        checkKnownArgs(name, args);
        const valid = validateArgs(name, args);
        const envs = tokenEnvs(name, valid.tokenEnvMap, args.tokenValues ?? {}, process.env);
        // `{}`: the engine stores a component's args in state, and these hold the manifest and tokens.
        super(CRED_PROXY_SIDECAR_TYPE, name, {}, opts);

        const internal = internalNetworkName(name, valid.slug, args.internalNetworkName, this);
        const egress = egressNetworkName(name, valid.slug, args.egressNetworkName, this);
        const container = new docker.Container(
            `${name}-proxy`,
            proxyContainerArgs({ valid, image: args.image, envs, internalNetworkName: internal, egressNetworkName: egress }),
            // Envs, uploads and networks force a replacement, and the fixed name forbids two at once.
            { parent: this, deleteBeforeReplace: true },
        );

        const routesFile = new pulumi.asset.StringAsset(valid.routesFile);
        routesFiles.set(this, routesFile);
        this.routes = pulumi.output(valid.routes);
        this.tokenEnvMap = pulumi.output(valid.tokenEnvMap);
        this.internalNetworkName = internal;
        this.egressNetworkName = egress;
        this.containerName = container.name;
        this.proxyUrl = pulumi.output(proxyBaseUrl(valid.port, PROXY_ALIAS));
        this.agentRoutes = pulumi.output(agentRoutes(valid.routes, valid.port));
        this.agentEnvironment = pulumi.output(agentEnvironment(valid.routes, valid.port));
        this.registerOutputs({
            routes: this.routes,
            routesFile,
            tokenEnvMap: this.tokenEnvMap,
            internalNetworkName: this.internalNetworkName,
            egressNetworkName: this.egressNetworkName,
            containerName: this.containerName,
            proxyUrl: this.proxyUrl,
            agentRoutes: this.agentRoutes,
            agentEnvironment: this.agentEnvironment,
        });
    }

    /**
     * The routes file uploaded into the container (names slots only, never values). TypeScript
     * only: an accessor, so not in the multi-language schema, where `routes` carries the same table.
     */
    public get routesFile(): pulumi.asset.StringAsset {
        const file = routesFiles.get(this);
        if (file === undefined) {
            throw new Error("CredProxySidecar.routesFile read before the constructor finished");
        }
        return file;
    }
}
