/**
 * Forwarding one agent request to its route's upstream and streaming the answer back.
 *
 * Both bodies are streamed with back-pressure and never buffered whole. Upstream failures before
 * the response starts become 502/504 JSON errors; after it starts, the agent's connection is cut
 * so a truncated body can never pass for a complete one.
 */
import http, { IncomingMessage, ServerResponse } from "http";
import https from "https";
import { Readable, Writable } from "stream";
import v8 from "v8";
import vm from "vm";
import { AccessRecord, Logger, logEvent } from "./accessLog";
import { RequestHeaderFacts, agentResponseHeaders, requestHeaderFacts, upstreamRequestHeaders } from "./headers";
import { sendError } from "./responses";
import { Upstream } from "./routesFile";
import { RouteMatch } from "./routing";
import { classifyUpstreamError, timeoutError } from "./upstreamErrors";

/** Settings the forwarder needs from the server configuration. */
export interface ForwardSettings {
    connectTimeoutMs: number;
    headersTimeoutMs: number;
    expectContinueTimeoutMs: number;
}

// Idle pooled connections are dropped after this long: servers close theirs after a few
// seconds, and reusing a connection the server is closing fails the request.
const FREE_SOCKET_TIMEOUT_MS = 4_000;
const RETRYABLE_ON_REUSED_SOCKET = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

/** One keep-alive connection pool per upstream origin. */
export class UpstreamPool {
    private readonly agents = new Map<string, http.Agent>();

    agentFor(upstream: Upstream): http.Agent {
        let agent = this.agents.get(upstream.origin);
        if (!agent) {
            const options = { keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS, scheduling: "lifo" as const };
            // rejectUnauthorized is set explicitly so that NODE_TLS_REJECT_UNAUTHORIZED=0 in the
            // environment cannot switch verification off. CAs: Node's bundle plus NODE_EXTRA_CA_CERTS.
            agent =
                upstream.protocol === "https:"
                    ? new https.Agent({ ...options, rejectUnauthorized: true })
                    : new http.Agent(options);
            this.agents.set(upstream.origin, agent);
        }
        return agent;
    }

    destroy(): void {
        for (const agent of this.agents.values()) agent.destroy();
        this.agents.clear();
    }
}

/**
 * Bounded garbage while streaming. Every socket read is a fresh buffer outside V8's heap, and V8
 * collects dead ones only once some 64 MB of such external memory has piled up since its last
 * collection: a fast stream added about that much to the server's peak resident memory. A minor
 * collection (young generation only, well under a millisecond) every few MiB relayed frees them
 * about as fast as they die. `gc` comes from a throwaway context: `--expose-gc` set at run time
 * only reaches contexts created afterwards, never this one. Should the flag be refused, streams
 * work as before, with the larger peak.
 */
const RELAYED_BYTES_PER_GC = 4 * 1024 * 1024;
let relayedSinceGc = 0;
const minorGc = ((): (() => void) => {
    try {
        v8.setFlagsFromString("--expose-gc");
        const gc = vm.runInNewContext("gc") as (options: { type: "minor"; execution: "sync" }) => void;
        if (typeof gc !== "function") return () => undefined;
        return () => gc({ type: "minor", execution: "sync" });
    } catch {
        return () => undefined;
    }
})();

/**
 * Streams `from` into `to` with back-pressure, counting the bytes for the access log, and ends
 * `to` when `from` ends. Failures and early closes are the caller's business. (A counting
 * Transform inside `stream.pipeline` did this before, at the cost of a stream stage, an
 * AbortController and an AbortError with its stack trace per body.)
 */
function relay(from: Readable, to: Writable, count: (n: number) => void): void {
    const resume = (): void => void from.resume();
    to.on("drain", resume);
    from.on("data", (chunk: Buffer) => {
        count(chunk.length);
        relayedSinceGc += chunk.length;
        if (relayedSinceGc >= RELAYED_BYTES_PER_GC) {
            relayedSinceGc = 0;
            minorGc();
        }
        if (!to.write(chunk)) from.pause();
    });
    from.once("end", () => {
        to.off("drain", resume);
        to.end();
    });
}

