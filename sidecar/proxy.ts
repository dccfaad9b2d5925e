/**
 * Forwarding one agent request to its route's upstream: which client carries it.
 *
 * A request whose body is absent or declared small is read whole and sent with undici
 * (forwardWhole.ts), a single write upstream; everything else, and every request that carries
 * `Expect: 100-continue`, streams through Node's http client (forwardStreamed.ts), which relays
 * the upstream's 100 and never holds a body whole.
 */
import { IncomingMessage, ServerResponse } from "http";
import { AccessRecord } from "./accessLog";
import { ForwardDeps, Exchange } from "./exchange";
import { forwardStreamed } from "./forwardStreamed";
import { forwardWhole } from "./forwardWhole";
import { RequestHeaderFacts, requestHeaderFacts, upstreamRequestHeaders } from "./headers";
import { collectBody } from "./relay";
import { RouteMatch } from "./routing";

export type { ForwardDeps, ForwardSettings } from "./exchange";
export { UpstreamPool } from "./upstreamPool";

/**
 * The largest declared body read whole before the upstream is contacted: one socket read's worth
 * (Node reads 64 KiB at a time), so holding it costs no more memory than streaming it would, and
 * waiting for it adds no round trip. Larger bodies gain little from one write and stream instead.
 */
export const WHOLE_BODY_LIMIT = 64 * 1024;

/**
 * Forwards `req` along `match`. `expectContinue` is true when the agent sent
 * `Expect: 100-continue` and is waiting for our go-ahead before sending its body.
 */
export function forward(
    deps: ForwardDeps,
    req: IncomingMessage,
    res: ServerResponse,
    match: RouteMatch,
    rec: AccessRecord,
    expectContinue: boolean,
    facts: RequestHeaderFacts = requestHeaderFacts(req.rawHeaders),
): void {
    const headers = upstreamRequestHeaders(req.rawHeaders, match.route);
    const x: Exchange = { deps, req, res, match, rec, headers };

    // An early answer (say a 401 mid-upload) leaves the rest of the agent's body unread.
    res.once("close", () => {
        if (!req.complete) req.socket.destroy();
    });

    // undici refuses an `Expect` header, so the expectation always goes through Node's client,
    // with or without a body.
    const small = facts.bodyLength !== undefined && facts.bodyLength <= WHOLE_BODY_LIMIT;
    if (!expectContinue && !facts.withBody) {
        forwardWhole(x, null);
    } else if (!expectContinue && small) {
        collectBody(req, (n) => (rec.bytesIn += n), (body) => forwardWhole(x, body));
    } else {
        // Node parsed and de-chunked the agent's body; say so explicitly, or Node would send a
        // GET body unframed and the upstream would read it as a second request.
        if (facts.withBody && !facts.contentLength) headers.push("Transfer-Encoding", "chunked");
        forwardStreamed(x, expectContinue);
    }
}
