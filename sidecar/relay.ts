/**
 * Relaying body bytes with back-pressure, and reading small bodies whole.
 */
import { Readable, Writable } from "stream";
import { noteRelayed } from "./memory";

/**
 * Streams `from` into `to` with back-pressure, counting the bytes for the access log, and ends
 * `to` when `from` ends. Failures and early closes are the caller's business. (A counting
 * Transform inside `stream.pipeline` did this before, at the cost of a stream stage, an
 * AbortController and an AbortError with its stack trace per body.)
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
 * Reads a request body whose declared length is small into one buffer, then calls `done`. Called
 * only for bodies that will be sent whole; nothing is called if the agent goes away first.
 */
export function collectBody(from: Readable, count: (n: number) => void, done: (body: Buffer) => void): void {
    const parts: Buffer[] = [];
    from.on("data", (chunk: Buffer) => {
        count(chunk.length);
        parts.push(chunk);
    });
    from.once("end", () => done(parts.length === 1 ? parts[0] : Buffer.concat(parts)));
}
