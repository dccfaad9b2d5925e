/**
 * Credentials and headers over the wire, in process, against real loopback upstreams that record
 * what they get: injection, replacement, and header filtering in both directions.
 */
import { rawRequest, send } from "./helpers/client";
import { InProcessProxy, route, startInProcess } from "./helpers/inprocess";
import { assertNoLeaks, fakeToken } from "./helpers/leaks";
import { FakeUpstream, headerValues, readBody, startUpstream } from "./helpers/upstream";

const anthropicToken = fakeToken();
const giteaToken = fakeToken();
let api: FakeUpstream;
let gitea: FakeUpstream;
let proxy: InProcessProxy;
let giteaPrefix: string;

beforeAll(async () => {
    api = await startUpstream();
    gitea = await startUpstream();
    giteaPrefix = `/gitea/127.0.0.1:${gitea.port}/`;
    proxy = await startInProcess([
        route("/anthropic/", api.url, anthropicToken),
        route(giteaPrefix, `${gitea.url}/sub/`, giteaToken, "token"),
    ]);
});

afterAll(async () => {
    await proxy.shutdown();
    await Promise.all([api.close(), gitea.close()]);
    assertNoLeaks();
});

const last = (u: FakeUpstream) => u.requests[u.requests.length - 1];

describe("credentials", () => {
    test("whatever the agent sends is replaced by exactly one injected Authorization", async () => {
        await send(proxy.port, "/anthropic/v1/messages", {
            method: "POST",
            body: "{}",
            headers: [
                "Authorization",
                "Bearer placeholder",
                "authorization",
                "Basic dXNlcjpwYXNz",
                "X-Api-Key",
                "placeholder",
                "x-api-key",
                "other",
                "Proxy-Authorization",
                "Basic cHJveHk6cHc=",
                "Content-Type",
                "application/json",
            ],
        });
        const rec = last(api);
        expect(headerValues(rec.rawHeaders, "authorization")).toEqual([`Bearer ${anthropicToken}`]);
        expect(headerValues(rec.rawHeaders, "x-api-key")).toEqual([]);
        expect(headerValues(rec.rawHeaders, "proxy-authorization")).toEqual([]);
        expect(rec.rawHeaders.join("\n")).not.toContain("placeholder");
        expect(headerValues(rec.rawHeaders, "content-type")).toEqual(["application/json"]);
    });

    test("each route gets only its own token", async () => {
        await send(proxy.port, `${giteaPrefix}x`);
        expect(last(gitea).rawHeaders.join("\n")).not.toContain(anthropicToken);
        await send(proxy.port, "/anthropic/x");
        expect(last(api).rawHeaders.join("\n")).not.toContain(giteaToken);
    });

    test("a response header echoing the token is dropped and reported", async () => {
        api.setHandler((req, res) => {
            res.setHeader("X-Echo-Auth", String(req.headers.authorization));
            res.setHeader("Location", `https://elsewhere/?t=${String(req.headers.authorization)}`);
            res.setHeader("X-Safe", "yes");
            res.end("ok");
        });
        try {
            const res = await send(proxy.port, "/anthropic/echo");
            expect(res.headers["x-echo-auth"]).toBeUndefined();
            expect(res.headers.location).toBeUndefined();
            expect(res.headers["x-safe"]).toBe("yes");
            expect(proxy.events.some((l) => l.includes("dropped 2 response header(s)"))).toBe(true);
        } finally {
            api.setHandler((req, res, rec) => void readBody(req, rec).then(() => res.end("{}")));
        }
    });
});

describe("no token reaches the agent in a response head", () => {
    const restore = () => api.setHandler((req, res, rec) => void readBody(req, rec).then(() => res.end("{}")));

    test("a header whose name carries the token is dropped", async () => {
        api.setHandler((req, res) => {
            const token = String(req.headers.authorization).replace(/^Bearer /, "");
            res.writeHead(200, [`X-${token}`, "1", `x-${token.toUpperCase()}-b`, "2", "X-Safe", "yes"]);
            res.end("ok");
        });
        try {
            const res = await send(proxy.port, "/anthropic/name");
            expect(res.status).toBe(200);
            expect(res.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase())).not.toContainEqual(
                expect.stringContaining(anthropicToken.slice(5, 12)),
            );
            expect(res.headers["x-safe"]).toBe("yes");
        } finally {
            restore();
        }
    });

    test("another route's token, echoed in a header, is dropped too", async () => {
        // Both routes behind one upstream: the gitea route's token shows up on the anthropic route.
        api.setHandler((_req, res) => {
            res.writeHead(200, ["X-Leak", `token ${giteaToken}`, "X-Leak-Lower", giteaToken.toUpperCase(), "X-Other", "fine"]);
            res.end("ok");
        });
        try {
            const res = await send(proxy.port, "/anthropic/other");
            expect(res.headers["x-leak"]).toBeUndefined();
            expect(res.headers["x-leak-lower"]).toBeUndefined();
            expect(res.headers["x-other"]).toBe("fine");
        } finally {
            restore();
        }
    });

    test("a percent-encoded token in a Location header is dropped", async () => {
        api.setHandler((_req, res) => {
            res.writeHead(302, ["Location", `https://elsewhere/?t=${encodeURIComponent(`${anthropicToken}/+=`)}`]);
            res.end();
        });
        try {
            const res = await send(proxy.port, "/anthropic/redirect");
            expect(res.status).toBe(302);
            expect(res.headers.location).toBeUndefined();
        } finally {
            restore();
        }
    });

    test("the upstream's reason phrase is never relayed", async () => {
        api.setHandler((req, res) => {
            res.statusMessage = `Echo ${String(req.headers.authorization)}`;
            res.end("ok");
        });
        try {
            const res = await send(proxy.port, "/anthropic/reason");
            expect(res.status).toBe(200);
            const status = await rawRequest(proxy.port, "GET /anthropic/reason HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            expect(status.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
        } finally {
            restore();
        }
    });
});

