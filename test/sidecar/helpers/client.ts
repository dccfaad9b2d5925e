/**
 * Agent-side clients: a plain HTTP client and a raw-socket one for bytes no client library
 * would send. Every response they receive goes through the leak scanner.
 */
import http, { OutgoingHttpHeaders } from "http";
import { connect } from "net";
import { scan } from "./leaks";

export interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    rawHeaders: string[];
    body: Buffer;
    text: string;
    json: () => unknown;
}

export interface SendOptions {
    method?: string;
    headers?: OutgoingHttpHeaders | string[];
    body?: string | Buffer;
    agent?: http.Agent | false;
}

export function send(port: number, path: string, opts: SendOptions = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const req = http.request(
            {
                host: "127.0.0.1",
                port,
                path,
                method: opts.method ?? "GET",
                headers: withHost(opts.headers, port),
                agent: opts.agent ?? false,
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (d: Buffer) => chunks.push(d));
                res.on("error", reject);
                res.on("end", () => {
                    const body = Buffer.concat(chunks);
                    scan(res.rawHeaders.join("\n"), `headers of ${path}`);
                    scan(body, `body of ${path}`);
                    const text = body.toString();
                    resolve({
                        status: res.statusCode ?? 0,
                        headers: res.headers,
                        rawHeaders: res.rawHeaders,
                        body,
                        text,
                        json: () => JSON.parse(text),
                    });
                });
            },
        );
        req.on("error", reject);
        req.end(opts.body);
    });
}

/** Node adds Host itself only for object headers; raw lists need it spelled out. */
function withHost(headers: SendOptions["headers"], port: number): SendOptions["headers"] {
    if (!Array.isArray(headers)) return headers;
    const hasHost = headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === "host");
    return hasHost ? headers : ["Host", `127.0.0.1:${port}`, ...headers];
}

/** Writes `data` on a fresh connection and returns everything read until close or `timeoutMs`. */
export function rawRequest(port: number, data: string | Buffer, timeoutMs = 3_000): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = connect(port, "127.0.0.1");
        const chunks: Buffer[] = [];
        const finish = () => {
            clearTimeout(timer);
            socket.destroy();
            const text = Buffer.concat(chunks).toString("latin1");
            scan(text, "raw response");
            resolve(text);
        };
        const timer = setTimeout(finish, timeoutMs);
        socket.on("data", (d: Buffer) => chunks.push(d));
        socket.on("close", finish);
        socket.on("error", (err: NodeJS.ErrnoException) => {
            // A reset after the answer still leaves the answer to inspect.
            if (err.code === "ECONNRESET" && chunks.length > 0) return finish();
            clearTimeout(timer);
            reject(err);
        });
        socket.write(data);
    });
}

/** The status code of a raw HTTP response text (0 when there is none). */
export function rawStatus(text: string): number {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
    return m ? Number(m[1]) : 0;
}
