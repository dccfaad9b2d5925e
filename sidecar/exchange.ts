/**
 * One agent request, from its arrival to its access line.
 *
 * The exchange is the request's single owner: it holds the access record, the one close handler,
 * the upstream abort its transport registers, failure and response-head writing, and the
 * progress marks the stall sweep reads. The transports carry it (forwardWhole.ts over undici,
 * forwardStreamed.ts over Node's client); its agent connection (agentConnection.ts) decides when
 * it starts.
 */
import { IncomingMessage, ServerResponse } from "http";
import { AccessRecord, logEvent } from "./accessLog";
import { agentResponseHeaders, RequestHeaderFacts, upstreamRequestHeaders } from "./headers";
import { forwardStreamed } from "./forwardStreamed";
import { forwardWhole } from "./forwardWhole";
import { collectBody } from "./relay";
import { ErrorType, sendError } from "./responses";
import { RouteMatch } from "./routing";
import { Stallable } from "./stallWatch";
import { classifyUpstreamError } from "./upstreamErrors";
import type { ExchangeContext, TransportExchange } from "./transport";

/**
 * The largest declared body read whole before the upstream is contacted: one socket read's worth
 * (Node reads 64 KiB at a time), so holding it costs no more memory than streaming it would, and
 * waiting for it adds no round trip. Larger bodies gain little from one write and stream instead.
 */
export const WHOLE_BODY_LIMIT = 64 * 1024;

export class Exchange implements Stallable, TransportExchange {
    readonly rec: AccessRecord;
    /** Set by `route`, before `start`. */
    match!: RouteMatch;
    /** The request headers for the upstream (see `upstreamRequestHeaders`), built by `start`. */
    headers: string[] = [];
    private facts!: RequestHeaderFacts;
    private abortUpstream: (() => void) | undefined;
    private upstreamComplete = false;
    private ended = false;
    /** The agent's body is being read (after any 100 Continue), so its silence counts. */
    private bodyAwaited = false;
    // Progress marks for `checkStall`: bytes seen at the last sweep, and sweeps since they moved.
    private bodyMark = -1;
    private bodyIdle = 0;
    private sendMark = -1;
    private sendIdle = 0;

    constructor(
        readonly ctx: ExchangeContext,
        readonly req: IncomingMessage,
        readonly res: ServerResponse,
        readonly expectContinue: boolean,
        /** Called once, when the exchange has ended for whatever reason. */
        private readonly onEnd: (x: Exchange) => void,
    ) {
        this.rec = new AccessRecord(ctx.logger, req.method ?? "");
        res.once("close", () => this.end());
    }

    /** Answers with the proxy's own error; nothing is forwarded. */
    refuse(status: number, type: ErrorType, message: string, reason: string, extra: Record<string, string> = {}): void {
        this.rec.mark("refused", reason);
        sendError(this.res, status, type, message, extra);
    }

    /** Records the route that `start` will forward along. */
    route(match: RouteMatch, facts: RequestHeaderFacts): void {
        this.match = match;
        this.facts = facts;
        this.rec.route = match.route.path;
        this.rec.upstream = match.route.upstream.host;
    }

    /**
     * Forwards the request along its route. A request whose body is absent or declared small is
     * read whole and sent with undici, a single write upstream; everything else, and every
     * request with `Expect: 100-continue`, streams through Node's client, which relays the
     * upstream's 100 (undici refuses an `Expect` header) and never holds a body whole.
     */
    start(): void {
        if (this.ended) return;
        this.ctx.stalls.add(this);
        const { facts } = this;
        this.headers = upstreamRequestHeaders(this.req.rawHeaders, this.match.route, this.ctx.credentialHeaders);
        const small = facts.bodyLength !== undefined && facts.bodyLength <= WHOLE_BODY_LIMIT;
        if (!this.expectContinue && !facts.withBody) {
            forwardWhole(this, null);
            return;
        }
        if (!this.expectContinue) this.bodyAwaited = true;
        if (!this.expectContinue && small) {
            collectBody(
                this.req,
                facts.bodyLength!,
                (n) => (this.rec.bytesIn += n),
                (body) => forwardWhole(this, body),
            );
        } else {
            // Node parsed and de-chunked the agent's body; say so explicitly, or Node would send a
            // GET body unframed and the upstream would read it as a second request.
            if (facts.withBody && !facts.contentLength) this.headers.push("Transfer-Encoding", "chunked");
            forwardStreamed(this);
        }
    }

