/**
 * Stops Node's HTTP parser at the next request head once its connection's socket is destroyed.
 *
 * Node parses a whole socket read in one go (64 KiB: thousands of tiny pipelined requests) and
 * builds a request and a response object for every request in it, even after the first one's
 * handler destroyed the socket. They all stay reachable until the socket's close is processed,
 * which comes after every other socket read of the same turn of the event loop: a burst of
 * pipelined requests over a few hundred connections builds millions of objects at once, far
 * beyond the container's memory. A headers-complete callback that answers 2 ("upgrade: stop
 * here") makes the parser drop the rest of the read instead.
 *
 * This reaches into Node's parser through the `_http_common` module (its `HTTPParser` slot
 * constants), so it checks what it finds and changes nothing when that is not Node's own
 * callback: `guardParser` then returns false and the server says so at start-up.
 * test/sidecar/availability.test.ts floods the server and checks its memory.
 */
import { Socket } from "net";

interface Parser {
    socket?: Socket | null;
    [slot: number]: unknown;
}
type HeadersComplete = (this: Parser, ...args: unknown[]) => unknown;

/** The headers-complete callback's answer that stops parsing (llhttp's upgrade). */
const STOP_PARSING = 2;

const slot = ((): number | undefined => {
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { HTTPParser } = require("_http_common") as { HTTPParser?: { kOnHeadersComplete?: unknown } };
        const k = HTTPParser?.kOnHeadersComplete;
        return typeof k === "number" ? k : undefined;
    } catch {
        return undefined;
    }
})();

let nodeHeadersComplete: HeadersComplete | undefined;

function guardedHeadersComplete(this: Parser, ...args: unknown[]): unknown {
    if (this.socket?.destroyed) return STOP_PARSING;
    return nodeHeadersComplete!.apply(this, args);
}

/** Guards the parser Node attached to `socket`; false when the guard cannot be applied. */
export function guardParser(socket: Socket): boolean {
    const parser = (socket as Socket & { parser?: Parser }).parser;
    if (slot === undefined || !parser) return false;
    const current = parser[slot];
    if (current === guardedHeadersComplete) return true; // parsers are reused across connections
    if (typeof current !== "function" || current.name !== "parserOnHeadersComplete") return false;
    nodeHeadersComplete ??= current as HeadersComplete;
    if (current !== nodeHeadersComplete) return false;
    parser[slot] = guardedHeadersComplete;
    return true;
}
