/**
 * Server configuration from the environment and command-line flags.
 *
 * Flags win over environment variables so that the component can keep non-secret settings in
 * the container's command (its `envs` list holds only secrets: components/credProxySidecar/tokenEnvs.ts). Every problem is
 * a `ConfigError` whose message is printed as the single start-up error line.
 */
import { DEFAULT_PORT, DEFAULT_ROUTES_PATH, ENV_HOST, ENV_PORT, ENV_ROUTES } from "./contract";
import { containerMemoryLimit } from "./memory";
import { ConfigError, Route, readRoutesFile, resolveTokens } from "./routesFile";

export { ConfigError };

/** Environment variables for the timeouts (not in contract.ts: only the server reads them). */
export const ENV_CONNECT_TIMEOUT = "CRED_PROXY_CONNECT_TIMEOUT_MS";
export const ENV_HEADERS_TIMEOUT = "CRED_PROXY_HEADERS_TIMEOUT_MS";
export const ENV_DRAIN_TIMEOUT = "CRED_PROXY_DRAIN_TIMEOUT_MS";
export const ENV_AGENT_TIMEOUT = "CRED_PROXY_AGENT_TIMEOUT_MS";
export const ENV_MAX_CONNECTIONS = "CRED_PROXY_MAX_CONNECTIONS";

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
// Long enough for a non-streaming model call (the Anthropic SDK itself waits 10 minutes) or a
// server-side git repack; streamed bodies have no limit once headers have arrived.
export const DEFAULT_HEADERS_TIMEOUT_MS = 600_000;
// Below Docker's default 10 s stop grace period, so we exit before being killed.
export const DEFAULT_DRAIN_TIMEOUT_MS = 8_000;
// nginx's client_body_timeout and send_timeout: a stalled agent holds buffers and an upstream
// request, a slow one that keeps moving is never cut.
export const DEFAULT_AGENT_TIMEOUT_MS = 60_000;
/**
 * Agent connections allowed at once unless configured: what the container's memory holds with
 * every connection at its worst (a small body read whole holds 64 KiB, waiting pipelined requests
 * their headers; about 80 KiB each was measured, 160 are budgeted) above the server's own ~64 MiB.
 * The default 256 MiB container gets the ceiling of 1,024; test/sidecar/availability.test.ts
 * floods that.
 */
export function defaultMaxConnections(memoryLimit: number | undefined): number {
    const ceiling = 1_024;
    if (memoryLimit === undefined) return ceiling;
    const budget = Math.floor((memoryLimit - 64 * 1024 * 1024) / (160 * 1024));
    return Math.max(16, Math.min(ceiling, budget));
}

/** Everything the server needs; `startServer` takes it directly. */
export interface ProxyConfig {
    /** Bind address; undefined listens on all addresses. */
    host: string | undefined;
    /** 0 picks a free port (tests). */
    port: number;
    routes: Route[];
    /** Time allowed for DNS, TCP connect and TLS handshake to an upstream. */
    connectTimeoutMs: number;
    /** Time from the end of the request body to the upstream's response headers. */
    headersTimeoutMs: number;
    /** Bound on waiting for in-flight requests after SIGTERM. */
    drainTimeoutMs: number;
    /** How long an agent may stop sending a request body, or stop reading a response. */
    agentTimeoutMs: number;
    /** Agent connections open at once; more are answered 503 and closed. */
    maxConnections: number;
    /** After this long without a 100 from the upstream, tell the agent to send its body anyway. */
    expectContinueTimeoutMs: number;
}

interface FlagSpec {
    env: string;
    key: "routes" | "port" | "host" | "connect" | "headers" | "drain" | "agent" | "connections";
}

