import { tokenSlot } from "../../sidecar/contract";
import type { ValidatedManifest, ValidatedToken } from "../manifest/schema";
import { AUTH_SCHEMES, FIXED_ROUTES, giteaRoutePath, type FixedRoute } from "./kinds";
import type { CredProxyRoute } from "./types";

/**
 * Lifts a validated manifest's tokens into the proxy's route table, in manifest order. Entry `i`
 * owns slot `CRED_PROXY_TOKEN_<i>` whatever its kind, so slots stay stable when kinds change.
 */
export function credProxyRoutes(manifest: ValidatedManifest): CredProxyRoute[] {
    return manifest.tokens.flatMap((token, i) => {
        const base = { kind: token.Kind, authScheme: AUTH_SCHEMES[token.Kind], tokenEnv: tokenSlot(i), tokenRef: token.TokenRef };
        return targetsOf(token).map((route) => ({ ...base, path: route.path, upstream: route.upstream }));
    });
}

function targetsOf(token: ValidatedToken): ReadonlyArray<FixedRoute> {
    if (token.Kind === "gitea") {
        return [{ path: giteaRoutePath(token.target.upstreamHost), upstream: token.target.upstream }];
    }
    return FIXED_ROUTES[token.Kind];
}