    /** How to stop the transport's upstream request should the exchange end before it does. */
    onAbort(abort: () => void): void {
        this.abortUpstream = abort;
        if (this.ended && !this.upstreamComplete) abort();
    }

    /** The upstream's response has been received whole: nothing is left to abort. */
    upstreamDone(): void {
        this.upstreamComplete = true;
    }

    /** Tells an agent waiting on `Expect: 100-continue` to send its body; its silence counts from now. */
    sendContinue(): void {
        if (this.res.headersSent || this.res.destroyed || this.bodyAwaited) return;
        this.bodyAwaited = true;
        this.res.writeContinue();
    }

    /** Answers the agent with the 502/504 that `err` calls for, unless the agent is gone. */
    fail(err: unknown): void {
        if (this.ended || this.res.destroyed) return; // the agent is gone; its access line says so
        const problem = classifyUpstreamError(err);
        const { route } = this.match;
        this.rec.mark("upstream_error", problem.reason);
        logEvent(this.ctx.logger, `upstream error on ${route.path} (${route.upstream.host}): ${problem.reason}`);
        sendError(this.res, problem.status, problem.type, problem.message);
    }

    /**
     * Writes the upstream's status and headers (filtered, see `agentResponseHeaders`) to the agent.
     * False when Node refused a header value: the caller then drops the upstream response and fails
     * the exchange with a 502.
     */
    writeHead(status: number, rawHeaders: string[]): boolean {
        const { route } = this.match;
        const { headers: out, scrubbed } = agentResponseHeaders(rawHeaders, this.ctx.tokens);
        if (scrubbed > 0) {
            logEvent(this.ctx.logger, `dropped ${scrubbed} response header(s) from ${route.upstream.host} that carried a token`);
        }
        if (this.ctx.closing()) out.push("Connection", "close");
        try {
            // Standard reason phrase: the upstream's own could echo anything.
            this.res.writeHead(status, out);
            return true;
        } catch {
            return false;
        }
    }

    /**
     * Sends the response head on its own if no body bytes have followed it by the next tick: an
     * event stream's headers must reach the agent before its first event. When the first body bytes
     * came in the same chunk from the upstream, head and bytes leave in one write.
     */
    flushHeadSoon(): void {
        process.nextTick(() => {
            if (this.rec.bytesOut === 0 && !this.res.writableEnded && !this.res.destroyed) this.res.flushHeaders();
        });
    }

    /**
     * Called by the stall sweep (stallWatch.ts) once a period: after `limit` sweeps without
     * progress, a body that stopped arriving gets 408 and a response the agent stopped reading is
     * cut. Progress is read off the byte counts, so streaming costs nothing per chunk. A body the
     * proxy itself holds back (the upstream is slow to read it) is not the agent's stall.
     */
    checkStall(limit: number): void {
        const { req, res, rec } = this;
        if (this.bodyAwaited && !req.complete && !req.isPaused() && rec.bytesIn === this.bodyMark) {
            if (++this.bodyIdle >= limit) return this.stalled("body_stalled");
        } else {
            this.bodyIdle = 0;
            this.bodyMark = rec.bytesIn;
        }
        if (res.writableNeedDrain && rec.bytesOut === this.sendMark) {
            if (++this.sendIdle >= limit) return this.stalled("response_stalled");
        } else {
            this.sendIdle = 0;
            this.sendMark = rec.bytesOut;
        }
    }

    private stalled(reason: "body_stalled" | "response_stalled"): void {
        this.rec.mark("client_timeout", reason);
        if (reason === "body_stalled" && !this.res.headersSent) {
            sendError(this.res, 408, "request_timeout", "the request body stopped arriving");
        } else {
            this.res.destroy();
        }
    }

    /** Ends the exchange although its response never closed: its connection is gone. */
    abandon(): void {
        this.end();
    }

    /** The single end of an exchange: stop the upstream, cut an unread body, write the access line. */
    private end(): void {
        if (this.ended) return;
        this.ended = true;
        const { req, res, rec } = this;
        if (!res.writableFinished) rec.mark("client_aborted");
        // An early answer (a refusal, or say a 401 mid-upload) leaves the rest of the body unread:
        // the upload stops both ways.
        if (!this.upstreamComplete || !req.complete) this.abortUpstream?.();
        if (!req.complete) req.socket.destroy();
        this.ctx.stalls.delete(this);
        rec.write(res.headersSent ? res.statusCode : 499);
        this.onEnd(this);
    }
}
