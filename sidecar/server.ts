/**
 * The HTTP server: request triage, health endpoint, refusals and graceful shutdown.
 *
 * Everything that can be refused is refused here, before an upstream is chosen, let alone
 * contacted. Only requests that pass every check reach `forward`.
 */
import http, { IncomingMessage, ServerResponse } from "http";
import { AddressInfo, Socket } from "net";
import { AccessRecord, Logger, errorCode, logEvent, processLogger } from "./accessLog";
import { ProxyConfig } from "./config";
import { HEALTH_PATH } from "./contract";
import { requestHeaderFacts } from "./headers";
import { UpstreamPool, forward } from "./proxy";
import { sendError, sendHealth, sendRawError } from "./responses";
import { RouteTable, checkTarget } from "./routing";

/** Methods worth forwarding. TRACE is excluded on purpose: it echoes the injected token back. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const ALLOW = [...METHODS].join(", ");

export interface ProxyServer {
    server: http.Server;
    /** Stops accepting, waits for in-flight requests (at most `drainTimeoutMs`), then closes. */
    shutdown(): Promise<void>;
}

export interface RunningServer extends ProxyServer {
    address: string;
    port: number;
}

type SocketWithResponse = Socket & { _httpMessage?: ServerResponse };

export function createProxyServer(config: ProxyConfig, logger: Logger = processLogger): ProxyServer {
    const table = new RouteTable(config.routes);
    const pool = new UpstreamPool(config);
    let closing = false;
    let active = 0;
    let drained: (() => void) | undefined;
    const settings = { ...config, pool, logger, closing: () => closing };

    const server = http.createServer({
        // No limit on the whole request: multi-GB uploads are legitimate. Headers must still
        // arrive promptly.
        requestTimeout: 0,
        headersTimeout: 60_000,
        insecureHTTPParser: false,
        noDelay: true,
    });

    const handle = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void => {
        const check = checkTarget(req.url ?? "");
        if (check.ok && check.path === HEALTH_PATH) {
            if (req.method === "GET" || req.method === "HEAD") return sendHealth(res, closing);
            return sendError(res, 405, "method_not_allowed", "use GET", { Allow: "GET, HEAD" });
        }
        const rec = new AccessRecord(logger, req.method ?? "");
        active++;
        res.once("close", () => {
            active--;
            if (!res.writableFinished) rec.mark("client_aborted");
            // Deferred so that the forwarder's own close and abort handlers have had their say.
            setImmediate(() => rec.write(res.headersSent ? res.statusCode : 499));
            if (closing) {
                server.closeIdleConnections();
                if (active === 0) drained?.();
            }
        });
        const refuse = (status: number, type: Parameters<typeof sendError>[2], message: string, reason: string) => {
            rec.mark("refused", reason);
            sendError(res, status, type, message, status === 405 ? { Allow: ALLOW } : {});
        };

        // One pass over the raw headers; `req.headers` is never built.
        const facts = requestHeaderFacts(req.rawHeaders);
        if (facts.framing) return refuse(400, "bad_request", `ambiguous message length: ${facts.framing}`, "framing");
        if (!check.ok) return refuse(400, "bad_request", check.reason, "target");
        if (facts.upgrade) {
            return refuse(501, "upgrade_not_supported", "protocol upgrades are not supported", "upgrade");
        }
        if (!METHODS.has(req.method ?? "")) return refuse(405, "method_not_allowed", "method not allowed", "method");
        if (closing) return refuse(503, "service_unavailable", "the proxy is shutting down", "closing");
        const match = table.match(check.path, check.query);
        if (!match) return refuse(404, "not_found", "no route for this path", "no_route");

        rec.route = match.route.path;
        rec.upstream = match.route.upstream.host;
        forward(settings, req, res, match, rec, expectContinue, facts);
    };

    server.on("request", (req, res) => handle(req, res, false));
    // Node answers 100 itself unless asked; we relay the upstream's decision instead.
    server.on("checkContinue", (req, res) => handle(req, res, true));
    // Without a listener Node drops CONNECT silently; say why instead.
    server.on("connect", (_req: IncomingMessage, socket: Socket) => {
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
    const shutdown = (): Promise<void> => {
        stopping ??= new Promise<void>((resolve) => {
            closing = true;
            server.close();
            server.closeIdleConnections();
            const finish = (): void => {
                clearTimeout(bound);
                server.closeAllConnections();
                pool.destroy();
                // After the access lines of the last requests, which are written on the next
                // check phase (see `handle`): the caller exits the process when this resolves.
                setImmediate(resolve);
            };
            const bound = setTimeout(finish, config.drainTimeoutMs);
            drained = finish;
            if (active === 0) finish();
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
