import { tokenSlot } from "../../sidecar/contract";
import type { ValidatedManifest, ValidatedToken } from "../manifest/schema";
import { FIXED_ROUTES, routeAuth, urlRoutePath, type FixedRoute } from "./kinds";
import type { CredProxyRoute } from "./types";

/**
 * Lifts a validated manifest's tokens into the proxy's route table, in manifest order. Entry `i`
 * owns slot `CRED_PROXY_TOKEN_<i>` whatever its kind, so slots stay stable when kinds change.
 */
export function credProxyRoutes(manifest: ValidatedManifest): CredProxyRoute[] {
    return manifest.tokens.flatMap((token, i) =>
        targetsOf(token).map((route): CredProxyRoute => {
            const auth = routeAuth(token, route);
            return {
                kind: token.Kind,
                path: route.path,
                upstream: route.upstream,
                authScheme: auth.scheme,
                tokenEnv: tokenSlot(i),
                tokenRef: token.TokenRef,
                ...(auth.header !== undefined ? { authHeader: auth.header } : {}),
                ...(auth.user !== undefined ? { authUser: auth.user } : {}),
                ...(token.Access === "read-only" ? { readOnly: true } : {}),
            };
        }),
    );
}

function targetsOf(token: ValidatedToken): ReadonlyArray<FixedRoute> {
    if (token.Kind === "gitea" || token.Kind === "http") {
        return [{ path: urlRoutePath(token.Kind, token.target.upstreamHost), upstream: token.target.upstream }];
    }
    return FIXED_ROUTES[token.Kind];
}
