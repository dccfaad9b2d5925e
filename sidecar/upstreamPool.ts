/**
 * Keep-alive connection pools to the upstreams, one set per origin.
 *
 * Two clients share the work (see Exchange.start): undici's `Pool` carries every request whose body is
 * absent or small enough to be sent whole, which is nearly all API traffic; Node's own http
 * client carries streamed uploads and `Expect: 100-continue`, which undici cannot relay.
 */
import http from "http";
import https from "https";
import type { Pool as UndiciPool } from "undici";
import { useBaselineWasmCompiler } from "./memory";
import { Upstream } from "./routesFile";

/**
 * undici's Pool alone: the package's index also loads fetch, WebSocket, caches and more, about
 * 10 MB of resident memory the server has no use for. The path is undici's own file layout, not
 * its public entry point, so package.json pins undici exactly; the sidecar tests exercise it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Pool = require("undici/lib/dispatcher/pool") as typeof UndiciPool;
type Pool = UndiciPool;

/** The timeouts a pool enforces itself. */
export interface PoolTimeouts {
    connectTimeoutMs: number;
    headersTimeoutMs: number;
}

// Idle pooled connections are dropped after this long: servers close theirs after a few
// seconds, and reusing a connection the server is closing fails the request.
const IDLE_CONNECTION_MS = 4_000;

/**
 * Connections each pool opens to one origin at most; further requests wait for one to be free.
 * Each holds buffers and parser state (undici's about 150 kB under load), so without a bound
 * the agent's concurrency would set the proxy's memory. A bottle's agent runs a handful of
 * requests at once; 64 long model streams per origin are far beyond that.
 */
export const MAX_CONNECTIONS_PER_ORIGIN = 64;

export class UpstreamPool {
    private readonly agents = new Map<string, http.Agent>();
    private readonly pools = new Map<string, Pool>();

    constructor(private readonly timeouts: PoolTimeouts) {
        useBaselineWasmCompiler();
    }

    /** Node's http(s) agent for `upstream`: streamed uploads and 100-continue. */
    agentFor(upstream: Upstream): http.Agent {
        let agent = this.agents.get(upstream.origin);
        if (!agent) {
            const options = {
                keepAlive: true,
                timeout: IDLE_CONNECTION_MS,
                scheduling: "lifo" as const,
                maxSockets: MAX_CONNECTIONS_PER_ORIGIN,
            };
            // rejectUnauthorized is set explicitly so that NODE_TLS_REJECT_UNAUTHORIZED=0 in the
            // environment cannot switch verification off. CAs: Node's bundle plus NODE_EXTRA_CA_CERTS.
            agent = upstream.protocol === "https:" ? new https.Agent({ ...options, rejectUnauthorized: true }) : new http.Agent(options);
            this.agents.set(upstream.origin, agent);
        }
        return agent;
    }

    /** undici's pool for `upstream`: requests sent whole. */
    poolFor(upstream: Upstream): Pool {
        let pool = this.pools.get(upstream.origin);
        if (!pool) {
            pool = new Pool(upstream.origin, {
                // The connect timeout covers DNS, TCP and the TLS handshake. Same CA rule as above.
                connect: { timeout: this.timeouts.connectTimeoutMs, rejectUnauthorized: true },
                // From the request written (whole, body included) to the response's headers.
                headersTimeout: this.timeouts.headersTimeoutMs,
                // No limit between body chunks: a model stream may pause for as long as it likes.
                bodyTimeout: 0,
                keepAliveTimeout: IDLE_CONNECTION_MS,
                keepAliveMaxTimeout: IDLE_CONNECTION_MS,
                pipelining: 1,
                connections: MAX_CONNECTIONS_PER_ORIGIN,
            });
            this.pools.set(upstream.origin, pool);
        }
        return pool;
    }

    destroy(): void {
        for (const agent of this.agents.values()) agent.destroy();
        this.agents.clear();
        for (const pool of this.pools.values()) void pool.destroy().catch(() => undefined);
        this.pools.clear();
    }
}
