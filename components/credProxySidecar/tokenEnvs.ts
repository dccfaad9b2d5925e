import * as pulumi from "@pulumi/pulumi";
import { tokenSlotIndex } from "../../sidecar/contract";
import { resolveCredProxyTokenValues, TokenResolutionError } from "../routes/resolveTokens";
import { tokenValueProblem } from "../../sidecar/tokenValue";
import { CredProxySidecarArgsError } from "./validatedArgs";

/** How a TokenRef with no value anywhere can be given one; said in every "not set" error. */
const HOW_TO_SET = (ref: string) =>
    `set ${ref} in the deploying environment, or pass it as a Pulumi secret ` +
    `(tokenValues.${ref}, e.g. from \`pulumi config set --secret\`), or remove the token entry`;

/**
 * Builds the container's `envs`: one `CRED_PROXY_TOKEN_<i>=<value>` per slot, each a Pulumi
 * secret. A value comes from `tokenValues[TokenRef]` when given, else from the host environment.
 * Host values are checked now, so a missing one fails before anything is declared; values that
 * are still outputs (config secrets) are checked when they resolve, and the error never holds them.
 */
export function tokenEnvs(
    resourceName: string,
    tokenEnvMap: Readonly<Record<string, string>>,
    tokenValues: Readonly<Record<string, pulumi.Input<string>>>,
    hostEnv: Readonly<Record<string, string | undefined>>,
): pulumi.Output<string>[] {
    const usedRefs = new Set(Object.values(tokenEnvMap));
    const stray = Object.keys(tokenValues).filter((ref) => !usedRefs.has(ref));
    if (stray.length > 0) {
        throw new CredProxySidecarArgsError(
            resourceName,
            stray.map((ref) => ({
                path: `tokenValues.${ref}`,
                message:
                    "no token entry has this TokenRef; fix the key or the manifest (a misspelt key would fall back to the host environment)",
            })),
        );
    }
    const fromHost: Record<string, string> = {};
    for (const [slot, ref] of Object.entries(tokenEnvMap)) {
        if (!Object.prototype.hasOwnProperty.call(tokenValues, ref)) {
            fromHost[slot] = ref;
        }
    }
    const hostValues = resolveFromHost(resourceName, fromHost, hostEnv);
    return Object.entries(tokenEnvMap).map(([slot, ref]) => {
        if (slot in hostValues) {
            return pulumi.secret(`${slot}=${hostValues[slot]}`);
        }
        const checked = pulumi.output(tokenValues[ref]).apply((value) => slotAssignment(resourceName, ref, slot, value));
        return pulumi.secret(checked);
    });
}

/** Host-environment values; problems are reported at the TokenRef of the entry owning the slot. */
function resolveFromHost(
    resourceName: string,
    map: Record<string, string>,
    hostEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
    try {
        return resolveCredProxyTokenValues(map, hostEnv, { whenUnset: HOW_TO_SET });
    } catch (err) {
        if (!(err instanceof TokenResolutionError)) {
            throw err;
        }
        throw new CredProxySidecarArgsError(
            resourceName,
            err.problems.map((p) => ({
                path: `bottle.tokens[${tokenSlotIndex(p.slot)}].TokenRef`,
                message: `${p.tokenRef} (for ${p.slot}) ${p.message}`,
            })),
        );
    }
}

/**
 * `<slot>=<value>` for a value that resolved from an output (a config secret), or a `RunError`
 * naming the TokenRef and slot when it cannot be injected. Runs at deploy time, inside an apply.
 */
export function slotAssignment(resourceName: string, ref: string, slot: string, value: unknown): string {
    const problem = typeof value === "string" ? tokenValueProblem(value) : "is not a string";
    if (problem !== undefined) {
        throw new pulumi.RunError(`CredProxySidecar "${resourceName}": tokenValues.${ref} (for ${slot}) ${problem}`);
    }
    return `${slot}=${value}`;
}