const FLAGS: Record<string, FlagSpec> = {
    "--routes": { env: ENV_ROUTES, key: "routes" },
    "--port": { env: ENV_PORT, key: "port" },
    "--host": { env: ENV_HOST, key: "host" },
    "--connect-timeout-ms": { env: ENV_CONNECT_TIMEOUT, key: "connect" },
    "--headers-timeout-ms": { env: ENV_HEADERS_TIMEOUT, key: "headers" },
    "--drain-timeout-ms": { env: ENV_DRAIN_TIMEOUT, key: "drain" },
    "--agent-timeout-ms": { env: ENV_AGENT_TIMEOUT, key: "agent" },
    "--max-connections": { env: ENV_MAX_CONNECTIONS, key: "connections" },
};

export const USAGE = [
    "usage: cred-proxy-server [--routes FILE] [--port N] [--host ADDR]",
    "       [--connect-timeout-ms N] [--headers-timeout-ms N] [--drain-timeout-ms N]",
    "       [--agent-timeout-ms N] [--max-connections N]",
    `Each flag may instead come from its environment variable (${Object.values(FLAGS)
        .map((f) => f.env)
        .join(", ")}).`,
    `Defaults: routes ${DEFAULT_ROUTES_PATH}, port ${DEFAULT_PORT}, all addresses, agent timeout ${DEFAULT_AGENT_TIMEOUT_MS} ms,`,
    "max connections from the container's memory limit (1,024 for 256 MiB or more).",
].join("\n");

/** Raw setting values: flags override the environment. Throws on unknown or incomplete flags. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Partial<Record<FlagSpec["key"], string>> {
    const out: Partial<Record<FlagSpec["key"], string>> = {};
    for (const spec of Object.values(FLAGS)) {
        const v = env[spec.env];
        if (v !== undefined && v !== "") out[spec.key] = v;
    }
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const eq = arg.indexOf("=");
        const name = eq === -1 ? arg : arg.slice(0, eq);
        const spec = FLAGS[name];
        if (!spec) throw new ConfigError(`unknown argument ${JSON.stringify(arg)} (try --help)`);
        const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
        if (value === undefined || value === "") throw new ConfigError(`flag ${name} needs a value`);
        out[spec.key] = value;
    }
    return out;
}

/**
 * Builds the full configuration: settings, routes file, token values. `memoryLimit` (the
 * container's, read from its cgroup by default) sizes the default connection limit.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv, memoryLimit: number | undefined = containerMemoryLimit()): ProxyConfig {
    const raw = parseArgs(argv, env);
    const host = raw.host;
    if (host !== undefined && !/^[\x21-\x7e]+$/.test(host)) {
        throw new ConfigError("host must be an address or host name without spaces");
    }
    const port = raw.port === undefined ? DEFAULT_PORT : integer(raw.port, "port", 0, 65535);
    const specs = readRoutesFile(raw.routes ?? DEFAULT_ROUTES_PATH);
    return {
        host,
        port,
        routes: resolveTokens(specs, env),
        connectTimeoutMs: duration(raw.connect, "connect timeout", DEFAULT_CONNECT_TIMEOUT_MS),
        headersTimeoutMs: duration(raw.headers, "headers timeout", DEFAULT_HEADERS_TIMEOUT_MS),
        drainTimeoutMs: duration(raw.drain, "drain timeout", DEFAULT_DRAIN_TIMEOUT_MS),
        agentTimeoutMs: duration(raw.agent, "agent timeout", DEFAULT_AGENT_TIMEOUT_MS),
        maxConnections:
            raw.connections === undefined ? defaultMaxConnections(memoryLimit) : integer(raw.connections, "max connections", 1, 1_000_000),
        expectContinueTimeoutMs: 1_000,
    };
}

function duration(value: string | undefined, what: string, fallback: number): number {
    // setTimeout's ceiling: beyond it Node fires after 1 ms.
    return value === undefined ? fallback : integer(value, what, 1, 2_147_483_647);
}

function integer(value: string, what: string, min: number, max: number): number {
    const n = /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max)) {
        throw new ConfigError(`${what} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
    }
    return n;
}
