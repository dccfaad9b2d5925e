/**
 * Streaming, in process: event streams, long responses, 100-continue, and aborts from either
 * side. Upstreams that are down or slow: failures.test.ts.
 */
import http, { IncomingMessage } from "http";
import { send } from "./helpers/client";
import { apiRouteSuite } from "./helpers/inprocess";
import { StreamScanner } from "./helpers/leaks";
import { readBody } from "./helpers/upstream";

const { setup } = apiRouteSuite();

/** Starts a GET through the proxy and resolves with the response as soon as headers arrive. */
function open(port: number, path: string, headers: http.OutgoingHttpHeaders = {}) {
    return new Promise<{ req: http.ClientRequest; res: IncomingMessage }>((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => resolve({ req, res }));
        req.on("error", reject);
    });
}

test("server-sent events reach the agent while the upstream still holds the response open", async () => {
    const { upstream, proxy } = await setup();
    let headersSeen!: () => void;
    const seen = new Promise<void>((r) => (headersSeen = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let upstreamEnded = false;
    upstream.setHandler((_req, res) => {
        // Headers first, then nothing until the agent has them: a proxy that waited for body
        // bytes before sending headers would deadlock here.
        res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
        res.flushHeaders();
        void seen
            .then(() => {
                res.write("event: ping\ndata: {}\n\n");
                return released;
            })
            .then(() => {
                res.write("event: message_stop\ndata: {}\n\n");
                upstreamEnded = true;
                res.end();
            });
    });
    const { res } = await open(proxy.port, "/api/v1/messages");
    headersSeen();
    expect(res.headers["content-type"]).toBe("text/event-stream");
    expect(res.headers["content-encoding"]).toBeUndefined();
    const scanner = new StreamScanner("sse body");
    const first = await new Promise<string>((resolve) => res.once("data", (d: Buffer) => resolve(d.toString())));
    expect(first).toBe("event: ping\ndata: {}\n\n");
    expect(upstreamEnded).toBe(false); // the first event arrived before the upstream finished
    let rest = "";
    res.on("data", (d: Buffer) => {
        scanner.push(d);
        rest += d.toString();
    });
    release();
    await new Promise((r) => res.on("end", r));
    expect(rest).toBe("event: message_stop\ndata: {}\n\n");
}, 10_000);

test("Node's own whole-request time limit is off, so slow multi-GB uploads are not cut", async () => {
    const { proxy } = await setup();
    expect(proxy.server.requestTimeout).toBe(0);
    expect(proxy.server.headersTimeout).toBe(60_000);
});

test("a stream longer than every timeout is never cut", async () => {
    const { upstream, proxy } = await setup({ headersTimeoutMs: 300, connectTimeoutMs: 300 });
    upstream.setHandler((_req, res) => {
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        let n = 0;
        const timer = setInterval(() => {
            res.write(`data: ${n}\n\n`);
            if (++n === 15) {
                clearInterval(timer);
                res.end();
            }
        }, 100);
    });
    const res = await send(proxy.port, "/api/stream");
    expect(res.status).toBe(200);
    expect(res.text.match(/data: /g)).toHaveLength(15);
});

describe("Expect: 100-continue", () => {
    function post(port: number, body: Buffer, onContinue?: () => void) {
        return new Promise<{ status: number; text: string; continued: boolean }>((resolve, reject) => {
            let continued = false;
            const req = http.request({
                host: "127.0.0.1",
                port,
                path: "/api/git-receive-pack",
                method: "POST",
                agent: false,
                headers: { Expect: "100-continue", "Content-Length": body.length },
            });
            req.on("continue", () => {
                continued = true;
                onContinue?.();
                req.end(body);
            });
            req.on("response", (res) => {
                let text = "";
                res.on("data", (d: Buffer) => (text += d.toString()));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, text, continued }));
            });
            req.on("error", reject);
            req.flushHeaders();
        });
    }

    test("the expectation reaches the upstream and its 100 Continue reaches the agent", async () => {
        // A long fallback, so that only a relayed 100 can make this quick.
        const { upstream, proxy } = await setup({ expectContinueTimeoutMs: 20_000 });
        const events: string[] = [];
        upstream.server.removeAllListeners("checkContinue");
        upstream.server.on("checkContinue", (req: IncomingMessage, res: http.ServerResponse) => {
            events.push(`upstream saw expect=${req.headers.expect}`);
            setTimeout(() => {
                events.push("upstream sent 100");
                res.writeContinue();
                let n = 0;
                req.on("data", (d: Buffer) => (n += d.length));
                req.on("end", () => res.end(`got ${n}`));
            }, 200);
        });
        const started = Date.now();
        const result = await post(proxy.port, Buffer.alloc(5000, 1), () => events.push("agent got 100"));
        expect(result).toEqual({ status: 200, text: "got 5000", continued: true });
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(events).toEqual(["upstream saw expect=100-continue", "upstream sent 100", "agent got 100"]);
    });

    test("a request without a body may carry the expectation too: it reaches the upstream", async () => {
        const { upstream, proxy } = await setup();
        const res = await send(proxy.port, "/api/info/refs", { headers: { Expect: "100-continue" } });
        expect(res.status).toBe(200);
        expect(upstream.requests.map((r) => [r.method, r.url, r.headers.expect])).toEqual([["GET", "/info/refs", "100-continue"]]);
    });

    test("a final answer without 100 reaches the agent, which never sends its body", async () => {
        const { upstream, proxy } = await setup();
        let bodyBytes = 0;
        upstream.server.removeAllListeners("checkContinue");
        upstream.server.on("checkContinue", (req: IncomingMessage, res: http.ServerResponse) => {
            req.on("data", (d: Buffer) => (bodyBytes += d.length));
            res.writeHead(401, { "Content-Type": "text/plain" });
            res.end("no");
        });
        const result = await post(proxy.port, Buffer.alloc(5000, 1));
        expect(result).toEqual({ status: 401, text: "no", continued: false });
        expect(bodyBytes).toBe(0);
    });

    test("an upstream that never sends 100 still gets the body after a short wait", async () => {
        const { upstream, proxy } = await setup({ expectContinueTimeoutMs: 200 });
        upstream.server.removeAllListeners("checkContinue");
        upstream.server.on("checkContinue", (req: IncomingMessage, res: http.ServerResponse) => {
            let n = 0;
            req.on("data", (d: Buffer) => (n += d.length));
            req.on("end", () => res.end(`got ${n}`));
        });
        const result = await post(proxy.port, Buffer.alloc(3000, 1));
        expect(result).toEqual({ status: 200, text: "got 3000", continued: true });
    });
});

