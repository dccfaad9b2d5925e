/**
 * The undici transport, for requests whose body is absent or already read whole: nearly all API
 * traffic. undici's dispatch API parses responses with llhttp and keeps none of Node's
 * per-request stream objects on the upstream side, which halves what a request costs there
 * (docs/benchmarks.md); the response still streams chunk by chunk with back-pressure.
 *
 * This uses undici 7's raw handler interface (onConnect/onHeaders/onData/onComplete/onError),
 * which hands over the response headers as received. undici 8 (Node 22+) replaces it with
 * onResponseStart and `controller.rawHeaders`.
 */
import type { Dispatcher } from "undici";
import { logEvent } from "./accessLog";
import type { TransportExchange } from "./transport";
import { noteRelayed } from "./memory";
import { invalidResponseError } from "./upstreamErrors";

/** Methods a proxy may retry on its own (RFC 9110 9.2.2), and then only without a body. */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "DELETE"]);
/** The connection broke before any answer: a pooled connection the upstream had just closed. */
const RETRYABLE = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "ECONNABORTED"]);

function latin1(raw: Buffer[]): string[] {
    const out = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw[i].toString("latin1");
    return out;
}

/** Forwards `x` with undici; `body` is the agent's whole body, or null when it sent none. */
export function forwardWhole(x: TransportExchange, body: Buffer | null): void {
    const { ctx, req, res, rec } = x;
    const { route, upstreamTarget } = x.match;
    const method = req.method ?? "GET";
    let responding = false;

    const start = (attempt: number): void => {
        const handler: Dispatcher.DispatchHandler = {
            onConnect(abort) {
                // The agent went away (or we cut it off): nothing may keep talking to the upstream for it.
                x.onAbort(() => abort());
            },
            onHeaders(status, rawHeaders, resume) {
                if (status < 200) return true; // informational: the final answer follows
                responding = true;
                if (res.destroyed) return false;
                if (!x.writeHead(status, latin1(rawHeaders))) {
                    x.fail(invalidResponseError());
                    return false;
                }
                res.on("drain", resume);
                x.flushHeadSoon();
                return true;
            },
            onData(chunk) {
                rec.bytesOut += chunk.length;
                noteRelayed(chunk.length);
                return res.write(chunk);
            },
            onComplete() {
                x.upstreamDone();
                res.end();
            },
            onError(err) {
                if (res.destroyed) return;
                if (!responding) {
                    const code = (err as NodeJS.ErrnoException).code ?? "";
                    if (attempt === 1 && body === null && IDEMPOTENT.has(method) && RETRYABLE.has(code)) {
                        return start(2);
                    }
                    x.upstreamDone();
                    return x.fail(err);
                }
                // The response broke off after it started: cut the agent's side too, so a
                // truncated body can never pass for a complete one.
                x.upstreamDone();
                if (!res.headersSent || res.writableEnded) return;
                rec.mark("upstream_error", "RESPONSE_ABORTED");
                logEvent(ctx.logger, `upstream ${route.upstream.host} cut a response on ${route.path}`);
                res.destroy();
            },
        };
        try {
            ctx.pool.poolFor(route.upstream).dispatch({ path: upstreamTarget, method, headers: x.headers, body }, handler);
        } catch (err) {
            x.fail(err);
        }
    };

    start(1);
}
