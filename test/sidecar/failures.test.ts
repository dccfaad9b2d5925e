/**
 * Upstream failures, in process: refused connections, unknown hosts, TLS handshakes and answers
 * that never come, and connection reuse under concurrency.
 */
import http from "http";
import { AddressInfo, Server, Socket, createServer } from "net";
import { send } from "./helpers/client";
import { apiRouteSuite } from "./helpers/inprocess";
import { freePort, headerValues, readBody, startUpstream } from "./helpers/upstream";

const fixture = apiRouteSuite();

async function eventually(probe: () => boolean, ms = 2_000): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (probe()) return true;
    return probe();
}
const { token, setup } = fixture;

describe("upstream failures", () => {
    test("upstream down gives 502, and the route works again once it is back", async () => {
        const port = await freePort();
        const { proxy } = await setup({}, `http://127.0.0.1:${port}`);
        const down = await send(proxy.port, "/api/v1/models", { method: "POST", body: "{}" });
        expect(down.status).toBe(502);
        expect(down.json()).toEqual({
            error: { type: "bad_gateway", message: "the upstream refused the connection" },
        });
        expect(proxy.events.some((l) => l.includes("ECONNREFUSED"))).toBe(true);
        const back = await startUpstream({ port });
        fixture.defer(() => back.close());
        const up = await send(proxy.port, "/api/v1/models");
        expect(up.status).toBe(200);
        expect(headerValues(back.requests[0].rawHeaders, "authorization")).toEqual([`Bearer ${token}`]);
    });

    test("an unresolvable host gives 502", async () => {
        const { proxy } = await setup({}, "http://cred-proxy-test.invalid");
        const res = await send(proxy.port, "/api/x");
        expect(res.status).toBe(502);
        expect(res.json()).toMatchObject({ error: { type: "bad_gateway" } });
    });

    test("a TLS handshake that never completes hits the connect timeout: 504", async () => {
        const sockets: Socket[] = [];
        const silent: Server = createServer((s) => sockets.push(s)); // accepts, never speaks TLS
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
        fixture.defer(async () => {
            sockets.forEach((s) => s.destroy());
            await new Promise((r) => silent.close(r));
        });
        const { proxy } = await setup({ connectTimeoutMs: 300 }, `https://127.0.0.1:${(silent.address() as AddressInfo).port}`);
        const started = Date.now();
        const res = await send(proxy.port, "/api/x");
        expect(res.status).toBe(504);
        expect(res.json()).toEqual({
            error: { type: "gateway_timeout", message: "connecting to the upstream timed out" },
        });
        expect(Date.now() - started).toBeLessThan(3_000);
    });

    test("an upstream that never answers hits the headers timeout: 504", async () => {
        const { upstream, proxy } = await setup({ headersTimeoutMs: 300 });
        upstream.setHandler((req, _res, rec) => void readBody(req, rec)); // reads, never answers
        const res = await send(proxy.port, "/api/slow", { method: "POST", body: "x".repeat(1000) });
        expect(res.status).toBe(504);
        expect(res.json()).toEqual({
            error: { type: "gateway_timeout", message: "the upstream did not answer in time" },
        });
        expect(upstream.requests[0].bodyLength).toBe(1000);
    });

    test("many concurrent requests share a few keep-alive upstream connections", async () => {
        const { upstream, proxy } = await setup();
        const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
        for (let round = 0; round < 5; round++) {
            const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => send(proxy.port, `/api/r${round}-${i}`, { agent })));
            expect(replies.every((r) => r.status === 200)).toBe(true);
        }
        agent.destroy();
        expect(upstream.requests).toHaveLength(50);
        expect(upstream.connections).toBeLessThanOrEqual(10);
    });

    describe("an upstream that answers 101 to a request that asked for no upgrade: 502", () => {
        async function switchingUpstream() {
            const sockets: Socket[] = [];
            const server: Server = createServer((socket) => {
                sockets.push(socket);
                socket.once("data", () =>
                    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nraw bytes"),
                );
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            fixture.defer(async () => {
                sockets.forEach((s) => s.destroy());
                await new Promise((r) => server.close(r));
            });
            return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        }

        test.each([
            ["a bodiless GET (undici)", { method: "GET" }],
            ["a small POST (undici)", { method: "POST", body: "{}" }],
            ["a chunked POST (Node's client)", { method: "POST", headers: { "Transfer-Encoding": "chunked" }, body: "abc" }],
            ["a POST over 64 KiB (Node's client)", { method: "POST", body: Buffer.alloc(70_000, 0x61) }],
            ["a GET with Expect: 100-continue (Node's client)", { method: "GET", headers: { Expect: "100-continue" } }],
        ])(
            "%s",
            async (_name, opts) => {
                const { proxy } = await setup({}, await switchingUpstream());
                const res = await send(proxy.port, "/api/ws", opts as Parameters<typeof send>[2]);
                expect(res.status).toBe(502);
                expect(res.json()).toMatchObject({ error: { type: "bad_gateway" } });
                expect(res.text).not.toContain("raw bytes");
                expect(await eventually(() => proxy.access.some((l) => l.status === 502 && l.outcome === "upstream_error"))).toBe(true);
            },
            10_000,
        );
    });

    describe("a pooled connection the upstream drops without answering", () => {
        /** Answers the first request on its first connection, then drops that connection at the
         * next request, as a server closing an idle keep-alive connection races with reuse. */
        async function flakyUpstream() {
            let connections = 0;
            const sockets: Socket[] = [];
            const server: Server = createServer((socket) => {
                const id = ++connections;
                let requests = 0;
                sockets.push(socket);
                socket.on("data", (d: Buffer) => {
                    const lines = d.toString("latin1").match(/ HTTP\/1\.1\r\n/g)?.length ?? 0;
                    for (let i = 0; i < lines; i++) {
                        if (id === 1 && ++requests === 2) return void socket.destroy();
                        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    }
                });
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            fixture.defer(async () => {
                sockets.forEach((s) => s.destroy());
                await new Promise((r) => server.close(r));
            });
            return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => connections };
        }

        test("a request without a body is retried once on a fresh connection", async () => {
            const flaky = await flakyUpstream();
            const { proxy } = await setup({}, flaky.url);
            expect((await send(proxy.port, "/api/one")).status).toBe(200);
            const second = await send(proxy.port, "/api/two");
            expect(second.status).toBe(200);
            expect(second.text).toBe("ok");
            expect(flaky.count()).toBe(2);
        });

        test("a POST is not replayed even without a body: only idempotent methods are", async () => {
            const flaky = await flakyUpstream();
            const { proxy } = await setup({}, flaky.url);
            expect((await send(proxy.port, "/api/one")).status).toBe(200);
            const second = await send(proxy.port, "/api/two", { method: "POST", headers: { "Content-Length": "0" } });
            expect(second.status).toBe(502);
            expect(flaky.count()).toBe(1);
        });

        test("a request with a body is not replayed: 502", async () => {
            const flaky = await flakyUpstream();
            const { proxy } = await setup({}, flaky.url);
            expect((await send(proxy.port, "/api/one")).status).toBe(200);
            const second = await send(proxy.port, "/api/two", { method: "POST", body: "not twice" });
            expect(second.status).toBe(502);
            expect(second.json()).toEqual({ error: { type: "bad_gateway", message: "the upstream closed the connection" } });
            expect(flaky.count()).toBe(1);
        });
    });
});
