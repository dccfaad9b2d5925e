/**
 * Token-leak scanning. Every fake token is registered when created; every response and every
 * line the proxy prints passes through `scan`, and each suite ends with `assertNoLeaks`.
 */
import { randomBytes } from "crypto";

const tokens: string[] = [];
const leaks: string[] = [];
let scannedBytes = 0;

/** A fresh fake token, e.g. `fake-3f9a...`; never written to disk. */
export function fakeToken(): string {
    const token = `fake-${randomBytes(16).toString("hex")}`;
    tokens.push(token);
    return token;
}

/** Records `data` seen by the agent side or printed by the proxy; `where` names it in failures. */
export function scan(data: string | Buffer, where: string): void {
    scannedBytes += data.length;
    const text = typeof data === "string" ? data : data.toString("latin1");
    for (const token of tokens) {
        if (text.includes(token)) leaks.push(`${where} contains token ${token.slice(0, 9)}...`);
    }
}

/** Scans a stream of chunks without holding it: keeps a tail as long as the longest token. */
export class StreamScanner {
    private tail = "";
    constructor(private readonly where: string) {}
    push(chunk: Buffer): void {
        const text = this.tail + chunk.toString("latin1");
        scan(text, this.where);
        this.tail = text.slice(-64);
    }
}

export function assertNoLeaks(): void {
    expect(tokens.length).toBeGreaterThan(0);
    expect(scannedBytes).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
}
