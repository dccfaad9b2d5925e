/**
 * The HTTP server: connections, request triage, the health endpoint, refusals and graceful
 * shutdown.
 *
 * Everything that can be refused is refused here, before an upstream is chosen, let alone
 * contacted. Requests that pass become exchanges (exchange.ts), run in order by their agent
 * connection (agentConnection.ts).
 */
import http, { IncomingMessage, ServerResponse } from "http";
import { AddressInfo, Socket } from "net";
import { AgentConnection } from "./agentConnection";
import { AccessRecord, Logger, errorCode, logEvent, processLogger } from "./accessLog";
import { ProxyConfig } from "./config";
import { HEALTH_PATH } from "./contract";
import { Exchange } from "./exchange";
import type { ExchangeContext } from "./transport";
import { TokenMatcher, requestHeaderFacts } from "./headers";
import { sendError, sendHealth, sendRawError } from "./responses";
import { RouteTable, checkTarget, readOnlyRefusal } from "./routing";
import { StallWatch } from "./stallWatch";
import { UpstreamPool } from "./upstreamPool";

/** Methods worth forwarding. TRACE is excluded on purpose: it echoes the injected token back. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const ALLOW = [...METHODS].join(", ");

export interface ProxyServer {
    server: http.Server;
    /**
     * Stops accepting, waits for in-flight requests (at most `drainTimeoutMs`), then closes.
     * `{ now: true }` (a second stop signal) cuts what is still in flight at once.
     */
    shutdown(options?: { now?: boolean }): Promise<void>;
}

export interface RunningServer extends ProxyServer {
    address: string;
    port: number;
}

type SocketWithResponse = Socket & { _httpMessage?: ServerResponse };