describe("headers", () => {
    test("headers that override the target or the method, and other credentials, are dropped", async () => {
        await send(proxy.port, "/anthropic/v1/models", {
            headers: [
                "X-Original-URL",
                "/admin",
                "X-Rewrite-URL",
                "/admin",
                "X-Override-URL",
                "/admin",
                "X-Original-URI",
                "/admin",
                "X-HTTP-Method-Override",
                "DELETE",
                "X-HTTP-Method",
                "DELETE",
                "X-Method-Override",
                "DELETE",
                "X-Host",
                "evil.example",
                "X-Original-Host",
                "evil.example",
                "Cookie2",
                "$Version=1",
                "Private-Token",
                "agent-own",
                "Job-Token",
                "agent-own",
                "X-Auth-Token",
                "agent-own",
                "X-Keep",
                "kept",
            ],
        });
        const rec = last(api);
        expect(rec.method).toBe("GET");
        const names = rec.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
        expect(names.sort()).toEqual(["authorization", "connection", "host", "x-keep"].sort());
        expect(rec.rawHeaders.join("\n")).not.toMatch(/admin|DELETE|evil|agent-own|Version/);
    });

    test("hop-by-hop, cookie and forwarding headers from the agent are dropped", async () => {
        // POST with a body: Node's client only allows Trailer on a chunked message.
        await send(proxy.port, "/anthropic/h", {
            method: "POST",
            body: "x",
            headers: [
                "Connection",
                "keep-alive, X-Hop-Custom",
                "X-Hop-Custom",
                "1",
                "Keep-Alive",
                "timeout=5",
                "TE",
                "trailers",
                "Trailer",
                "X-Checksum",
                "Proxy-Connection",
                "keep-alive",
                "Cookie",
                "session=agent",
                "X-Forwarded-For",
                "10.0.0.1",
                "X-Forwarded-Host",
                "evil.example",
                "X-Forwarded-Proto",
                "https",
                "Forwarded",
                "for=10.0.0.1",
                "X-Real-IP",
                "10.0.0.1",
                "X-Keep",
                "kept",
                "Accept",
                "a/b",
                "Accept",
                "c/d",
            ],
        });
        const names = new Set(
            last(api)
                .rawHeaders.filter((_, i) => i % 2 === 0)
                .map((n) => n.toLowerCase()),
        );
        for (const gone of [
            "x-hop-custom",
            "te",
            "trailer",
            "proxy-connection",
            "cookie",
            "x-forwarded-for",
            "x-forwarded-host",
            "x-forwarded-proto",
            "forwarded",
            "x-real-ip",
        ]) {
            expect(names.has(gone)).toBe(false);
        }
        expect(headerValues(last(api).rawHeaders, "keep-alive")).toEqual([]);
        expect(headerValues(last(api).rawHeaders, "connection")).not.toContain("keep-alive, X-Hop-Custom");
        expect(headerValues(last(api).rawHeaders, "x-keep")).toEqual(["kept"]);
        expect(headerValues(last(api).rawHeaders, "accept")).toEqual(["a/b", "c/d"]);
    });

    test("hop-by-hop and cookie headers from the upstream are dropped", async () => {
        api.setHandler((_req, res) => {
            res.writeHead(200, [
                "Connection",
                "X-Up-Hop",
                "X-Up-Hop",
                "1",
                "Keep-Alive",
                "timeout=5",
                "Proxy-Authenticate",
                "Basic realm=x",
                "Trailer",
                "X-Sum",
                "Upgrade",
                "h2c",
                "Set-Cookie",
                "session=up; Path=/",
                "X-Up-Keep",
                "kept",
            ]);
            res.end("ok");
        });
        try {
            const res = await send(proxy.port, "/anthropic/r");
            expect(res.text).toBe("ok");
            for (const gone of ["x-up-hop", "keep-alive", "proxy-authenticate", "trailer", "upgrade", "set-cookie"]) {
                expect(res.headers[gone]).toBeUndefined();
            }
            expect(res.headers["x-up-keep"]).toBe("kept");
        } finally {
            api.setHandler((req, res, rec) => void readBody(req, rec).then(() => res.end("{}")));
        }
    });

    test("a chunked body on a GET stays framed: the upstream sees one request", async () => {
        const before = api.requests.length;
        await send(proxy.port, "/anthropic/g", {
            headers: { "Transfer-Encoding": "chunked" },
            body: "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
        });
        await new Promise((r) => setTimeout(r, 100));
        expect(api.requests.length).toBe(before + 1);
        expect(last(api).body.toString()).toBe("GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    });
});
