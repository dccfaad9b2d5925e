/**
 * Token-leak scanning. Every fake token is registered when created; every response and every
 * line the proxy prints passes through `scan`, and each suite ends with `assertNoLeaks`.
 */
import { fakeToken as freshToken } from "../../helpers/fakeTokens";

const tokens: string[] = [];
const leaks: string[] = [];
let scannedBytes = 0;

/** A fresh fake token (test/helpers/fakeTokens.ts), registered for every later scan. */
export function fakeToken(label = "sidecar"): string {
    const token = freshToken(label);
    tokens.push(token);
    return token;
}

/** Records `data` seen by the agent side or printed by the proxy; `where` names it in failures. */
export function scan(data: string | Buffer, where: string): void {
    scannedBytes += data.length;
    const text = typeof data === "string" ? data : data.toString("latin1");
    tokens.forEach((token, i) => {
        if (text.includes(token)) leaks.push(`${where} contains fake token #${i}`);
    });
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
