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

// The proxy: its own container on an internal network (no route out) and an egress network.
const sidecar = new CredProxySidecar(slug, {
    bottle,
    image: config.get("proxyImage") ?? "cred-proxy:latest",
    // A config secret; ANTHROPIC_API_KEY, not given here, is read from the deploying environment.
    tokenValues: { GITHUB_TOKEN: config.requireSecret("githubToken") },
});

// The agent: untrusted, so it joins the internal network only and gets URLs such as
// ANTHROPIC_BASE_URL=http://cred-proxy:8080/anthropic and git rewrites for github.com.
const agent = new docker.Container(
    `${slug}-agent`,
    {
        name: `${slug}-agent`,
        image: config.get("agentImage") ?? "my-agent:latest",
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
export const proxyUrl = sidecar.proxyUrl;
export const agentEnvironment = sidecar.agentEnvironment;
