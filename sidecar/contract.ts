/**
 * The contract between the CredProxySidecar component and the sidecar server it runs.
 *
 * Both sides import these values, so the image, the server and the declared container can never
 * disagree about where the routes file lives, which port is served or which user runs the process.
 * `sidecar/Dockerfile` cannot import TypeScript; a test pins its USER, EXPOSE and HEALTHCHECK to
 * the values here.
 */

/** Port the server listens on inside the container. */
export const DEFAULT_PORT = 8080;

/** Where the component uploads the routes file and where the server reads it by default. */
export const DEFAULT_ROUTES_PATH = "/etc/cred-proxy/routes.json";

/** Numeric, non-root user and group the server runs as (a name would need /etc/passwd lookups). */
export const PROXY_UID = 10001;
export const PROXY_GID = 10001;

/**
 * The packages the server needs besides Node's built-ins. The image copies each from
 * node_modules (sidecar/Dockerfile); test/sidecar/dockerfile.test.ts holds the server's imports,
 * the Dockerfile and package.json's dependencies to this list.
 */
export const RUNTIME_PACKAGES: readonly string[] = ["undici"];

/** Health endpoint; answered locally, never forwarded. */
export const HEALTH_PATH = "/healthz";

/** The health probe in the image (sidecar/healthcheck.ts, compiled), run with node. */
export const HEALTH_PROBE = "/app/sidecar/healthcheck.js";
/** How long a probe stays once the container has been healthy: one exec per hold. */
export const HEALTH_HOLD_MS = 300_000;
/** How often a staying probe checks: a hung or dead server is reported within this. */
export const HEALTH_WATCH_MS = 30_000;
/**
 * Docker's settings for the probe, in the image and in the declared container alike: a short
 * interval, so the first probe comes half a second after the start (and, while the server is
 * still starting, the next one half a second later), and a timeout that lets a probe stay its
 * hold (healthcheck.ts says why).
 */
export const HEALTH_CHECK = {
    intervalS: 0.5,
    timeoutS: (HEALTH_HOLD_MS + HEALTH_WATCH_MS) / 1000,
    retries: 3,
    startPeriodS: 5,
} as const;

/** Network alias under which agents reach the proxy on the bottle's internal network. */
export const PROXY_ALIAS = "cred-proxy";

/** Prefix of the environment variables that carry token values inside the proxy container. */
export const TOKEN_SLOT_PREFIX = "CRED_PROXY_TOKEN_";

/** Environment variables the server reads its configuration from. */
export const ENV_ROUTES = "CRED_PROXY_ROUTES";
export const ENV_PORT = "CRED_PROXY_PORT";
export const ENV_HOST = "CRED_PROXY_HOST";

/**
 * How a route presents its token: `<scheme> <token>` in its header for `Bearer` and `token`
 * (Gitea's), `Basic base64(<user>:<token>)` for `Basic`, the bare token for `none` (a header such
 * as `x-api-key` or `PRIVATE-TOKEN` that takes the token itself).
 */
export type AuthScheme = "Bearer" | "token" | "Basic" | "none";

/** The header a route's token goes in unless its record names another. */
export const DEFAULT_AUTH_HEADER = "Authorization";

/**
 * One route as written in the routes file (snake_case keys are the on-disk format). The optional
 * keys appear only when they differ from their defaults, so a route that needs none of them is
 * written exactly as before they existed.
 */
export interface RoutesFileRoute {
    path: string;
    upstream: string;
    auth_scheme: AuthScheme;
    token_env: string;
    /** The header the token goes in; default `Authorization`. */
    auth_header?: string;
    /** The user of `Basic`; required with it, refused otherwise. */
    auth_user?: string;
    /** `read-only`: the route forwards reads and git fetches only. Absent: everything. */
    access?: RouteAccess;
}

/** What a route lets through besides the default of everything (see `readOnlyRefusal` in the server). */
export type RouteAccess = "read-only";

/** The routes file: the only configuration the server needs besides token slots. */
export interface RoutesFile {
    routes: RoutesFileRoute[];
}

/** The slot name for the token entry at `index` (0-based, manifest order). */
export function tokenSlot(index: number): string {
    return `${TOKEN_SLOT_PREFIX}${index}`;
}

/** The token entry index a slot name carries: `CRED_PROXY_TOKEN_3` is entry 3. */
export function tokenSlotIndex(slot: string): number {
    return Number(slot.slice(TOKEN_SLOT_PREFIX.length));
}
