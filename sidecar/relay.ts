/**
 * Relaying body bytes with back-pressure, and reading small bodies whole.
 */
import { Readable, Writable } from "stream";
import { noteRelayed } from "./memory";

/**
 * Streams `from` into `to` with back-pressure, counting the bytes for the access log and the
 * stall sweep, and ends `to` when `from` ends. Failures and early closes are the caller's
 * business. (No `stream.pipeline`: it costs a stream stage, an AbortController and an AbortError
 * with its stack trace per body.)
 */
export function relay(from: Readable, to: Writable, count: (n: number) => void): void {
    const resume = (): void => void from.resume();
    to.on("drain", resume);
    from.on("data", (chunk: Buffer) => {
        count(chunk.length);
        noteRelayed(chunk.length);
        if (!to.write(chunk)) from.pause();
    });
    from.once("end", () => {
        to.off("drain", resume);
        to.end();
    });
}

/**
 * Reads a request body of declared, small `length` whole, then calls `done` with it. Called only
 * for bodies that will be sent whole; nothing is called if the agent goes away first.
 *
 * A body that arrives in one chunk is used as it is. One that arrives in pieces is copied into a
 * buffer of its own: each piece is a view into a socket read's 64 KiB buffer, and holding the
 * views would hold every one of those buffers, several times the body, for as long as the agent
 * takes to send the rest.
 */
export function collectBody(from: Readable, length: number, count: (n: number) => void, done: (body: Buffer) => void): void {
    let first: Buffer | undefined;
    let whole: Buffer | undefined;
    let filled = 0;
    from.on("data", (chunk: Buffer) => {
        count(chunk.length);
        noteRelayed(chunk.length);
        if (first === undefined && whole === undefined) {
            first = chunk;
            filled = chunk.length;
            return;
        }
        if (whole === undefined) {
            whole = Buffer.allocUnsafe(Math.max(length, filled + chunk.length));
            first!.copy(whole, 0);
            first = undefined;
        }
        if (filled + chunk.length > whole.length) {
            // More than declared cannot happen (Node frames the body by Content-Length); stay safe.
            const grown = Buffer.allocUnsafe(filled + chunk.length);
            whole.copy(grown, 0, 0, filled);
            whole = grown;
        }
        chunk.copy(whole, filled);
        filled += chunk.length;
    });
    from.once("end", () => done(whole ? whole.subarray(0, filled) : (first ?? Buffer.alloc(0))));
}