export function createProxyServer(config: ProxyConfig, logger: Logger = processLogger): ProxyServer {
    const table = new RouteTable(config.routes);
    const pool = new UpstreamPool(config);
    const stalls = new StallWatch(config.agentTimeoutMs);
    let closing = false;
    const inFlight = new Set<Exchange>();
    let connections = 0;
    let limitLoggedAt = 0;
    // While shutting down: what to do once the last exchange has ended.
    let whenIdle: (() => void) | undefined;
    const ctx: ExchangeContext = {
        ...config,
        pool,
        logger,
        stalls,
        tokens: TokenMatcher.forRoutes(config.routes),
        credentialHeaders: new Set(config.routes.map((r) => r.authHeader.toLowerCase())),
        closing: () => closing,
    };

    const server = http.createServer({
        // No limit on the whole request: multi-GB uploads are legitimate. Headers must still
        // arrive promptly; a body that stops arriving is the stall sweep's.
        requestTimeout: 0,
        headersTimeout: 60_000,
        insecureHTTPParser: false,
        noDelay: true,
    });

    let unguardedLogged = false;
    server.on("connection", (socket: Socket) => {
        const conn = new AgentConnection(socket, logger);
        if (!conn.guarded && !unguardedLogged) {
            unguardedLogged = true;
            logEvent(logger, "this Node.js parser cannot be stopped early: pipelined floods cost more memory");
        }
        connections++;
        socket.once("close", () => connections--);
        if (connections > config.maxConnections) {
            // Answered rather than dropped, cheaply: nothing on this socket is read or forwarded.
            conn.closeAfterResponse();
            sendRawError(socket, 503, "service_unavailable", "too many connections to the proxy");
            if (Date.now() - limitLoggedAt > 1_000) {
                limitLoggedAt = Date.now();
                logEvent(logger, `connection limit (${config.maxConnections}) reached: new connections get 503`);
            }
        }
    });

    const handle = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void => {
        const conn = AgentConnection.of(req.socket);
        if (!conn?.admit(res)) {
            // Unanswered, but its body is read and dropped: left unread, it would turn the close
            // into a reset that can destroy the answer the agent was already sent.
            req.resume();
            return;
        }
        const check = checkTarget(req.url ?? "");
        if (check.ok && check.path === HEALTH_PATH) {
            if (req.method === "GET" || req.method === "HEAD") return sendHealth(res, closing);
            conn.closeAfterResponse();
            return sendError(res, 405, "method_not_allowed", "use GET", { Allow: "GET, HEAD" });
        }
        const x = new Exchange(ctx, req, res, expectContinue, (ended) => {
            inFlight.delete(ended);
            conn.ended(ended);
            if (closing) {
                server.closeIdleConnections();
                if (inFlight.size === 0) whenIdle?.();
            }
        });
        inFlight.add(x);
        conn.track(x);
        const refuse = (status: number, type: Parameters<Exchange["refuse"]>[1], message: string, reason: string) => {
            // The refusal closes the connection; whatever the agent pipelined after it is not read.
            conn.closeAfterResponse();
            x.refuse(status, type, message, reason, status === 405 ? { Allow: ALLOW } : {});
        };

        // One pass over the raw headers; `req.headers` is never built.
        const facts = requestHeaderFacts(req.rawHeaders);
        if (facts.framing) return refuse(400, "bad_request", `ambiguous message length: ${facts.framing}`, "framing");
        if (!check.ok) return refuse(400, "bad_request", check.reason, check.refusal);
        if (facts.upgrade) {
            return refuse(501, "upgrade_not_supported", "protocol upgrades are not supported", "upgrade");
        }
        if (!METHODS.has(req.method ?? "")) return refuse(405, "method_not_allowed", "method not allowed", "method");
        if (closing) return refuse(503, "service_unavailable", "the proxy is shutting down", "closing");
        const match = table.match(check.path, check.query);
        if (!match) return refuse(404, "not_found", "no route for this path", "no_route");

        x.route(match, facts);
        if (match.route.access === "read-only") {
            // Logged under its route: which route refused is what the operator looks for.
            const why = readOnlyRefusal(req.method ?? "", check.path, check.query);
            if (why !== undefined) return refuse(403, "forbidden", why, "read_only");
        }
        conn.run(x);
    };

    server.on("request", (req, res) => handle(req, res, false));
    // Node answers 100 itself unless asked; we relay the upstream's decision instead.
    server.on("checkContinue", (req, res) => handle(req, res, true));
    // Without a listener Node drops CONNECT silently; say why instead. The socket keeps the error
    // listener its AgentConnection gave it at accept.
    server.on("connect", (_req: IncomingMessage, socket: Socket) => {
        AgentConnection.of(socket)?.closeAfterResponse();
        const rec = new AccessRecord(logger, "CONNECT");
        rec.mark("refused", "connect");
        rec.write(405);
        sendRawError(socket, 405, "method_not_allowed", "CONNECT is not supported: this is not a forward proxy");
    });
    server.on("clientError", (err: NodeJS.ErrnoException, socket: SocketWithResponse) => {
        const code = errorCode(err);
        if (code === "ECONNRESET" || !socket.writable || socket._httpMessage?.headersSent) {
            socket.destroy();
            return;
        }
        logEvent(logger, `malformed request refused: ${code}`);
        if (code === "HPE_HEADER_OVERFLOW") return sendRawError(socket, 431, "bad_request", "request headers too large");
        if (code === "ERR_HTTP_REQUEST_TIMEOUT") return sendRawError(socket, 408, "bad_request", "request headers too slow");
        sendRawError(socket, 400, "bad_request", `malformed HTTP request (${code})`);
    });

    let stopping: Promise<void> | undefined;
    let stopNow: (() => void) | undefined;
    const shutdown = (options: { now?: boolean } = {}): Promise<void> => {
        if (stopping && options.now) stopNow?.();
        stopping ??= new Promise<void>((resolve) => {
            closing = true;
            server.close();
            server.closeIdleConnections();
            let stopped = false;
            const stop = (): void => {
                if (stopped) return;
                stopped = true;
                clearTimeout(bound);
                stalls.stop();
                for (const x of inFlight) x.rec.mark("shutdown");
                server.closeAllConnections();
                pool.destroy();
                // The caller exits the process when this resolves, so first the exchanges just cut
                // must end (their sockets close in a later phase of the event loop) and the
                // batched logger must write their access lines, on the check phase after that.
                const exit = (): void => void setImmediate(resolve);
                if (inFlight.size === 0) return exit();
                whenIdle = exit;
                setTimeout(exit, 1_000).unref();
            };
            stopNow = stop;
            whenIdle = stop;
            const bound = setTimeout(stop, options.now ? 0 : config.drainTimeoutMs);
            if (inFlight.size === 0) stop();
        });
        return stopping;
    };

    return { server, shutdown };
}

/** Creates the server and listens; resolves once it accepts connections. */
export async function startServer(config: ProxyConfig, logger: Logger = processLogger): Promise<RunningServer> {
    const proxy = createProxyServer(config, logger);
    await new Promise<void>((resolve, reject) => {
        proxy.server.once("error", reject);
        proxy.server.listen({ port: config.port, host: config.host }, () => {
            proxy.server.off("error", reject);
            resolve();
        });
    });
    const addr = proxy.server.address() as AddressInfo;
    const prefixes = new RouteTable(config.routes).prefixes().join(" ");
    logEvent(logger, `listening on ${addr.address}:${addr.port} with ${config.routes.length} route(s): ${prefixes}`);
    return { ...proxy, address: addr.address, port: addr.port };
}
