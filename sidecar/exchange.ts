/**
 * One agent request on its way to an upstream, and what both upstream clients do alike with it:
 * turn a failure into the agent's error response, and write the upstream's response head.
 */
import { IncomingMessage, ServerResponse } from "http";
import { AccessRecord, Logger, logEvent } from "./accessLog";
import { agentResponseHeaders } from "./headers";
import { sendError } from "./responses";
import { RouteMatch } from "./routing";
import { classifyUpstreamError } from "./upstreamErrors";
import { UpstreamPool } from "./upstreamPool";

/** Settings the forwarders need from the server configuration. */
export interface ForwardSettings {
    connectTimeoutMs: number;
    headersTimeoutMs: number;
    expectContinueTimeoutMs: number;
}

export interface ForwardDeps extends ForwardSettings {
    pool: UpstreamPool;
    logger: Logger;
    /** True once the server is draining: responses then close their connection. */
    closing: () => boolean;
}

export interface Exchange {
    deps: ForwardDeps;
    req: IncomingMessage;
    res: ServerResponse;
    match: RouteMatch;
    rec: AccessRecord;
    /** The request headers for the upstream (see `upstreamRequestHeaders`). */
    headers: string[];
}

/** Answers the agent with the 502/504 that `err` calls for, unless the agent is gone. */
export function failExchange(x: Exchange, err: unknown): void {
    if (x.res.destroyed) return; // the agent is gone; the server logs that
    const problem = classifyUpstreamError(err);
    const { route } = x.match;
    x.rec.mark("upstream_error", problem.reason);
    logEvent(x.deps.logger, `upstream error on ${route.path} (${route.upstream.host}): ${problem.reason}`);
    sendError(x.res, problem.status, problem.type, problem.message);
}

/**
 * Writes the upstream's status and headers (filtered, see `agentResponseHeaders`) to the agent.
 * False when Node refused a header value: the caller then drops the upstream response and fails
 * the exchange with a 502.
 */
export function writeResponseHead(x: Exchange, status: number, rawHeaders: string[]): boolean {
    const { route } = x.match;
    const { headers: out, scrubbed } = agentResponseHeaders(rawHeaders, route.token);
    if (scrubbed > 0) {
        logEvent(x.deps.logger, `dropped ${scrubbed} response header(s) from ${route.upstream.host} that echoed the token`);
    }
    if (x.deps.closing()) out.push("Connection", "close");
    try {
        // Standard reason phrase: the upstream's own could echo anything.
        x.res.writeHead(status, out);
        return true;
    } catch {
        return false;
    }
}

/** The error `failExchange` is given when `writeResponseHead` refused the upstream's headers. */
export function invalidHeaderError(): Error {
    return Object.assign(new Error("invalid response header"), { code: "HPE_INVALID_HEADER" });
}

/**
 * Sends the response head on its own if no body bytes have followed it by the next tick: an
 * event stream's headers must reach the agent before its first event. When the first body bytes
 * came in the same chunk from the upstream, head and bytes leave in one write.
 */
export function flushHeadSoon(x: Exchange): void {
    process.nextTick(() => {
        if (x.rec.bytesOut === 0 && !x.res.writableEnded && !x.res.destroyed) x.res.flushHeaders();
    });
}
