import * as pulumi from "@pulumi/pulumi";
import { resolveCredProxyTokenValues } from "../plan/resolveTokens";
import { tokenValueProblem } from "../plan/tokenValue";

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
    tokenEnvMap: Readonly<Record<string, string>>,
    tokenValues: Readonly<Record<string, pulumi.Input<string>>>,
    hostEnv: Readonly<Record<string, string | undefined>>,
): pulumi.Output<string>[] {
    const usedRefs = new Set(Object.values(tokenEnvMap));
    const stray = Object.keys(tokenValues).filter((ref) => !usedRefs.has(ref));
    if (stray.length > 0) {
        throw new Error(
            `tokenValues has ${stray.map((r) => `"${r}"`).join(", ")}, which no token entry names as TokenRef; ` +
                "fix the key or the manifest (a misspelt key would silently fall back to the host environment)",
        );
    }
    const fromHost: Record<string, string> = {};
    for (const [slot, ref] of Object.entries(tokenEnvMap)) {
        if (!Object.prototype.hasOwnProperty.call(tokenValues, ref)) {
            fromHost[slot] = ref;
        }
    }
    const hostValues = resolveCredProxyTokenValues(fromHost, hostEnv, { whenUnset: HOW_TO_SET });
    return Object.entries(tokenEnvMap).map(([slot, ref]) => {
        if (slot in hostValues) {
            return pulumi.secret(`${slot}=${hostValues[slot]}`);
        }
        const checked = pulumi.output(tokenValues[ref]).apply((value) => {
            const problem = typeof value === "string" ? tokenValueProblem(value) : "is not a string";
            if (problem !== undefined) {
                throw new Error(`tokenValues.${ref} (for ${slot}) ${problem}`);
            }
            return `${slot}=${value}`;
        });
        return pulumi.secret(checked);
    });
}
