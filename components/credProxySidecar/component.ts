import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PROXY_ALIAS } from "../../sidecar/contract";
import { agentEnvironment, agentRoutes, proxyBaseUrl, type AgentRoute } from "../plan/agentAccess";
import type { CredProxyUpstream } from "../plan/upstreams";
import type { CredProxySidecarArgs } from "./args";
import { proxyContainerArgs } from "./containerArgs";
import { egressNetworkName, internalNetworkName } from "./networks";
import { planSidecar } from "./plan";
import { tokenEnvs } from "./tokenEnvs";

/** The Pulumi type token; `<package name>:index:<ClassName>` as multi-language packages need. */
export const CRED_PROXY_SIDECAR_TYPE = "cred-proxy:index:CredProxySidecar";

/**
 * A bottle's credential proxy: the container that holds the bottle's tokens and injects them into
 * requests to Anthropic, GitHub, Gitea and npm, on an internal network shared with the agent and an
 * egress network of its own. The agent gets URLs, never tokens.
 *
 * The manifest and settings are validated before anything is declared. Token values are passed
 * only as Pulumi secrets, and only in the container's environment.
 */
export class CredProxySidecar extends pulumi.ComponentResource {
    /** The route table: agent-facing prefix, upstream, scheme, slot and TokenRef of each route. */
    public readonly routes: pulumi.Output<CredProxyUpstream[]>;
    /** The routes file uploaded into the container (names slots only, never values). */
    public readonly routesFile: pulumi.asset.StringAsset;
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
    public readonly agentRoutes: pulumi.Output<AgentRoute[]>;
    /** Environment for the agent container (ANTHROPIC_BASE_URL, NPM_CONFIG_REGISTRY, git rewrites...). */
    public readonly agentEnvironment: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: CredProxySidecarArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering anything, so bad input declares nothing at all.
        const plan = planSidecar(name, args);
        const envs = tokenEnvs(name, plan.tokenEnvMap, args.tokenValues ?? {}, process.env);
        // `{}`: the engine stores a component's args in state, and these hold the manifest and tokens.
        super(CRED_PROXY_SIDECAR_TYPE, name, {}, opts);

        const internal = internalNetworkName(name, plan.slug, args.internalNetworkName, this);
        const egress = egressNetworkName(name, plan.slug, args.egressNetworkName, this);
        const container = new docker.Container(
            `${name}-proxy`,
            proxyContainerArgs({ plan, image: args.image, envs, internalNetworkName: internal, egressNetworkName: egress }),
            // Envs, uploads and networks force a replacement, and the fixed name forbids two at once.
            { parent: this, deleteBeforeReplace: true },
        );

        this.routes = pulumi.output(plan.upstreams);
        this.routesFile = new pulumi.asset.StringAsset(plan.routesFile);
        this.tokenEnvMap = pulumi.output(plan.tokenEnvMap);
        this.internalNetworkName = internal;
        this.egressNetworkName = egress;
        this.containerName = container.name;
        this.proxyUrl = pulumi.output(proxyBaseUrl(plan.port, PROXY_ALIAS));
        this.agentRoutes = pulumi.output(agentRoutes(plan.upstreams, plan.port));
        this.agentEnvironment = pulumi.output(agentEnvironment(plan.upstreams, plan.port));
        this.registerOutputs({
            routes: this.routes,
            routesFile: this.routesFile,
            tokenEnvMap: this.tokenEnvMap,
            internalNetworkName: this.internalNetworkName,
            egressNetworkName: this.egressNetworkName,
            containerName: this.containerName,
            proxyUrl: this.proxyUrl,
            agentRoutes: this.agentRoutes,
            agentEnvironment: this.agentEnvironment,
        });
    }
}
