import type { CredProxyRoute } from "./types";

/** Two routes that share a token slot but name different host variables. */
export class TokenSlotConflictError extends Error {
    constructor(
        readonly slot: string,
        readonly first: { path: string; tokenRef: string },
        readonly second: { path: string; tokenRef: string },
    ) {
        super(
            `token slot ${slot} is claimed by two different TokenRefs: ${first.tokenRef} (route ${first.path}) ` +
                `and ${second.tokenRef} (route ${second.path}); routes sharing a slot must share one TokenRef`,
        );
        this.name = "TokenSlotConflictError";
    }
}

/**
 * The `{ slot: TokenRef }` map the deployment resolves values from: which host variable fills
 * which container variable. Routes that share a slot (github's two) must agree on the TokenRef.
 */
export function credProxyTokenEnvMap(routes: ReadonlyArray<CredProxyRoute>): Record<string, string> {
    const map: Record<string, string> = {};
    const owner = new Map<string, CredProxyRoute>();
    for (const route of routes) {
        const first = owner.get(route.tokenEnv);
        if (first === undefined) {
            owner.set(route.tokenEnv, route);
            map[route.tokenEnv] = route.tokenRef;
        } else if (first.tokenRef !== route.tokenRef) {
            throw new TokenSlotConflictError(route.tokenEnv, first, route);
        }
    }
    return map;
}