/**
 * Forwards `req` along `match`. `expectContinue` is true when the agent sent
 * `Expect: 100-continue` and is waiting for our go-ahead before sending its body.
 */
export function forward(
    settings: ForwardSettings & { pool: UpstreamPool; logger: Logger; closing: () => boolean },
    req: IncomingMessage,
    res: ServerResponse,
    match: RouteMatch,
    rec: AccessRecord,
    expectContinue: boolean,
    facts: RequestHeaderFacts = requestHeaderFacts(req.rawHeaders),
): void {
    const { route, upstreamTarget } = match;
    const upstream = route.upstream;
    const withBody = facts.withBody;
    const headers = upstreamRequestHeaders(req.rawHeaders, route);
    // Node parsed and de-chunked the agent's body; say so explicitly, or Node would send a GET
    // body unframed and the upstream would read it as a second request.
    if (withBody && !facts.contentLength) headers.push("Transfer-Encoding", "chunked");
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

    const fail = (err: unknown): void => {
        if (res.destroyed) return; // the agent is gone; the server logs that
        const problem = classifyUpstreamError(err);
        rec.mark("upstream_error", problem.reason);
        logEvent(settings.logger, `upstream error on ${route.path} (${upstream.host}): ${problem.reason}`);
        sendError(res, problem.status, problem.type, problem.message);
    };

    const start = (attempt: number): void => {
        const request = client.request({
            agent: settings.pool.agentFor(upstream),
            protocol: upstream.protocol,
            hostname: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: upstreamTarget,
            headers,
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
            const retry =
                !withBody && attempt === 1 && request.reusedSocket && RETRYABLE_ON_REUSED_SOCKET.has(err.code ?? "");
            if (retry && !res.destroyed) return start(2);
            fail(err);
        });
        request.on("response", (incoming: IncomingMessage) => {
            clearTimers();
            upRes = incoming;
            relayResponse(incoming);
        });

        if (!withBody) {
            request.end();
        } else {
            // Not `pipeline` from req: an upstream failure must not destroy the agent's socket
            // before the 502 has been written to it. A destroyed upstream request swallows
            // further writes; the unread rest of the agent's body is cut when its response
            // closes (below).
            relay(req, request, (n) => (rec.bytesIn += n));
        }
    };

    const relayResponse = (incoming: IncomingMessage): void => {
        if (res.destroyed) {
            incoming.destroy();
            return;
        }
        const { headers: out, scrubbed } = agentResponseHeaders(incoming.rawHeaders, route.token);
        if (scrubbed > 0) {
            logEvent(settings.logger, `dropped ${scrubbed} response header(s) from ${upstream.host} that echoed the token`);
        }
        if (settings.closing()) out.push("Connection", "close");
        try {
            // Standard reason phrase: the upstream's own could echo anything.
            res.writeHead(incoming.statusCode ?? 502, out);
        } catch {
            incoming.destroy();
            fail(Object.assign(new Error("invalid response header"), { code: "HPE_INVALID_HEADER" }));
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
        // The headers leave with the first body bytes when those came in the same chunk from the
        // upstream (one write, not two), else on their own as soon as that chunk is parsed: an
        // event stream's headers must reach the agent before its first event.
        process.nextTick(() => {
            if (rec.bytesOut === 0 && !res.writableEnded && !res.destroyed) res.flushHeaders();
        });
    };

    // The agent went away (or we cut it off): nothing may keep talking to the upstream for it.
    res.once("close", () => {
        if (!res.writableFinished) {
            upRes?.destroy();
            upReq?.destroy();
        }
        // An early answer (say a 401 mid-upload) leaves the rest of the agent's body unread.
        if (!req.complete) req.socket.destroy();
    });

    start(1);
}
