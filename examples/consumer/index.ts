// A program of your own that runs an agent in a bottle: it imports the credential proxy from the
// cred-proxy package (`npm install <path or git URL of cred-proxy>`), puts the agent on the
// proxy's internal network only, and hands the agent the proxy's URLs, never a token.
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CredProxySidecar, loadBottleManifest } from "cred-proxy";

const config = new pulumi.Config();
const bottle = loadBottleManifest(path.join(__dirname, "bottle.yaml"));
const slug = typeof bottle.name === "string" ? bottle.name : pulumi.getStack();

// The bottle's networks belong to this program, not to the proxy: other sidecars of the bottle can
// join them, and they outlive a replaced proxy. (Leave out internalNetworkName/egressNetworkName
// and the component creates both itself.)
// The internal network has no route out, so the agent's only way to the internet is the proxy.
const internalNetwork = new docker.Network(`${slug}-internal`, {
    name: `${slug}-internal`,
    driver: "bridge",
    internal: true,
    // `internal` only stops forwarding; without this the bridge keeps an address on the host, and
    // the agent could reach host services listening on all addresses through it.
    options: { "com.docker.network.bridge.inhibit_ipv4": "true" },
});
// The egress network: only the proxy joins it, to reach Anthropic, GitHub and the other upstreams.
const egressNetwork = new docker.Network(`${slug}-egress`, {
    name: `${slug}-egress`,
    driver: "bridge",
    internal: false,
});

// The proxy: its own container on both networks. The component checks at deploy time that the
// internal network really is internal, and refuses to join a routable one.
const sidecar = new CredProxySidecar(slug, {
    bottle,
    image: config.get("proxyImage") ?? "cred-proxy:latest",
    // A config secret; ANTHROPIC_API_KEY, not given here, is read from the deploying environment.
    tokenValues: { GITHUB_TOKEN: config.requireSecret("githubToken") },
    internalNetworkName: internalNetwork.name,
    egressNetworkName: egressNetwork.name,
});

// The agent: untrusted, so it joins the internal network only and gets URLs such as
// ANTHROPIC_BASE_URL=http://cred-proxy:8080/anthropic and git rewrites for github.com.
const agent = new docker.Container(
    `${slug}-agent`,
    {
        name: `${slug}-agent`,
        image: config.get("agentImage") ?? "my-agent:latest",
        // The name the component checked and joined, not internalNetwork.name: the same network, but
        // this way the agent is only created once the check passed.
        networksAdvanced: [{ name: sidecar.internalNetworkName }],
        envs: sidecar.agentEnvironment.apply((env) => Object.entries(env).map(([key, value]) => `${key}=${value}`)),
        capabilities: { drops: ["ALL"] },
        securityOpts: ["no-new-privileges:true"],
        restart: "unless-stopped",
    },
    // The proxy must be up (and healthy) before the agent starts using it.
    { dependsOn: [sidecar] },
);

export const agentContainerName = agent.name;
export const internalNetworkName = sidecar.internalNetworkName;
export const egressNetworkName = sidecar.egressNetworkName;
export const proxyContainerName = sidecar.containerName;
export const proxyUrl = sidecar.proxyUrl;
export const agentEnvironment = sidecar.agentEnvironment;
