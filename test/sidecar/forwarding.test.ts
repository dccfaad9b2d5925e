/**
 * Forwarding behaviour, in process, against real loopback upstreams that record what they get:
 * routing, pass-through, refusals and the access log. Credentials and headers: credentials.test.ts.
 */
import { send } from "./helpers/client";
import { InProcessProxy, route, startInProcess } from "./helpers/inprocess";
import { assertNoLeaks, fakeToken } from "./helpers/leaks";
import { FakeUpstream, headerValues, readBody, startUpstream } from "./helpers/upstream";

const anthropicToken = fakeToken();
const giteaToken = fakeToken();
const nestedToken = fakeToken();
let api: FakeUpstream; // stands in for api.anthropic.com
let gitea: FakeUpstream; // a Gitea served under /sub
let nested: FakeUpstream; // target of a longer, nested prefix
let proxy: InProcessProxy;
let giteaPrefix: string;

beforeAll(async () => {
    api = await startUpstream();
    gitea = await startUpstream();
    nested = await startUpstream();
    giteaPrefix = `/gitea/127.0.0.1:${gitea.port}/`;
    proxy = await startInProcess([
        route("/anthropic/", api.url, anthropicToken),
        route(giteaPrefix, `${gitea.url}/sub/`, giteaToken, "token"),
        route("/anthropic/nested/", nested.url, nestedToken),
    ]);
});

afterAll(async () => {
    await proxy.shutdown();
    await Promise.all([api.close(), gitea.close(), nested.close()]);
    assertNoLeaks();
});

const last = (u: FakeUpstream) => u.requests[u.requests.length - 1];

describe("routing", () => {
    test("Bearer route: prefix replaced, rest of path and query passed byte for byte", async () => {
        const res = await send(proxy.port, "/anthropic/v1/messages?beta=true&q=%E2%9C%93+x%2Fy");
        expect(res.status).toBe(200);
        const rec = last(api);
        expect(rec.url).toBe("/v1/messages?beta=true&q=%E2%9C%93+x%2Fy");
        expect(headerValues(rec.rawHeaders, "authorization")).toEqual([`Bearer ${anthropicToken}`]);
        expect(headerValues(rec.rawHeaders, "host")).toEqual([`127.0.0.1:${api.port}`]);
    });

    test("token route: the upstream's own path replaces the prefix", async () => {
        const res = await send(proxy.port, `${giteaPrefix}api/v1/repos/o/r`, { method: "POST", body: "hello" });
        expect(res.status).toBe(200);
        const rec = last(gitea);
        expect(rec.url).toBe("/sub/api/v1/repos/o/r");
        expect(rec.body.toString()).toBe("hello");
        expect(headerValues(rec.rawHeaders, "authorization")).toEqual([`token ${giteaToken}`]);
    });

    test("encoded slashes (npm scoped packages) pass through undecoded", async () => {
        await send(proxy.port, "/anthropic/@types%2fnode");
        expect(last(api).url).toBe("/@types%2fnode");
    });

    test("longest prefix wins, on whole segments only", async () => {
        await send(proxy.port, "/anthropic/nested/x");
        expect(last(nested).url).toBe("/x");
        expect(headerValues(last(nested).rawHeaders, "authorization")).toEqual([`Bearer ${nestedToken}`]);
        await send(proxy.port, "/anthropic/nestedx/y");
        expect(last(api).url).toBe("/nestedx/y");
    });

    test("a prefix without its trailing slash maps to the upstream's own path", async () => {
        await send(proxy.port, "/anthropic?x=1");
        expect(last(api).url).toBe("/?x=1");
        await send(proxy.port, giteaPrefix.slice(0, -1));
        expect(last(gitea).url).toBe("/sub");
    });

    test.each(["/anthropicx/v1", "/", "/other/", "/ANTHROPIC/v1", "/%61nthropic/v1", "/anthropic%2fv1"])(
        "unknown route %s: 404 JSON, no upstream contacted",
        async (path) => {
            const before = api.connections + gitea.connections + nested.connections;
            const res = await send(proxy.port, path);
            expect(res.status).toBe(404);
            expect(res.headers["content-type"]).toBe("application/json");
            expect(res.json()).toEqual({ error: { type: "not_found", message: "no route for this path" } });
            expect(api.connections + gitea.connections + nested.connections).toBe(before);
        },
    );

    test("the Host header never selects the upstream", async () => {
        const before = gitea.requests.length;
        await send(proxy.port, "/anthropic/v1/x", { headers: { Host: `127.0.0.1:${gitea.port}` } });
        expect(gitea.requests.length).toBe(before);
        expect(last(api).url).toBe("/v1/x");
        expect(headerValues(last(api).rawHeaders, "host")).toEqual([`127.0.0.1:${api.port}`]);
        const res = await send(proxy.port, "/x", { headers: { Host: "api.anthropic.com" } });
        expect(res.status).toBe(404);
    });

    test("/healthz answers locally", async () => {
        const before = api.connections;
        const res = await send(proxy.port, "/healthz");
        expect(res.status).toBe(200);
        expect(res.json()).toEqual({ status: "ok" });
        expect((await send(proxy.port, "/healthz", { method: "HEAD" })).status).toBe(200);
        expect((await send(proxy.port, "/healthz", { method: "POST" })).status).toBe(405);
        expect(api.connections).toBe(before);
    });
});

