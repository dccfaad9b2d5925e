/**
 * Availability against a hostile agent, with the server as a child process, as in the container
 * (whose memory limit is 256 MiB by default): socket errors that must never reach the process,
 * pipelined floods, bodies that stop arriving, readers that stop reading, and the connection
 * limit. Settings come from the environment, as the container passes them.
 */
import http from "http";
import { Socket, connect } from "net";
import { ChildProxy, startChildProxy } from "./helpers/child";
import { rawStatus, send } from "./helpers/client";
import { assertNoLeaks, fakeToken, scan } from "./helpers/leaks";
import { FakeUpstream, readBody, startUpstream } from "./helpers/upstream";

const MiB = 1024 * 1024;
const CONTAINER_MEMORY = 256 * MiB;
const AGENT_TIMEOUT_MS = 1_500;
const MAX_CONNECTIONS = 1_024; // the default
const token = fakeToken();
let upstream: FakeUpstream;
let child: ChildProxy;

beforeAll(async () => {
    upstream = await startUpstream();
    child = await startChildProxy([{ path: "/api/", upstream: upstream.url, auth_scheme: "Bearer", token_env: "CRED_PROXY_TOKEN_0" }], {
        env: {
            CRED_PROXY_TOKEN_0: token,
            CRED_PROXY_AGENT_TIMEOUT_MS: String(AGENT_TIMEOUT_MS),
        },
    });
});

afterEach(() => {
    upstream.setHandler((req, res, rec) => void readBody(req, rec).then(() => res.end("{}")));
});

afterAll(async () => {
    expect(child.stderr.filter((l) => l.includes("fatal"))).toEqual([]);
    expect(await child.stop()).toBe(0);
    await upstream.close();
    assertNoLeaks();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `probe()` holds, polling for at most `ms`; returns whether it did. */
async function eventually(probe: () => boolean, ms = 5_000): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (probe()) return true;
    return probe();
}

/** The proxy is alive and answers: the process runs and /healthz says 200. */
async function expectAlive(): Promise<void> {
    expect(child.proc.exitCode).toBeNull();
    expect((await send(child.port, "/healthz")).status).toBe(200);
}

/** An upstream that takes requests and never answers them, counting those in flight. */
function holdEverything(): { inFlight: () => number; peak: () => number } {
    let inFlight = 0;
    let peak = 0;
    upstream.setHandler((req) => {
        peak = Math.max(peak, ++inFlight);
        req.resume();
        req.socket.once("close", () => inFlight--);
    });
    return { inFlight: () => inFlight, peak: () => peak };
}

/** Opens a raw connection to the proxy; `text()` is everything read from it so far. */
async function open(port = child.port): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
    socket.on("error", () => undefined);
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
    });
    return {
        socket,
        text: () => {
            scan(received, "raw response");
            return received;
        },
        closed,
    };
}

