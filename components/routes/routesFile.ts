import type { RoutesFile } from "../../sidecar/contract";
import type { CredProxyRoute } from "./types";

/**
 * Renders the routes file the proxy reads at start: JSON with this exact key order, two-space
 * indentation and a final newline, so the uploaded content (and its diff) is byte-stable.
 * It names slots only: no token values and no TokenRef names.
 */
export function renderCredProxyRoutes(routes: ReadonlyArray<CredProxyRoute>): string {
    const file: RoutesFile = {
        routes: routes.map((u) => ({
            path: u.path,
            upstream: u.upstream,
            auth_scheme: u.authScheme,
            token_env: u.tokenEnv,
            ...(u.authHeader !== undefined ? { auth_header: u.authHeader } : {}),
            ...(u.authUser !== undefined ? { auth_user: u.authUser } : {}),
            ...(u.readOnly === true ? { access: "read-only" as const } : {}),
        })),
    };
    return `${JSON.stringify(file, null, 2)}\n`;
}