describe("aborts", () => {
    test("an agent that goes away mid-response aborts the upstream request", async () => {
        const { upstream, proxy } = await setup();
        let upstreamClosed!: () => void;
        const closed = new Promise<void>((r) => (upstreamClosed = r));
        upstream.setHandler((_req, res) => {
            res.writeHead(200, { "Content-Type": "text/event-stream" });
            const timer = setInterval(() => res.write("data: tick\n\n"), 20);
            res.on("close", () => {
                clearInterval(timer);
                upstreamClosed();
            });
        });
        const { req, res } = await open(proxy.port, "/api/stream");
        await new Promise((r) => res.once("data", r));
        req.destroy();
        await closed; // the test times out if the upstream keeps streaming to nobody
        await new Promise((r) => setTimeout(r, 50));
        expect(proxy.access[proxy.access.length - 1]).toMatchObject({ outcome: "client_aborted" });
    });

    test("an agent that goes away mid-upload aborts the upstream request", async () => {
        const { upstream, proxy } = await setup();
        upstream.setHandler((req, _res, rec) => void readBody(req, rec));
        const req = http.request({
            host: "127.0.0.1",
            port: proxy.port,
            path: "/api/upload",
            method: "PUT",
            agent: false,
            headers: { "Content-Length": 10_000_000 },
        });
        req.on("error", () => undefined);
        req.write(Buffer.alloc(64 * 1024, 7));
        for (let i = 0; i < 100 && upstream.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        for (let i = 0; i < 100 && upstream.requests[0].bodyLength === 0; i++) await new Promise((r) => setTimeout(r, 20));
        req.destroy();
        for (let i = 0; i < 100 && !upstream.requests[0].aborted; i++) await new Promise((r) => setTimeout(r, 20));
        expect(upstream.requests[0].aborted).toBe(true);
        expect(upstream.requests[0].bodyLength).toBeLessThan(10_000_000);
    });

    test("an upstream dying mid-response cuts the agent's response instead of ending it", async () => {
        const { upstream, proxy } = await setup();
        upstream.setHandler((_req, res) => {
            res.writeHead(200, { "Content-Length": "100000" });
            res.write(Buffer.alloc(1000, 1));
            setTimeout(() => res.socket?.destroy(), 50);
        });
        const { res } = await open(proxy.port, "/api/file");
        const outcome = await new Promise<string>((resolve) => {
            res.on("data", () => undefined);
            res.on("end", () => resolve("end"));
            res.on("aborted", () => resolve("aborted"));
            res.on("error", () => resolve("error"));
        });
        expect(outcome).not.toBe("end");
        await new Promise((r) => setTimeout(r, 50));
        expect(proxy.access[proxy.access.length - 1]).toMatchObject({ outcome: "upstream_error", status: 200 });
    });
});
