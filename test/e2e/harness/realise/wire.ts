/**
 * Pulumi's wire format as the mock runtime hands it over: resource types the realiser knows, the
 * labels it puts on what it creates, secret unwrapping, and refusing values that are still
 * unresolved (unknowns, assets, resource references).
 */

export const NETWORK_TYPE = "docker:index/network:Network";
export const CONTAINER_TYPE = "docker:index/container:Container";

/** Labels on everything the harness creates. */
export const RUN_LABEL = "cred-proxy.e2e.run";
export const PID_LABEL = "cred-proxy.e2e.pid";
export const HOST_LABEL = "cred-proxy.e2e.host";
export const RESOURCE_LABEL = "cred-proxy.e2e.resource";

/** Pulumi's wire signatures. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A resource as the program registered it under the mock runtime. */
export interface RegisteredResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** The id the mock's newResource returned, if any. */
    id?: string;
    /** The `deleteBeforeReplace` resource option (decides the order of a replacement). */
    deleteBeforeReplace?: boolean;
}

/** Replace every `{ <sig>: <secret sig>, value: X }` by X, recursively. */
export function unwrapSecrets(x: unknown): unknown {
    if (Array.isArray(x)) return x.map(unwrapSecrets);
    if (x !== null && typeof x === "object") {
        const o = x as Record<string, unknown>;
        if (o[SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(o)) out[k] = unwrapSecrets(v);
        return out;
    }
    return x;
}

/** Reject anything that is still a Pulumi wire value (asset, resource reference, unknown). */
export function assertPlain(where: string, x: unknown): void {
    if (x === UNKNOWN_VALUE) throw new Error(`${where}: value is unknown (computed during preview)`);
    if (Array.isArray(x)) {
        x.forEach((e, i) => assertPlain(`${where}[${i}]`, e));
    } else if (x !== null && typeof x === "object") {
        const o = x as Record<string, unknown>;
        if (SIG_KEY in o) throw new Error(`${where}: Pulumi special value ${JSON.stringify(o[SIG_KEY])} is not supported`);
        for (const [k, v] of Object.entries(o)) assertPlain(`${where}.${k}`, v);
    }
}
