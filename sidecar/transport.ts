/**
 * What a transport (forwardWhole.ts, forwardStreamed.ts) sees of the exchange it carries. The
 * exchange owns the request; a transport moves its bytes and reports back through these calls.
 * Declared apart from exchange.ts so that the transports need not import the module that calls
 * them.
 */
import type { IncomingMessage, ServerResponse } from "http";
import type { AccessRecord, Logger } from "./accessLog";
import type { TokenMatcher } from "./headers";
import type { RouteMatch } from "./routing";
import type { StallWatch } from "./stallWatch";
import type { UpstreamPool } from "./upstreamPool";

/** What exchanges share: the server's settings, pools and logger. */
export interface ExchangeContext {
    connectTimeoutMs: number;
    headersTimeoutMs: number;
    expectContinueTimeoutMs: number;
    pool: UpstreamPool;
    logger: Logger;
    /** Every configured token, for the response-header scrub. */
    tokens: TokenMatcher;
    /** The lower-case fields any route sends its token in: the agent's fields of those names are dropped. */
    credentialHeaders: ReadonlySet<string>;
    /** Times out agents that stop sending or reading while an exchange runs. */
    stalls: StallWatch;
    /** True once the server is draining: responses then close their connection. */
    closing: () => boolean;
}

/** One request as its transport drives it. */
export interface TransportExchange {
    readonly ctx: ExchangeContext;
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    readonly rec: AccessRecord;
    /** The agent sent `Expect: 100-continue`; its body comes only after `sendContinue`. */
    readonly expectContinue: boolean;
    readonly match: RouteMatch;
    /** The request headers for the upstream, flat name/value pairs. */
    readonly headers: string[];
    /** How to stop the upstream request should the exchange end before it does. */
    onAbort(abort: () => void): void;
    /** The upstream's response has been received whole: nothing is left to abort. */
    upstreamDone(): void;
    /** Relays the upstream's 100 Continue to the agent. */
    sendContinue(): void;
    /** Answers the agent with the 502/504 that `err` calls for, unless the agent is gone. */
    fail(err: unknown): void;
    /** Writes the upstream's status and filtered headers; false when Node refused a header value. */
    writeHead(status: number, rawHeaders: string[]): boolean;
    /** Sends the head on its own unless body bytes follow it by the next tick. */
    flushHeadSoon(): void;
}
