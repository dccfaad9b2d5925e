/** Planning a docker.Network: its inputs as the engine's create options. */
import Docker from "dockerode";
import { Inputs, autoname, labelMap } from "./inputs";
import { IGNORED_NETWORK_KEYS, SUPPORTED_IPAM_CONFIG_KEYS, SUPPORTED_NETWORK_KEYS } from "./vocabulary";
import { RESOURCE_LABEL, type RegisteredResource } from "./wire";

export interface NetworkPlan {
    resourceName: string;
    mockId?: string;
    name: string;
    options: Docker.NetworkCreateOptions;
    /** The inputs as registered (secrets unwrapped): what a later realise compares against. */
    inputs: Record<string, unknown>;
    deleteBeforeReplace: boolean;
}

/** Validate one network's inputs and translate them; throws naming the first key not understood. */
export function planNetwork(r: RegisteredResource, labels: Record<string, string>): NetworkPlan {
    const where = `${r.type} "${r.name}"`;
    const i = new Inputs(where, r.inputs);
    i.checkKeys(SUPPORTED_NETWORK_KEYS, IGNORED_NETWORK_KEYS);
    const name = i.str("name") ?? autoname(r.name);
    const ipamConfigs = i.objs("ipamConfigs")?.map((c) => {
        c.checkKeys(SUPPORTED_IPAM_CONFIG_KEYS);
        return {
            Subnet: c.str("subnet"),
            IPRange: c.str("ipRange"),
            Gateway: c.str("gateway"),
            AuxiliaryAddresses: c.strMap("auxAddress"),
        };
    });
    const ipamDriver = i.str("ipamDriver");
    const ipamOptions = i.strMap("ipamOptions");
    const options: Docker.NetworkCreateOptions = {
        Name: name,
        CheckDuplicate: true,
        Driver: i.str("driver") ?? "bridge",
        Internal: i.bool("internal") ?? false,
        Attachable: i.bool("attachable") ?? false,
        EnableIPv6: i.bool("ipv6") ?? false,
        Options: i.strMap("options"),
        Labels: { ...labelMap(where, i.objs("labels")), ...labels, [RESOURCE_LABEL]: r.name },
    };
    if (ipamConfigs || ipamDriver || ipamOptions) {
        options.IPAM = { Driver: ipamDriver ?? "default", Config: ipamConfigs ?? [], Options: ipamOptions };
    }
    return { resourceName: r.name, mockId: r.id, name, options, inputs: r.inputs, deleteBeforeReplace: r.deleteBeforeReplace ?? false };
}
