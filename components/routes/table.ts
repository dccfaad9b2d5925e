import { tokenSlot, type AuthScheme } from "../../sidecar/contract";
import { parseGiteaUrl } from "../manifest/giteaUrl";
import type { Bottle, TokenKind } from "../manifest/schema";
import { AUTH_SCHEMES, FIXED_ROUTES, giteaRoutePath, type FixedRoute } from "./kinds";

/** One route of the credential proxy: an agent-facing prefix bound to an upstream and a token. */
export interface CredProxyUpstream {
    kind: TokenKind;
    /** Agent-facing path prefix, starting and ending with `/`. */
    path: string;
    /** Absolute upstream base URL, no trailing `/`. */
    upstream: string;
    authScheme: AuthScheme;
    /** The slot: the environment variable that carries the token inside the proxy container. */
    tokenEnv: string;
    /** The host environment variable that holds the token at deploy time. */
    tokenRef: string;
}

/**
 * Lifts a validated bottle's tokens into the proxy's route table, in manifest order. Entry `i`
 * owns slot `CRED_PROXY_TOKEN_<i>` whatever its kind, so slots stay stable when kinds change.
 */
export function credProxyUpstreams(bottle: Bottle): CredProxyUpstream[] {
    return bottle.tokens.flatMap((entry, i) => {
        const base = { kind: entry.Kind, authScheme: AUTH_SCHEMES[entry.Kind], tokenEnv: tokenSlot(i), tokenRef: entry.TokenRef };
        return routesOf(entry.Kind, entry.Url, i).map((route) => ({ ...base, path: route.path, upstream: route.upstream }));
    });
}

function routesOf(kind: TokenKind, url: string | undefined, index: number): ReadonlyArray<FixedRoute> {
    if (kind !== "gitea") {
        return FIXED_ROUTES[kind];
    }
    const target = url === undefined ? { error: "is required" } : parseGiteaUrl(url);
    if ("error" in target) {
        // Only reachable with a hand-built Bottle: parseBottleManifest rejects these first.
        throw new Error(`tokens[${index}].Url ${target.error}; validate the manifest with parseBottleManifest`);
    }
    return [{ path: giteaRoutePath(target.upstreamHost), upstream: target.upstream }];
}
