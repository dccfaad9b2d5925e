import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { bottleLabels } from "./containerArgs";

/**
 * The network the agent and the proxy share. It has no route out: the agent's only way to the
 * internet is through the bottle's sidecars. An existing network may be joined instead, but only
 * one that really is internal; joining a routable network would silently give the agent egress.
 */
export function internalNetworkName(
    name: string,
    slug: string,
    existing: pulumi.Input<string> | undefined,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    if (existing !== undefined) {
        return docker.getNetworkOutput({ name: existing }, { parent }).apply(requireInternal);
    }
    const network = new docker.Network(
        `${name}-internal`,
        {
            name: `${slug}-internal`,
            driver: "bridge",
            internal: true,
            // `internal` only stops forwarding; without this the bridge keeps an address on the host,
            // and the agent could reach host services listening on all addresses through it.
            options: { "com.docker.network.bridge.inhibit_ipv4": "true" },
            labels: bottleLabels(slug),
        },
        // A fixed name cannot exist twice, so a replacement must delete first.
        { parent, deleteBeforeReplace: true },
    );
    return network.name;
}

/** The network only the proxy joins, through which it reaches the upstreams. */
export function egressNetworkName(
    name: string,
    slug: string,
    existing: pulumi.Input<string> | undefined,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    if (existing !== undefined) {
        return pulumi.output(existing);
    }
    const network = new docker.Network(
        `${name}-egress`,
        { name: `${slug}-egress`, driver: "bridge", internal: false, labels: bottleLabels(slug) },
        { parent, deleteBeforeReplace: true },
    );
    return network.name;
}

/** The name of a looked-up network that really is internal; a `RunError` for a routable one. */
export function requireInternal(network: { name: string; internal: boolean }): string {
    if (!network.internal) {
        throw new pulumi.RunError(
            `internalNetworkName: network ${network.name} was not created with internal: true, so agents on it ` +
                "could reach the internet directly; recreate it as internal or let the component create one",
        );
    }
    return network.name;
}
