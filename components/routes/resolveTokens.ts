import { tokenValueProblem } from "../../sidecar/tokenValue";

/** One token that could not be resolved, named by slot and host variable, never by value. */
export interface TokenProblem {
    slot: string;
    tokenRef: string;
    message: string;
}

/** Token values that cannot be used. Lists every problem at once; never contains a value. */
export class TokenResolutionError extends Error {
    constructor(readonly problems: TokenProblem[]) {
        super(
            `Cannot resolve credential proxy tokens:\n${problems.map((p) => `  - ${p.tokenRef} (for ${p.slot}): ${p.message}`).join("\n")}`,
        );
        this.name = "TokenResolutionError";
    }
}

/**
 * Reads each slot's token from the host environment variable its TokenRef names. Unset, empty
 * and header-breaking values are errors; all of them are reported together.
 */
export function resolveCredProxyTokenValues(
    tokenEnvMap: Readonly<Record<string, string>>,
    hostEnv: Readonly<Record<string, string | undefined>>,
    options: { whenUnset?: (tokenRef: string) => string } = {},
): Record<string, string> {
    const whenUnset = options.whenUnset ?? ((ref: string) => `set ${ref} in the environment, or remove the token entry`);
    const values: Record<string, string> = {};
    const problems: TokenProblem[] = [];
    for (const [slot, tokenRef] of Object.entries(tokenEnvMap)) {
        const value = Object.prototype.hasOwnProperty.call(hostEnv, tokenRef) ? hostEnv[tokenRef] : undefined;
        if (value === undefined) {
            problems.push({ slot, tokenRef, message: `is not set; ${whenUnset(tokenRef)}` });
            continue;
        }
        const problem = tokenValueProblem(value);
        if (problem !== undefined) {
            problems.push({ slot, tokenRef, message: problem });
            continue;
        }
        values[slot] = value;
    }
    if (problems.length > 0) {
        throw new TokenResolutionError(problems);
    }
    return values;
}
