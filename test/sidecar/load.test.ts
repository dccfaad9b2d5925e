/**
 * Load and volume, against the server as a child process (as in the container): many
 * concurrent requests, and large uploads and downloads in bounded memory.
 */
import { createHash, randomBytes } from "crypto";
import http from "http";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { ChildProxy, startChildProxy } from "./helpers/child";
import { send } from "./helpers/client";
import { StreamScanner, assertNoLeaks, fakeToken } from "./helpers/leaks";
import { FakeUpstream, headerValues, startUpstream } from "./helpers/upstream";

const MiB = 1024 * 1024;
const VOLUME = 512 * MiB;
const RSS_LIMIT = 150 * MiB;
const tokens = [fakeToken(), fakeToken()];
let upstreams: FakeUpstream[];
let child: ChildProxy;
// A separate process for the volume tests, so that their peak memory is theirs alone.
let volumeChild: ChildProxy;

beforeAll(async () => {
    upstreams = [await startUpstream(), await startUpstream()];
    const start = () =>
        startChildProxy(
            upstreams.map((u, i) => ({
                path: `/r${i}/`,
                upstream: u.url,
                auth_scheme: i === 0 ? ("Bearer" as const) : ("token" as const),
                token_env: `CRED_PROXY_TOKEN_${i}`,
            })),
            { env: { CRED_PROXY_TOKEN_0: tokens[0], CRED_PROXY_TOKEN_1: tokens[1] } },
        );
    child = await start();
    volumeChild = await start();
});

afterAll(async () => {
    expect(await child.stop()).toBe(0);
    expect(await volumeChild.stop()).toBe(0);
    await Promise.all(upstreams.map((u) => u.close()));
    assertNoLeaks();
});

/** `total` bytes of varied content, produced on demand (never held whole, never on disk). */
function generate(total: number, hash: ReturnType<typeof createHash>): Readable {
    const block = randomBytes(256 * 1024);
    let sent = 0;
    return new Readable({
        read() {
            if (sent >= total) return void this.push(null);
            const chunk = Buffer.from(block.subarray(0, Math.min(block.length, total - sent)));
            chunk.writeUInt32BE(sent >>> 0, 0); // no two chunks alike
            sent += chunk.length;
            hash.update(chunk);
            this.push(chunk);
        },
    });
}

test("2,000 requests at concurrency 100, each with the right token and answer", async () => {
    for (const [i, u] of upstreams.entries()) {
        u.setHandler((req, res) => {
            let body = "";
            req.on("data", (d: Buffer) => (body += d.toString()));
            req.on("end", () => {
                const auth = String(req.headers.authorization);
                res.setHeader("Content-Type", "application/json");
                res.end(JSON.stringify({ route: i, url: req.url, body, tokenOk: auth === `${i ? "token" : "Bearer"} ${tokens[i]}` }));
            });
        });
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    const before = child.stdout.length;
    let next = 0;
    const failures: string[] = [];
    const worker = async () => {
        while (next < 2000) {
            const n = next++;
            const r = n % 2;
            try {
                const res = await send(child.port, `/r${r}/item/${n}?n=${n}`, { method: "POST", body: `payload-${n}`, agent });
                const got = res.json() as { route: number; url: string; body: string; tokenOk: boolean };
                const ok =
                    res.status === 200 && got.route === r && got.url === `/item/${n}?n=${n}` && got.body === `payload-${n}` && got.tokenOk;
                if (!ok) failures.push(`${n}: ${res.status} ${res.text}`);
            } catch (err) {
                failures.push(`${n}: ${String(err)}`);
            }
        }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    agent.destroy();
    expect(failures).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    const lines = child.stdout.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2000);
    expect(lines.every((l) => l.status === 200 && l.outcome === "ok")).toBe(true);
    // Pooled: far fewer upstream connections than requests.
    expect(upstreams[0].connections + upstreams[1].connections).toBeLessThan(400);
}, 60_000);

test(`a ${VOLUME / MiB} MiB upload streams through in bounded memory`, async () => {
    let received = 0;
    const upstreamHash = createHash("sha256");
    upstreams[0].setHandler((req, res) => {
        req.on("data", (d: Buffer) => {
            received += d.length;
            upstreamHash.update(d);
        });
        req.on("end", () => res.end("stored"));
    });
    const clientHash = createHash("sha256");
    const req = http.request({
        host: "127.0.0.1",
        port: volumeChild.port,
        path: "/r0/upload",
        method: "PUT",
        agent: false,
        headers: { "Content-Length": VOLUME, "Content-Type": "application/octet-stream" },
    });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
        req.on("response", resolve);
        req.on("error", reject);
    });
    await pipeline(generate(VOLUME, clientHash), req);
    const res = await response;
    res.resume();
    expect(res.statusCode).toBe(200);
    expect(received).toBe(VOLUME);
    expect(upstreamHash.digest("hex")).toBe(clientHash.digest("hex"));
    expect(volumeChild.peakRss()).toBeLessThan(RSS_LIMIT);
}, 90_000);

test(`a ${VOLUME / MiB} MiB download streams through in bounded memory`, async () => {
    const upstreamHash = createHash("sha256");
    upstreams[1].setHandler((_req, res) => {
        res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": VOLUME });
        void pipeline(generate(VOLUME, upstreamHash), res);
    });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port: volumeChild.port, path: "/r1/big.bin", agent: false }, resolve).on("error", reject);
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-length"]).toBe(String(VOLUME));
    const clientHash = createHash("sha256");
    const scanner = new StreamScanner("download body");
    let received = 0;
    let chunks = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
        received += chunk.length;
        clientHash.update(chunk);
        // Scanning every byte would double the test's time; every 16th chunk still covers GBs.
        if (chunks++ % 16 === 0) scanner.push(chunk);
    }
    expect(received).toBe(VOLUME);
    expect(clientHash.digest("hex")).toBe(upstreamHash.digest("hex"));
    expect(volumeChild.peakRss()).toBeLessThan(RSS_LIMIT);
    expect(headerValues(upstreams[1].requests.at(-1)?.rawHeaders ?? [], "authorization")).toEqual([`token ${tokens[1]}`]);
}, 90_000);
