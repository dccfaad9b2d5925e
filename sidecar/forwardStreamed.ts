/**
 * Forwarding over Node's http client, for the requests undici cannot carry as we need: bodies
 * streamed as they arrive (large or chunked uploads) and `Expect: 100-continue`, whose 100 must
 * come from the upstream.
 *
 * Both bodies are streamed with back-pressure and never buffered whole. Upstream failures before
 * the response starts become 502/504 JSON errors; after it starts, the agent's connection is cut
 * so a truncated body can never pass for a complete one.
 */
import http, { IncomingMessage } from "http";
import https from "https";
import { logEvent } from "./accessLog";
import { Exchange, failExchange, flushHeadSoon, invalidHeaderError, writeResponseHead } from "./exchange";
import { relay } from "./relay";
import { timeoutError } from "./upstreamErrors";

/**
 * Forwards `x` with Node's client, streaming the agent's body as it arrives (framed as it came:
 * `Content-Length`, or chunked); a bodiless request with `Expect: 100-continue` comes here too.
 * `expectContinue`: the agent sent that expectation and holds its body until our go-ahead. Not
 * retried on a dropped connection: a streamed body cannot be replayed.
 */
export function forwardStreamed(x: Exchange, expectContinue: boolean): void {
    const { deps: settings, req, res, rec } = x;
    const { route, upstreamTarget } = x.match;
    const upstream = route.upstream;
    const client = upstream.protocol === "https:" ? https : http;
    let upReq: http.ClientRequest | undefined;
    let upRes: IncomingMessage | undefined;
    let continued = false;

    const sendContinue = (): void => {
        if (expectContinue && !continued && !res.headersSent && !res.destroyed) {
            continued = true;
            res.writeContinue();
        }
    };

    const start = (): void => {
        const request = client.request({
            agent: settings.pool.agentFor(upstream),
            protocol: upstream.protocol,
            hostname: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: upstreamTarget,
            headers: x.headers,
            setHost: false,
        });
        upReq = request;
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
            if (connected && bodySent) arm(settings.headersTimeoutMs, "CRED_PROXY_HEADERS_TIMEOUT");
        };

        arm(settings.connectTimeoutMs, "CRED_PROXY_CONNECT_TIMEOUT");
        request.once("socket", (socket) => {
            const ready = (): void => {
                connected = true;
                progress();
            };
            if (request.reusedSocket) return ready();
            socket.once(upstream.protocol === "https:" ? "secureConnect" : "connect", ready);
        });
        // A slow upload is the agent's business; a slow answer to a complete request is not.
        request.once("finish", () => {
            bodySent = true;
            if (connected) progress();
        });
        if (expectContinue) {
            // Relay the upstream's own 100 when it comes; the agent holds its body until then, so
            // the headers must leave now rather than with the first body chunk.
            request.once("continue", sendContinue);
            continueTimer = setTimeout(sendContinue, settings.expectContinueTimeoutMs);
            request.flushHeaders();
        }
        request.once("close", clearTimers);

        request.on("error", (err: NodeJS.ErrnoException) => {
            clearTimers();
            if (upRes) return; // the response pipeline reports its own failure
            failExchange(x, err);
        });
        request.on("response", (incoming: IncomingMessage) => {
            clearTimers();
            upRes = incoming;
            relayResponse(incoming);
        });

        // Not `pipeline` from req: an upstream failure must not destroy the agent's socket
        // before the 502 has been written to it. A destroyed upstream request swallows further
        // writes; the unread rest of the agent's body is cut when its response closes.
        relay(req, request, (n) => (rec.bytesIn += n));
    };

    const relayResponse = (incoming: IncomingMessage): void => {
        if (res.destroyed) {
            incoming.destroy();
            return;
        }
        if (!writeResponseHead(x, incoming.statusCode ?? 502, incoming.rawHeaders)) {
            incoming.destroy();
            failExchange(x, invalidHeaderError());
            return;
        }
        // Whoever closes first is to blame: if the agent's socket is still up when the upstream
        // response breaks off, the upstream cut it.
        incoming.once("aborted", () => {
            if (!req.socket.destroyed) {
                rec.mark("upstream_error", "RESPONSE_ABORTED");
                logEvent(settings.logger, `upstream ${upstream.host} cut a response on ${route.path}`);
            }
        });
        // A response that breaks off is cut on the agent's side too, never ended cleanly.
        incoming.once("close", () => {
            if (!incoming.complete) res.destroy();
        });
        relay(incoming, res, (n) => (rec.bytesOut += n));
        flushHeadSoon(x);
    };

    // The agent went away (or we cut it off): nothing may keep talking to the upstream for it.
    res.once("close", () => {
        if (!res.writableFinished) {
            upRes?.destroy();
            upReq?.destroy();
        }
    });

    start();
}
