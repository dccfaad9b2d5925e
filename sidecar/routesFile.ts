/**
 * Reading, validating and resolving the routes file.
 *
 * The routes file is written by the component, but the server treats it as untrusted input: a
 * typo must stop the start-up with one line naming the problem, never silently route a token to
 * the wrong place. Token values are read here and nowhere else; no message built in this file
 * ever contains a value.
 */
import { readFileSync } from "fs";
import { AuthScheme, DEFAULT_AUTH_HEADER, HEALTH_PATH, RouteAccess, TOKEN_SLOT_PREFIX } from "./contract";
import { basicUserProblem, credentialHeaderProblem } from "./credentialRules";
import { tokenValueProblem } from "./tokenValue";

/** A configuration problem; its message is the single line printed before exiting. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

/** Where a route forwards to, pre-digested for `http.request`. */
export interface Upstream {
    protocol: "http:" | "https:";
    /** Host name as `http.request` wants it (IPv6 without brackets). */
    hostname: string;
    port: number;
    /** Value for the `Host` header: `URL.host` (brackets kept, default port omitted). */
    host: string;
    /** The upstream's own path without its trailing `/`; "" for the root. */
    basePath: string;
    /** `protocol//host`: the key of the connection pool. */
    origin: string;
}

export interface RouteSpec {
    path: string;
    upstream: Upstream;
    authScheme: AuthScheme;
    tokenEnv: string;
    /** The header the token goes in, as written (`Authorization` unless the record names another). */
    authHeader: string;
    /** The user of a `Basic` route. */
    authUser?: string;
    /** Set for a route that forwards reads only. */
    access?: RouteAccess;
}

/** A route with its token value: only ever handed to the header builder. */
export interface Route extends RouteSpec {
    token: string;
    /** The value of `authHeader`, built once: `Bearer <token>`, `Basic <base64>`, the bare token... */
    credential: string;
    /**
     * A `Bearer` route to Anthropic's API, which takes an OAuth token only with the
     * `oauth-2025-04-20` beta: the header builder adds it to the agent's `anthropic-beta`.
     */
    anthropicOAuth: boolean;
}

const REQUIRED_KEYS = ["path", "upstream", "auth_scheme", "token_env"];
const OPTIONAL_KEYS = ["auth_header", "auth_user", "access"];
const ROUTE_KEYS = [...REQUIRED_KEYS, ...OPTIONAL_KEYS];
/** Anthropic's API: its OAuth beta and its credential prefixes. */
const ANTHROPIC_API_HOST = "api.anthropic.com";
export const ANTHROPIC_OAUTH_BETA = "oauth-2025-04-20";
// pchar without percent-encoding, plus "[" and "]" for IPv6 Gitea hosts (`/gitea/[::1]:3000/`):
// route prefixes are matched byte for byte, so they must have a single spelling.
const ROUTE_PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@[\]]+\/)+$/;
// Only the slot variables the component defines: a routes file must not be able to name PATH,
// HOME or any other variable of the container and have its value sent upstream.
const SLOT_NAME = new RegExp(`^${TOKEN_SLOT_PREFIX}(?:0|[1-9][0-9]{0,5})$`);
const SCHEMES: readonly AuthScheme[] = ["Bearer", "token", "Basic", "none"];

/** Reads and validates the routes file at `file`. */
export function readRoutesFile(file: string): RouteSpec[] {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "error";
        const why: Record<string, string> = {
            ENOENT: "does not exist",
            EACCES: "is not readable (permission denied)",
            EISDIR: "is a directory",
        };
        throw new ConfigError(`routes file ${JSON.stringify(file)} ${why[code] ?? `cannot be read (${code})`}`);
    }
    return parseRoutesFile(text, `routes file ${JSON.stringify(file)}`);
}

/** Validates routes-file text; `source` prefixes every error message. */
export function parseRoutesFile(text: string, source: string): RouteSpec[] {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        // JSON.parse messages quote the input; the file holds no secrets, but stay terse anyway.
        throw new ConfigError(`${source}: is not valid JSON`);
    }
    const fail = (where: string, what: string): never => {
        throw new ConfigError(`${source}: ${where}: ${what}`);
    };
    if (!isObject(doc)) return fail("top level", 'must be an object {"routes": [...]}');
    const extra = Object.keys(doc).filter((k) => k !== "routes");
    if (extra.length > 0) fail("top level", `unknown key ${JSON.stringify(extra[0])}`);
    if (!Array.isArray(doc.routes)) return fail("routes", "must be an array");
    if (doc.routes.length === 0) fail("routes", "is empty: a proxy without routes serves nothing");

    const seen = new Set<string>();
    return doc.routes.map((raw: unknown, i: number): RouteSpec => {
        const where = `routes[${i}]`;
        if (!isObject(raw)) return fail(where, "must be an object");
        const unknown = Object.keys(raw).find((k) => !ROUTE_KEYS.includes(k));
        if (unknown !== undefined) fail(where, `unknown key ${JSON.stringify(unknown)}`);
        for (const key of REQUIRED_KEYS) {
            if (typeof raw[key] !== "string") fail(`${where}.${key}`, "is missing or not a string");
        }
        for (const key of OPTIONAL_KEYS) {
            if (key in raw && typeof raw[key] !== "string") fail(`${where}.${key}`, "must be a string");
        }
        const path = raw.path as string;
        const problem = routePathProblem(path);
        if (problem) fail(`${where}.path`, `${JSON.stringify(path)} ${problem}`);
        if (seen.has(path)) fail(`${where}.path`, `${JSON.stringify(path)} is a duplicate`);
        seen.add(path);

        // The upstream value is never echoed: a mistaken one could carry a password.
        const upstream = parseUpstream(raw.upstream as string);
        if (typeof upstream === "string") return fail(`${where}.upstream`, upstream);

        const scheme = raw.auth_scheme as AuthScheme;
        if (!SCHEMES.includes(scheme)) fail(`${where}.auth_scheme`, 'must be "Bearer", "token", "Basic" or "none"');
        const tokenEnv = raw.token_env as string;
        if (!SLOT_NAME.test(tokenEnv)) {
            fail(`${where}.token_env`, `must be a token slot name like ${TOKEN_SLOT_PREFIX}0`);
        }
        const authHeader = (raw.auth_header as string | undefined) ?? DEFAULT_AUTH_HEADER;
        const headerProblem = credentialHeaderProblem(authHeader);
        if (headerProblem !== undefined) fail(`${where}.auth_header`, headerProblem);
        const authUser = raw.auth_user as string | undefined;
        if (scheme === "Basic" && authUser === undefined) fail(`${where}.auth_user`, 'is required with auth_scheme "Basic"');
        if (scheme !== "Basic" && authUser !== undefined) fail(`${where}.auth_user`, 'is only for auth_scheme "Basic"');
        const userProblem = authUser === undefined ? undefined : basicUserProblem(authUser);
        if (userProblem !== undefined) fail(`${where}.auth_user`, userProblem);
        const access = raw.access as string | undefined;
        if (access !== undefined && access !== "read-only") fail(`${where}.access`, 'must be "read-only" when present');
        return {
            path,
            upstream,
            authScheme: scheme,
            tokenEnv,
            authHeader,
            ...(authUser !== undefined ? { authUser } : {}),
            ...(access !== undefined ? { access: "read-only" as const } : {}),
        };
    });
}

