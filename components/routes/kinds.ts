import type { ValidatedToken } from "../manifest/schema";
import type { RouteKind } from "../manifest/types";
import type { RouteAuthScheme } from "./types";

/** How a route presents its token upstream. */
export interface RouteAuth {
    scheme: RouteAuthScheme;
    /** The header, when not `Authorization`. */
    header?: string;
    /** The user of `Basic`. */
    user?: string;
}

/** A route whose upstream does not depend on the manifest. */
export interface FixedRoute {
    path: string;
    upstream: string;
    /** When the route's upstream takes the token otherwise than its kind's default. */
    auth?: RouteAuth;
}

/**
 * Routes of the kinds with fixed upstreams, in the order they are emitted. github's two routes
 * share one token: the REST API and git over HTTPS live on different hosts. github.com's git
 * endpoints refuse `Bearer` for a personal access token and take it as the password of HTTP
 * Basic (user `x-access-token`), unlike the design's table, which had `Bearer` for both
 * (docs/workflows.md, "Credentials").
 */
export const FIXED_ROUTES: Readonly<Record<Exclude<RouteKind, "gitea" | "http">, ReadonlyArray<FixedRoute>>> = {
    anthropic: [{ path: "/anthropic/", upstream: "https://api.anthropic.com" }],
    github: [
        { path: "/gh-api/", upstream: "https://api.github.com" },
        { path: "/gh-git/", upstream: "https://github.com", auth: { scheme: "Basic", user: "x-access-token" } },
    ],
    // What `npm config get registry` prints by default, without its trailing slash.
    npm: [{ path: "/npm/", upstream: "https://registry.npmjs.org" }],
};

/**
 * The Authorization scheme each kind's upstream accepts by default. Gitea mishandles `Bearer` for
 * some token types, so it gets its own `token` scheme.
 */
export const AUTH_SCHEMES: Readonly<Record<RouteKind, RouteAuthScheme>> = {
    anthropic: "Bearer",
    github: "Bearer",
    npm: "Bearer",
    gitea: "token",
    http: "Bearer",
};

/**
 * How an entry's route sends its token: the route's own rule, else what the entry asks for (an
 * Anthropic API key goes bare in `x-api-key`; an OAuth token, the default, as `Bearer`), else the
 * kind's default.
 */
export function routeAuth(token: ValidatedToken, route: FixedRoute | undefined): RouteAuth {
    if (route?.auth !== undefined) return route.auth;
    if (token.Kind === "anthropic" && token.Auth === "api-key") return { scheme: "none", header: "x-api-key" };
    if (token.Kind === "http") {
        // `Authorization` in any case is the default header: the routes file keeps its one spelling.
        const header = token.Header !== undefined && token.Header.toLowerCase() !== "authorization" ? token.Header : undefined;
        return {
            scheme: token.Scheme ?? AUTH_SCHEMES.http,
            ...(header !== undefined ? { header } : {}),
            ...(token.User !== undefined ? { user: token.User } : {}),
        };
    }
    return { scheme: AUTH_SCHEMES[token.Kind] };
}

/** The agent-facing path prefix of a gitea or http entry's route: `/<kind>/<host[:port]>/`. */
export function urlRoutePath(kind: "gitea" | "http", upstreamHost: string): string {
    return `/${kind}/${upstreamHost}/`;
}