describe("an agent's socket errors never reach the process", () => {
    const get = "GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n";
    const cases: Array<[string, string, number]> = [
        ["CONNECT, then a reset", "CONNECT x:1 HTTP/1.1\r\nHost: x:1\r\n\r\n", 50],
        ["CONNECT, then a close without reading the answer", "CONNECT x:1 HTTP/1.1\r\nHost: x:1\r\n\r\n", 0],
        ["an upgrade request, then a reset", "GET /api/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 0],
        ["a malformed request, then a reset", "GET /api/x HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 0],
        ["half a header block, then a reset", "GET /api/x HTTP/1.1\r\nHost:", 20],
        ["half a body, then a reset", "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc", 20],
        ["a request, then a reset while it is forwarded", get, 20],
        ["200 pipelined requests, then a reset", get.repeat(200), 0],
    ];

    test.each(cases)("%s", async (_name, bytes, waitMs) => {
        for (let i = 0; i < 20; i++) {
            const { socket } = await open();
            socket.write(bytes);
            if (waitMs > 0) await sleep(waitMs);
            if (i % 2 === 0) socket.resetAndDestroy();
            else socket.destroy();
        }
        await sleep(200);
        await expectAlive();
    });

    test("a reset in the middle of a streamed response", async () => {
        upstream.setHandler((_req, res) => {
            res.writeHead(200, { "Content-Type": "text/event-stream" });
            const timer = setInterval(() => res.write("data: x\n\n"), 5);
            res.on("close", () => clearInterval(timer));
        });
        for (let i = 0; i < 10; i++) {
            const { socket, text } = await open();
            socket.write("GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n");
            await eventually(() => text().includes("data: x"), 2_000);
            socket.resetAndDestroy();
        }
        await sleep(200);
        await expectAlive();
    });
});

describe("pipelining", () => {
    test("1,500 pipelined requests in one write reach at most one upstream request, within the memory limit", async () => {
        const held = holdEverything();
        const before = upstream.requests.length;
        const { socket, closed } = await open();
        socket.write("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1_500));
        // The proxy cuts a connection that pipelines far ahead of its answers.
        await Promise.race([closed, sleep(3_000)]);
        expect(socket.destroyed).toBe(true);
        expect(upstream.requests.length - before).toBeLessThanOrEqual(1);
        expect(held.peak()).toBeLessThanOrEqual(1);
        expect(await eventually(() => held.inFlight() === 0)).toBe(true);
        expect(child.peakRss()).toBeLessThan(CONTAINER_MEMORY);
        await expectAlive();
    });

    test("1,500 pipelined requests on each of 500 connections at once stay within the memory limit", async () => {
        const held = holdEverything();
        const baseline = child.openFds();
        const burst = "GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1_500);
        const conns: Awaited<ReturnType<typeof open>>[] = [];
        for (let wave = 0; wave < 5; wave++) conns.push(...(await Promise.all(Array.from({ length: 100 }, () => open()))));
        // All written in one go, so the proxy reads them in the same turns of its event loop.
        for (const conn of conns) conn.socket.write(burst);
        await Promise.all(conns.map((c) => Promise.race([c.closed, sleep(5_000)])));
        expect(conns.every((c) => c.socket.destroyed)).toBe(true);
        expect(child.peakRss()).toBeLessThan(CONTAINER_MEMORY);
        expect(await eventually(() => held.inFlight() === 0 && child.openFds() <= baseline)).toBe(true);
        expect(child.stderr.filter((l) => l.includes("cannot be stopped early"))).toEqual([]);
        await expectAlive();
    }, 20_000);

    test("rounds of 300 pipelined requests and a disconnect leave no descriptor or upstream request behind", async () => {
        const held = holdEverything();
        const baseline = child.openFds();
        for (let round = 0; round < 4; round++) {
            const { socket } = await open();
            socket.write("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n".repeat(300));
            await sleep(100);
            socket.destroy();
            expect(await eventually(() => held.inFlight() === 0 && child.openFds() <= baseline)).toBe(true);
        }
        expect(child.peakRss()).toBeLessThan(CONTAINER_MEMORY);
    });

    test("requests pipelined within the bound are forwarded one after another and answered in order", async () => {
        let inFlight = 0;
        let peak = 0;
        upstream.setHandler((req, res) => {
            peak = Math.max(peak, ++inFlight);
            setTimeout(() => {
                inFlight--;
                res.end(`answer to ${req.url}`);
            }, 30);
        });
        const { socket, text, closed } = await open();
        const paths = [1, 2, 3, 4, 5].map((n) => `/api/n${n}`);
        socket.write(paths.map((p, i) => `GET ${p} HTTP/1.1\r\nHost: x\r\n${i === 4 ? "Connection: close\r\n" : ""}\r\n`).join(""));
        await closed;
        const answers = [...text().matchAll(/answer to (\S+?)(?=HTTP|$)/g)].map((m) => m[1]);
        expect(answers).toEqual(paths.map((p) => p.replace("/api", "")));
        expect(peak).toBe(1);
    });

    test("an agent that leaves with requests pipelined aborts the one upstream request; the rest never start", async () => {
        // Its own process, so that its access lines are exactly these five requests'.
        const own = await startChildProxy(
            [{ path: "/api/", upstream: upstream.url, auth_scheme: "Bearer", token_env: "CRED_PROXY_TOKEN_0" }],
            { env: { CRED_PROXY_TOKEN_0: token } },
        );
        try {
            const held = holdEverything();
            const before = upstream.requests.length;
            const baseline = own.openFds();
            const { socket } = await open(own.port);
            socket.write("GET /api/a HTTP/1.1\r\nHost: x\r\n\r\n".repeat(5));
            expect(await eventually(() => held.inFlight() === 1)).toBe(true);
            socket.destroy();
            expect(await eventually(() => held.inFlight() === 0 && own.openFds() <= baseline)).toBe(true);
            // The one upstream request never had an answer, so its connection closing is the abort.
            expect(upstream.requests.slice(before)).toHaveLength(1);
            // Each of the five ends, with its access line: the agent left before any answer.
            const ended = () => own.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
            expect(await eventually(() => ended().length === 5)).toBe(true);
            expect(ended().map((l) => [l.status, l.outcome])).toEqual(Array(5).fill([499, "client_aborted"]));
        } finally {
            await own.stop();
        }
    });
});

describe("stalled agents are timed out", () => {
    test("3,200 bodies that stop one byte short: the limit holds, the rest are refused at once, all end in 408 or 503", async () => {
        // Its own process, with a timeout long enough for all 3,200 to arrive before the first
        // times out, so the count of each answer is exact and the peak memory is this test's.
        const timeoutMs = 10_000;
        const flooded = await startChildProxy(
            [{ path: "/api/", upstream: upstream.url, auth_scheme: "Bearer", token_env: "CRED_PROXY_TOKEN_0" }],
            { env: { CRED_PROXY_TOKEN_0: token, CRED_PROXY_AGENT_TIMEOUT_MS: String(timeoutMs) } },
        );
        try {
            await flood(flooded, timeoutMs);
        } finally {
            await flooded.stop();
        }
    }, 60_000);

    async function flood(flooded: ChildProxy, timeoutMs: number): Promise<void> {
        const before = upstream.requests.length;
        const baseline = flooded.openFds();
        const head = "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n";
        const body = Buffer.alloc(65_535, 0x61);
        const started = Date.now();
        // In waves, so that the kernel's accept queue, not the proxy, is never what refuses.
        const conns: Awaited<ReturnType<typeof open>>[] = [];
        for (let wave = 0; wave < 16; wave++) {
            const opened = await Promise.all(Array.from({ length: 200 }, () => open(flooded.port)));
            for (const conn of opened) {
                conn.socket.write(head);
                conn.socket.write(body);
            }
            conns.push(...opened);
        }
        // Everything is in, nothing has timed out yet: the proxy holds at most its limit.
        expect(await eventually(() => conns.filter((c) => rawStatus(c.text()) === 503).length >= 3_200 - MAX_CONNECTIONS)).toBe(true);
        expect(Date.now() - started).toBeLessThan(timeoutMs);
        expect(flooded.openFds() - baseline).toBeLessThanOrEqual(MAX_CONNECTIONS + 16);
        expect((await send(flooded.port, "/healthz").catch(() => undefined))?.status ?? 503).toBe(503);
        await Promise.all(conns.map((c) => Promise.race([c.closed, sleep(timeoutMs * 2)])));
        const statuses = conns.map((c) => rawStatus(c.text()));
        const count = (s: number) => statuses.filter((x) => x === s).length;
        expect(count(408)).toBe(MAX_CONNECTIONS);
        expect(count(503)).toBe(conns.length - MAX_CONNECTIONS);
        conns.forEach((c) => c.socket.destroy());
        expect(upstream.requests.length).toBe(before);
        expect(flooded.peakRss()).toBeLessThan(CONTAINER_MEMORY);
        expect(await eventually(() => flooded.openFds() <= baseline)).toBe(true);
        expect((await send(flooded.port, "/healthz")).status).toBe(200);
    }

    test("a streamed upload that stops gets 408 and its upstream request is aborted", async () => {
        upstream.setHandler((req) => void req.resume());
        const before = upstream.requests.length;
        const { socket, text, closed } = await open();
        socket.write("PUT /api/blob HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n");
        socket.write(Buffer.alloc(100_000, 0x62));
        await Promise.race([closed, sleep(AGENT_TIMEOUT_MS * 4)]);
        expect(rawStatus(text())).toBe(408);
        expect(await eventually(() => upstream.requests.length === before + 1 && upstream.requests[before].aborted)).toBe(true);
    });

    test("a slow upload that keeps moving is not timed out", async () => {
        const chunks = 6;
        const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
            const req = http.request({ host: "127.0.0.1", port: child.port, path: "/api/slow", method: "POST", agent: false }, (r) => {
                let body = "";
                r.on("data", (d: Buffer) => (body += d.toString()));
                r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
            });
            req.on("error", reject);
            let sent = 0;
            const tick = setInterval(() => {
                req.write("x".repeat(1_000));
                if (++sent === chunks) {
                    clearInterval(tick);
                    req.end();
                }
            }, AGENT_TIMEOUT_MS * 0.6);
        });
        expect(res.status).toBe(200);
        expect(upstream.requests[upstream.requests.length - 1].bodyLength).toBe(chunks * 1_000);
    }, 20_000);

    test("an agent that stops reading a response is cut and the upstream's response is dropped", async () => {
        let upstreamClosed = false;
        upstream.setHandler((_req, res) => {
            res.writeHead(200, { "Content-Type": "application/octet-stream" });
            const block = Buffer.alloc(64 * 1024, 0x63);
            const pump = (): void => {
                while (!res.destroyed && res.write(block));
            };
            res.on("drain", pump);
            res.on("close", () => (upstreamClosed = true));
            pump();
        });
        const { socket, text, closed } = await open();
        socket.write("GET /api/download HTTP/1.1\r\nHost: x\r\n\r\n");
        expect(await eventually(() => text().startsWith("HTTP/1.1 200"), 2_000)).toBe(true);
        socket.pause(); // reads nothing more, keeps the connection open
        expect(await eventually(() => upstreamClosed, AGENT_TIMEOUT_MS * 4)).toBe(true);
        // Reading again finds the response cut, never ended: the upstream would have sent for ever.
        socket.resume();
        await closed;
        expect(child.stdout.some((l) => l.includes('"reason":"response_stalled"'))).toBe(true);
    }, 20_000);
});
