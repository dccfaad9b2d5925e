import type { RouteKind } from "../manifest/types";
import type { RouteAuthScheme } from "./types";

/** A route whose upstream does not depend on the manifest. */
export interface FixedRoute {
    path: string;
    upstream: string;
}

/**
 * Routes of the kinds with fixed upstreams, in the order they are emitted. github's two routes
 * share one token: the REST API and git over HTTPS live on different hosts.
 */
export const FIXED_ROUTES: Readonly<Record<Exclude<RouteKind, "gitea">, ReadonlyArray<FixedRoute>>> = {
    anthropic: [{ path: "/anthropic/", upstream: "https://api.anthropic.com" }],
    github: [
        { path: "/gh-api/", upstream: "https://api.github.com" },
        { path: "/gh-git/", upstream: "https://github.com" },
    ],
    // What `npm config get registry` prints by default, without its trailing slash.
    npm: [{ path: "/npm/", upstream: "https://registry.npmjs.org" }],
};

/**
 * The Authorization scheme each kind's upstream accepts. Gitea mishandles `Bearer` for some token
 * types, so it gets its own `token` scheme. For github's git route, github.com also accepts
 * `Basic` with `x-access-token`; the design keeps `Bearer`, which is what is sent.
 */
export const AUTH_SCHEMES: Readonly<Record<RouteKind, RouteAuthScheme>> = {
    anthropic: "Bearer",
    github: "Bearer",
    npm: "Bearer",
    gitea: "token",
};

/** The agent-facing path prefix of a Gitea instance's route. */
export function giteaRoutePath(upstreamHost: string): string {
    return `/gitea/${upstreamHost}/`;
}
