/**
 * The Node http client transport, for the requests undici cannot carry as we need: bodies
 * streamed as they arrive (large or chunked uploads) and `Expect: 100-continue`, whose 100 must
 * come from the upstream.
 *
 * Both bodies are streamed with back-pressure and never buffered whole. Upstream failures before
 * the response starts become 502/504 JSON errors; after it starts, the agent's connection is cut
 * so a truncated body can never pass for a complete one.
 */
import http, { IncomingMessage } from "http";
import https from "https";
import { Socket } from "net";
import { logEvent } from "./accessLog";
import type { TransportExchange } from "./transport";
import { relay } from "./relay";
import { invalidResponseError, timeoutError } from "./upstreamErrors";

/**
 * Forwards `x` with Node's client, streaming the agent's body as it arrives (framed as it came:
 * `Content-Length`, or chunked); a bodiless request with `Expect: 100-continue` comes here too.
 * Not retried on a dropped connection: a streamed body cannot be replayed.
 */
export function forwardStreamed(x: TransportExchange): void {
    const { ctx, req, res, rec, expectContinue } = x;
    const { route, upstreamTarget } = x.match;
    const upstream = route.upstream;
    const client = upstream.protocol === "https:" ? https : http;
    let upRes: IncomingMessage | undefined;

    const request = client.request({
        agent: ctx.pool.agentFor(upstream),
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: upstreamTarget,
        headers: x.headers,
        setHost: false,
    });
    x.onAbort(() => {
        upRes?.destroy();
        request.destroy();
    });

    // One phase timer at a time: connect (DNS, TCP, TLS), then time to response headers,
    // which only starts once the upstream has both a connection and the whole body.
    let phaseTimer: NodeJS.Timeout | undefined;
    let continueTimer: NodeJS.Timeout | undefined;
    let connected = false;
    let bodySent = false;
    const arm = (ms: number, code: string): void => {
        clearTimeout(phaseTimer);
        phaseTimer = setTimeout(() => request.destroy(timeoutError(code)), ms);
    };
    const clearTimers = (): void => {
        clearTimeout(phaseTimer);
        clearTimeout(continueTimer);
    };
    const progress = (): void => {
        clearTimeout(phaseTimer);
        if (connected && bodySent) arm(ctx.headersTimeoutMs, "CRED_PROXY_HEADERS_TIMEOUT");
    };

    arm(ctx.connectTimeoutMs, "CRED_PROXY_CONNECT_TIMEOUT");
    request.once("socket", (socket) => {
        const ready = (): void => {
            connected = true;
            progress();
        };
        if (request.reusedSocket) return ready();
        socket.once(upstream.protocol === "https:" ? "secureConnect" : "connect", ready);
    });
    // A slow upload is the agent's business (the stall sweep watches it); a slow answer to a
    // complete request is the upstream's.
    request.once("finish", () => {
        bodySent = true;
        if (connected) progress();
    });
    if (expectContinue) {
        // Relay the upstream's own 100 when it comes; the agent holds its body until then, so
        // the headers must leave now rather than with the first body chunk.
        const goAhead = (): void => x.sendContinue();
        request.once("continue", goAhead);
        continueTimer = setTimeout(goAhead, ctx.expectContinueTimeoutMs);
        request.flushHeaders();
    }
    request.once("close", clearTimers);

    request.on("error", (err: NodeJS.ErrnoException) => {
        clearTimers();
        if (upRes) return; // the response pipeline reports its own failure
        x.upstreamDone();
        x.fail(err);
    });
    // A 101 to a request that asked for no upgrade: without a listener Node would drop the
    // socket and leave the request, and the agent, waiting for ever.
    request.on("upgrade", (_incoming: IncomingMessage, socket: Socket) => {
        clearTimers();
        socket.destroy();
        x.upstreamDone();
        x.fail(invalidResponseError("CRED_PROXY_UNEXPECTED_UPGRADE"));
    });
    request.on("response", (incoming: IncomingMessage) => {
        clearTimers();
        upRes = incoming;
        relayResponse(incoming);
    });

    const relayResponse = (incoming: IncomingMessage): void => {
        if (res.destroyed) {
            incoming.destroy();
            return;
        }
        if (!x.writeHead(incoming.statusCode ?? 502, incoming.rawHeaders)) {
            incoming.destroy();
            x.fail(invalidResponseError());
            return;
        }
        // Whoever closes first is to blame: if the agent's socket is still up when the upstream
        // response breaks off, the upstream cut it.
        incoming.once("aborted", () => {
            if (!req.socket.destroyed) {
                rec.mark("upstream_error", "RESPONSE_ABORTED");
                logEvent(ctx.logger, `upstream ${upstream.host} cut a response on ${route.path}`);
            }
        });
        incoming.once("end", () => x.upstreamDone());
        // A response that breaks off is cut on the agent's side too, never ended cleanly.
        incoming.once("close", () => {
            if (!incoming.complete) res.destroy();
        });
        relay(incoming, res, (n) => (rec.bytesOut += n));
        x.flushHeadSoon();
    };

    // Not `pipeline` from req: an upstream failure must not destroy the agent's socket before
    // the 502 has been written to it. A destroyed upstream request swallows further writes; the
    // unread rest of the agent's body is cut when the exchange ends.
    relay(req, request, (n) => (rec.bytesIn += n));
}