describe("pass-through", () => {
    test("redirects reach the agent and are not followed", async () => {
        const elsewhere = await startUpstream();
        api.setHandler((_req, res) => {
            res.writeHead(302, { Location: `${elsewhere.url}/landing` });
            res.end();
        });
        try {
            const res = await send(proxy.port, "/anthropic/moved");
            expect(res.status).toBe(302);
            expect(res.headers.location).toBe(`${elsewhere.url}/landing`);
            expect(elsewhere.connections).toBe(0);
        } finally {
            await elsewhere.close();
            api.setHandler((req, res, rec) => void readBody(req, rec).then(() => res.end("{}")));
        }
    });

    test("upstream errors pass through unchanged", async () => {
        api.setHandler((_req, res) => {
            res.writeHead(529, { "Content-Type": "application/json" });
            res.end('{"type":"error","error":{"type":"overloaded_error"}}');
        });
        try {
            const res = await send(proxy.port, "/anthropic/v1/messages", { method: "POST", body: "{}" });
            expect(res.status).toBe(529);
            expect(res.json()).toEqual({ type: "error", error: { type: "overloaded_error" } });
        } finally {
            api.setHandler((req, res, rec) => void readBody(req, rec).then(() => res.end("{}")));
        }
    });

    test("HEAD keeps the upstream's Content-Length and sends no body", async () => {
        api.setHandler((_req, res) => {
            res.writeHead(200, { "Content-Length": "1234" });
            res.end();
        });
        try {
            const res = await send(proxy.port, "/anthropic/file", { method: "HEAD" });
            expect(res.status).toBe(200);
            expect(res.headers["content-length"]).toBe("1234");
            expect(res.body.length).toBe(0);
        } finally {
            api.setHandler((req, res, rec) => void readBody(req, rec).then(() => res.end("{}")));
        }
    });
});

// CONNECT, absolute-form targets and traversal need raw sockets: see refusals.test.ts.
describe("refusals before any upstream contact", () => {
    test.each([
        ["TRACE", 405],
        ["PROPFIND", 405],
    ])("method %s is refused with %d", async (method, status) => {
        const before = api.connections;
        const res = await send(proxy.port, "/anthropic/x", { method });
        expect(res.status).toBe(status);
        expect(api.connections).toBe(before);
    });

    test("protocol upgrades are refused with 501", async () => {
        const before = api.connections;
        const res = await send(proxy.port, "/anthropic/ws", {
            headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13" },
        });
        expect(res.status).toBe(501);
        expect(res.json()).toMatchObject({ error: { type: "upgrade_not_supported" } });
        const plain = await send(proxy.port, "/anthropic/ws", { headers: { Upgrade: "h2c" } });
        expect(plain.status).toBe(501);
        expect(api.connections).toBe(before);
    });
});

describe("access log", () => {
    test("one JSON line per request, with the route prefix only", async () => {
        const before = proxy.access.length;
        await send(proxy.port, "/anthropic/v1/secret-path?key=query-secret", { method: "POST", body: "12345" });
        await new Promise((r) => setTimeout(r, 50));
        const lines = proxy.access.slice(before);
        expect(lines).toHaveLength(1);
        const line = lines[0];
        expect(Object.keys(line).sort()).toEqual(
            ["bytes_in", "bytes_out", "duration_ms", "method", "outcome", "route", "status", "time", "upstream"].sort(),
        );
        expect(line).toMatchObject({
            method: "POST",
            route: "/anthropic/",
            status: 200,
            bytes_in: 5,
            upstream: `127.0.0.1:${api.port}`,
            outcome: "ok",
        });
        expect(JSON.stringify(line)).not.toMatch(/secret-path|query-secret/);
    });

    test("refusals are logged with their reason, health checks are not logged", async () => {
        const before = proxy.access.length;
        await send(proxy.port, "/nowhere/x");
        await send(proxy.port, "/healthz");
        await new Promise((r) => setTimeout(r, 50));
        expect(proxy.access.slice(before)).toEqual([
            expect.objectContaining({ route: null, status: 404, outcome: "refused", reason: "no_route" }),
        ]);
    });
});