function routePathProblem(path: string): string | undefined {
    if (!path.startsWith("/") || !path.endsWith("/") || path.length < 2) {
        return 'must start and end with "/" and name at least one segment';
    }
    if (!ROUTE_PATH.test(path)) {
        return "may only contain unencoded URL path characters in non-empty segments";
    }
    if (path.split("/").some((s) => s === "." || s === "..")) return 'must not contain "." or ".." segments';
    if (path.startsWith(`${HEALTH_PATH}/`)) return `must not shadow ${HEALTH_PATH}`;
    return undefined;
}

/** Returns the parsed upstream, or a problem description. */
export function parseUpstream(value: string): Upstream | string {
    // The WHATWG parser forgives "https:host", whitespace and backslashes; a routes file must not.
    if (!/^https?:\/\/[\x21-\x7e]+$/i.test(value) || value.includes("\\")) {
        return "must be an absolute http:// or https:// URL";
    }
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return "must be an absolute http:// or https:// URL";
    }
    if (url.username || url.password) return "must not contain user info";
    if (value.includes("?") || value.includes("#")) return "must not contain a query or fragment";
    if (!url.hostname) return "must name a host";
    const protocol = url.protocol as "http:" | "https:";
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    return {
        protocol,
        hostname,
        port: url.port ? Number(url.port) : protocol === "https:" ? 443 : 80,
        host: url.host,
        basePath: url.pathname.replace(/\/+$/, ""),
        origin: `${protocol}//${url.host}`,
    };
}

/** Attaches each route's token, read from its slot variable in `env`, and its credential. */
export function resolveTokens(specs: RouteSpec[], env: NodeJS.ProcessEnv): Route[] {
    return specs.map((spec) => {
        const value = env[spec.tokenEnv];
        const who = `token slot ${spec.tokenEnv} (route ${spec.path})`;
        if (value === undefined) throw new ConfigError(`${who} is not set`);
        // The component checks the same rule at deploy time; here it guards a hand-run server.
        const problem = tokenValueProblem(value);
        if (problem !== undefined) throw new ConfigError(`${who} ${problem}`);
        const anthropic = spec.upstream.hostname.toLowerCase() === ANTHROPIC_API_HOST;
        const anthropicOAuth = anthropic && spec.authScheme === "Bearer" && spec.authHeader.toLowerCase() === "authorization";
        const mismatch = anthropic ? anthropicMismatch(value, anthropicOAuth) : undefined;
        if (mismatch !== undefined) throw new ConfigError(`${who} ${mismatch}`);
        return { ...spec, token: value, credential: credentialOf(spec, value), anthropicOAuth };
    });
}

function credentialOf(spec: RouteSpec, token: string): string {
    switch (spec.authScheme) {
        case "Basic":
            return `Basic ${Buffer.from(`${spec.authUser}:${token}`, "latin1").toString("base64")}`;
        case "none":
            return token;
        default:
            return `${spec.authScheme} ${token}`;
    }
}

/**
 * Why a token cannot work with the way its Anthropic route sends it, by its well-known prefix
 * (the prefix is Anthropic's, not part of the secret): found at start, `pulumi up` fails on the
 * health wait instead of the agent failing on every request later.
 */
function anthropicMismatch(token: string, oauth: boolean): string | undefined {
    if (oauth && token.startsWith("sk-ant-api")) {
        return (
            "holds an Anthropic API key (sk-ant-api...), which api.anthropic.com accepts only in x-api-key, " +
            "but the route sends it as an OAuth token: set Auth: api-key on its anthropic manifest entry"
        );
    }
    if (!oauth && token.startsWith("sk-ant-oat")) {
        return (
            "holds an Anthropic OAuth token (sk-ant-oat...), which api.anthropic.com accepts only as " +
            "Authorization: Bearer, but the route sends it as an API key: set Auth: oauth (the default) on its anthropic manifest entry"
        );
    }
    return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
