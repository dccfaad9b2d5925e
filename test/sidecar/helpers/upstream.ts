/**
 * Fake upstream servers (HTTP or HTTPS) that record exactly what reaches them.
 */
import http, { IncomingMessage, ServerResponse } from "http";
import https from "https";
import { AddressInfo, Socket, createServer } from "net";

export interface Recorded {
    method: string;
    url: string;
    rawHeaders: string[];
    headers: http.IncomingHttpHeaders;
    /** Body bytes, kept only when the default handler reads the body (up to 1 MiB). */
    body: Buffer;
    bodyLength: number;
    /** Set when the request stream closed before its end (the proxy aborted it). */
    aborted: boolean;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, rec: Recorded) => void;

export interface FakeUpstream {
    url: string;
    port: number;
    requests: Recorded[];
    /** TCP connections accepted so far. */
    connections: number;
    server: http.Server;
    setHandler(handler: Handler): void;
    close(): Promise<void>;
}

export interface UpstreamOptions {
    tls?: { key: Buffer | string; cert: Buffer | string };
    handler?: Handler;
    /** Fixed port (to restart an upstream where it was). */
    port?: number;
}

/** Values of header `name` (case-insensitive) in a raw header list. */
export function headerValues(raw: string[], name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === name.toLowerCase()) out.push(raw[i + 1]);
    return out;
}

/** Reads the whole body, keeping at most `keep` bytes of it. */
export function readBody(req: IncomingMessage, rec: Recorded, keep = 1 << 20): Promise<void> {
    const kept: Buffer[] = [];
    let keptLength = 0;
    return new Promise((resolve) => {
        req.on("data", (d: Buffer) => {
            rec.bodyLength += d.length;
            if (keptLength < keep) {
                kept.push(d);
                keptLength += d.length;
            }
        });
        const done = () => {
            rec.body = Buffer.concat(kept);
            resolve();
        };
        req.on("end", done);
        req.on("close", () => {
            if (!req.complete) rec.aborted = true;
            done();
        });
    });
}

export const defaultHandler: Handler = (req, res, rec) => {
    void readBody(req, rec).then(() => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ ok: true, bytes: rec.bodyLength }));
    });
};

export async function startUpstream(opts: UpstreamOptions = {}): Promise<FakeUpstream> {
    let handler = opts.handler ?? defaultHandler;
    const requests: Recorded[] = [];
    const sockets = new Set<Socket>();
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
        const rec: Recorded = {
            method: req.method ?? "",
            url: req.url ?? "",
            rawHeaders: req.rawHeaders,
            headers: req.headers,
            body: Buffer.alloc(0),
            bodyLength: 0,
            aborted: false,
        };
        requests.push(rec);
        req.on("close", () => {
            if (!req.complete) rec.aborted = true;
        });
        handler(req, res, rec);
    };
    const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest) : http.createServer(onRequest);
    // The fake must never be the bottleneck, nor cut long tests short.
    server.requestTimeout = 0;
    const upstream: FakeUpstream = {
        url: "",
        port: 0,
        requests,
        connections: 0,
        server,
        setHandler(h) {
            handler = h;
        },
        close() {
            for (const s of sockets) s.destroy();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
    server.on("connection", (s: Socket) => {
        upstream.connections++;
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
    upstream.port = (server.address() as AddressInfo).port;
    upstream.url = `${opts.tls ? "https" : "http"}://127.0.0.1:${upstream.port}`;
    return upstream;
}

/** A loopback port with nothing listening on it (for now). */
export async function freePort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
}
