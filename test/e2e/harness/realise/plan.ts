/**
 * `plan`: validate and translate a registered resource list without touching the engine.
 */
import { planContainer, type ContainerPlan } from "./container";
import { planNetwork, type NetworkPlan } from "./network";
import { CONTAINER_TYPE, NETWORK_TYPE, assertPlain, unwrapSecrets, type RegisteredResource } from "./wire";

export interface Plan {
    networks: NetworkPlan[];
    containers: ContainerPlan[];
}

export interface PlanOptions {
    /** Labels added to everything (the run's labels). */
    labels?: Record<string, string>;
    /** Resource types to skip on purpose (e.g. the component's own type, providers). */
    ignoreTypes?: string[];
}

/**
 * Validate and translate a resource list without touching the engine. Throws on the first input
 * the realiser does not understand, naming the resource and the key.
 */
export function plan(resources: RegisteredResource[], opts: PlanOptions = {}): Plan {
    const labels = opts.labels ?? {};
    const out: Plan = { networks: [], containers: [] };
    for (const raw of resources) {
        if (opts.ignoreTypes?.includes(raw.type)) continue;
        const inputs = unwrapSecrets(raw.inputs) as Record<string, unknown>;
        const where = `${raw.type} "${raw.name}"`;
        if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) {
            throw new Error(`${where}: inputs must be an object`);
        }
        assertPlain(where, inputs);
        const r = { ...raw, inputs };
        if (r.type === NETWORK_TYPE) out.networks.push(planNetwork(r, labels));
        else if (r.type === CONTAINER_TYPE) out.containers.push(planContainer(r, labels));
        else throw new Error(`${where}: resource type not understood by the e2e realiser (pass it in ignoreTypes to skip it on purpose)`);
    }
    const seen = new Set<string>();
    for (const n of [...out.networks.map((x) => `network ${x.name}`), ...out.containers.map((x) => `container ${x.name}`)]) {
        if (seen.has(n)) throw new Error(`two resources would create the same ${n}`);
        seen.add(n);
    }
    return out;
}
