"""An agent in a bottle, from Python.

The credential proxy is cred-proxy's TypeScript component, used through the Python SDK that
`pulumi package add <path or git URL of cred-proxy>` generates (sdks/cred-proxy); Pulumi runs the
component in cred-proxy's Node.js plugin. The agent joins the proxy's internal network only and gets
the proxy's URLs, never a token.
"""

from __future__ import annotations

import pathlib

import pulumi
import pulumi_docker as docker
import yaml

import pulumi_cred_proxy as cred_proxy

TOKEN_ENTRY_KEYS = {"Kind", "TokenRef", "Url", "Auth", "Access", "Header", "Scheme", "User"}


def load_bottle(path: pathlib.Path) -> tuple[str | None, cred_proxy.BottleManifestArgs]:
    """The bottle manifest's name and tokens; the component validates the tokens in full."""
    manifest = yaml.safe_load(path.read_text()) or {}
    tokens = []
    for i, entry in enumerate(manifest.get("tokens") or []):
        # As in TypeScript, a misspelt key is an error, not silently dropped.
        unknown = sorted(set(entry) - TOKEN_ENTRY_KEYS)
        if unknown:
            raise ValueError(f"{path}: tokens[{i}]: unknown keys {', '.join(unknown)}")
        tokens.append(
            cred_proxy.BottleTokenArgs(
                kind=entry.get("Kind"),
                token_ref=entry.get("TokenRef"),
                url=entry.get("Url"),
                auth=entry.get("Auth"),
                access=entry.get("Access"),
                header=entry.get("Header"),
                scheme=entry.get("Scheme"),
                user=entry.get("User"),
            )
        )
    name = manifest.get("name")
    return (name if isinstance(name, str) else None), cred_proxy.BottleManifestArgs(tokens=tokens)


config = pulumi.Config()
bottle_name, bottle = load_bottle(pathlib.Path(__file__).parent / "bottle.yaml")
slug = bottle_name or pulumi.get_stack()

# The proxy: its own container on an internal network (no route out) and an egress network.
sidecar = cred_proxy.CredProxySidecar(
    slug,
    bottle=bottle,
    image=config.get("proxyImage") or "cred-proxy:latest",
    # A config secret. ANTHROPIC_API_KEY, not given here, is read from the environment `pulumi up`
    # runs in: the component runs in the plugin process, which inherits that environment.
    token_values={"GITHUB_TOKEN": config.require_secret("githubToken")},
)

# The agent: untrusted, so it joins the internal network only and gets URLs such as
# ANTHROPIC_BASE_URL=http://cred-proxy:8080/anthropic and git rewrites for github.com.
agent = docker.Container(
    f"{slug}-agent",
    name=f"{slug}-agent",
    image=config.get("agentImage") or "my-agent:latest",
    networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=sidecar.internal_network_name)],
    envs=sidecar.agent_environment.apply(lambda env: [f"{key}={value}" for key, value in env.items()]),
    capabilities=docker.ContainerCapabilitiesArgs(drops=["ALL"]),
    security_opts=["no-new-privileges:true"],
    restart="unless-stopped",
    # The proxy must be up (and healthy) before the agent starts using it.
    opts=pulumi.ResourceOptions(depends_on=[sidecar]),
)

pulumi.export("agentContainerName", agent.name)
pulumi.export("internalNetworkName", sidecar.internal_network_name)
pulumi.export("proxyUrl", sidecar.proxy_url)
pulumi.export("agentEnvironment", sidecar.agent_environment)
