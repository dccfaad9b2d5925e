/**
 * Realising the same resource again, as `pulumi up` does after the program changed: a resource
 * whose inputs are unchanged is kept; a container whose inputs changed is replaced (every input
 * but CONTAINER_KEYS_UPDATED_IN_PLACE forces a replacement in the provider), deleted first when
 * it was registered with `deleteBeforeReplace`, else created first (which, with a fixed name,
 * fails on the name exactly as the real provider does).
 *
 * Not modelled, and refused with an error rather than approximated: in-place updates, and
 * changing a network (Pulumi would also replace everything attached to it).
 *
 * Lists are compared in order. The provider treats some lists (envs, labels, networks) as sets,
 * so the realiser may replace where Pulumi would not; never the other way round.
 */
import type { ContainerPlan } from "./container";
import type { RealisedContainer, RealisedNetwork } from "./create";
import type { NetworkPlan } from "./network";
import { CONTAINER_KEYS_UPDATED_IN_PLACE } from "./vocabulary";

/** What a realise did to one resource. */
export interface RealiseAction {
    resourceName: string;
    kind: "network" | "container";
    action: "create" | "same" | "replace";
    /** For a replacement: the old one deleted before the new one was created, or after. */
    order?: "delete-first" | "create-first";
}

/** What a run remembers of a resource it realised: its inputs and what it became. */
export interface Prior<T> {
    inputs: Record<string, unknown>;
    realised: T;
}

/** JSON with object keys sorted, so equal inputs always give equal text. */
export function canonical(x: unknown): string {
    return JSON.stringify(x, (_k, v: unknown) => {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
        const o = v as Record<string, unknown>;
        return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    });
}

/** Top-level input keys whose values differ (absent and null count as unset). */
export function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
    const set = (o: Record<string, unknown>, k: string) => (o[k] === undefined || o[k] === null ? undefined : o[k]);
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].filter((k) => canonical(set(before, k)) !== canonical(set(after, k))).sort();
}

export function networkAction(n: NetworkPlan, prior: Prior<RealisedNetwork> | undefined): RealiseAction {
    const base = { resourceName: n.resourceName, kind: "network" as const };
    if (!prior) return { ...base, action: "create" };
    const changed = changedKeys(prior.inputs, n.inputs);
    if (changed.length === 0) return { ...base, action: "same" };
    throw new Error(
        `network "${n.resourceName}": inputs changed (${changed.join(", ")}); replacing a network (and everything ` +
            "attached to it) is not modelled by the e2e realiser",
    );
}

export function containerAction(c: ContainerPlan, prior: Prior<RealisedContainer> | undefined): RealiseAction {
    const base = { resourceName: c.resourceName, kind: "container" as const };
    if (!prior) return { ...base, action: "create" };
    const changed = changedKeys(prior.inputs, c.inputs);
    if (changed.length === 0) return { ...base, action: "same" };
    const inPlace: readonly string[] = CONTAINER_KEYS_UPDATED_IN_PLACE;
    if (changed.every((k) => inPlace.includes(k))) {
        throw new Error(
            `container "${c.resourceName}": only ${changed.join(", ")} changed, which the provider updates in place; ` +
                "in-place updates are not modelled by the e2e realiser",
        );
    }
    return { ...base, action: "replace", order: c.deleteBeforeReplace ? "delete-first" : "create-first" };
}
