/**
 * What a hostile agent can put on the wire, sent over raw sockets so no client library can
 * normalise it first. Every case must be refused before any upstream is contacted.
 */
import { rawRequest, rawStatus } from "./helpers/client";
import { InProcessProxy, route, startInProcess } from "./helpers/inprocess";
import { assertNoLeaks, fakeToken } from "./helpers/leaks";
import { FakeUpstream, startUpstream } from "./helpers/upstream";

let upstream: FakeUpstream;
let other: FakeUpstream; // a host the agent would love to reach through the proxy
let proxy: InProcessProxy;

beforeAll(async () => {
    upstream = await startUpstream();
    other = await startUpstream();
    proxy = await startInProcess([route("/anthropic/", `${upstream.url}/base`, fakeToken())]);
});

afterAll(async () => {
    await proxy.shutdown();
    await Promise.all([upstream.close(), other.close()]);
    assertNoLeaks();
});

/** Sends `head` (a request line and headers) and expects `status` with nobody contacted. */
async function expectRefused(request: string, status: number): Promise<string> {
    const before = upstream.connections + other.connections;
    const text = await rawRequest(proxy.port, Buffer.from(request, "latin1"), 1_500);
    expect(rawStatus(text)).toBe(status);
    expect(text).toMatch(/\r\nContent-Type: application\/json\r\n/);
    expect(upstream.connections + other.connections).toBe(before);
    return text;
}

const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: cred-proxy\r\n\r\n`;

describe("path traversal and unsafe paths: 400", () => {
    test.each([
        "/anthropic/../x",
        "/anthropic/..",
        "/anthropic/./x",
        "/anthropic/x/../../y",
        "/anthropic/%2e%2e/x",
        "/anthropic/%2E%2E/x",
        "/anthropic/%2e%2E/x",
        "/anthropic/.%2e/x",
        "/anthropic/.%2E/x",
        "/anthropic/%2e./x",
        "/anthropic/%2E./x",
        "/anthropic/%2e",
        "/anthropic/..%2fx",
        "/anthropic/x%2f..%2f..%2fy",
        "/anthropic/x%2F..",
        "/anthropic/%252e%252e/x",
        "/anthropic/%25252e%25252e/x",
        "/anthropic/%2525252e/x",
        "/anthropic/..;/x",
        "/anthropic/%2e%2e;jsessionid=1/x",
        "/anthropic\\..\\x",
        "/anthropic/a\\b",
        "/anthropic/%5c",
        "/anthropic/%5C..%5Cx",
        "/anthropic/..%5cx",
        "/anthropic/%255c",
        "/anthropic/%00",
        "/anthropic/a%0d%0aX-Injected:%20yes",
        "/anthropic/a%09b",
        "/anthropic/%7f",
        "/anthropic/%zz",
        "/anthropic/%2",
        "/anthropic//x",
        "/anthropic/x#frag",
        '/anthropic/a"b',
        "/anthropic/a<b>",
        "/anthropic/x?q=a\\b",
        "/anthropic/x?q=#f",
        "*",
    ])("%s", async (target) => {
        await expectRefused(get(target), 400);
    });

    test("non-ASCII bytes and spaces in the target never reach an upstream", async () => {
        await expectRefused(get("/anthropic/\xe2\x9c\x93"), 400);
        await expectRefused("GET /anthropic/a b HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    });

    test("an encoded dot that is not a dot segment is fine", async () => {
        const text = await rawRequest(
            proxy.port,
            "GET /anthropic/file%2ejson/..x/x..;y=1/%2e%2ex HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        expect(rawStatus(text)).toBe(200);
        expect(upstream.requests[upstream.requests.length - 1].url).toBe("/base/file%2ejson/..x/x..;y=1/%2e%2ex");
    });
});

describe("credentials in the query string: 400", () => {
    test.each([
        "/anthropic/x?access_token=agent-own",
        "/anthropic/x?token=agent-own",
        "/anthropic/x?page=2&TOKEN=agent-own",
        "/anthropic/x?%74oken=agent-own",
        "/anthropic/x?access%5Ftoken=agent-own",
        "/anthropic/x?private_token=agent-own",
        "/anthropic/x?api_key=agent-own",
        "/anthropic/x?apikey=agent-own",
        "/anthropic/x?a=1;token=agent-own",
        "/anthropic/x?token[]=agent-own",
        "/anthropic/x?token",
        "/anthropic/x?token=",
    ])("%s", async (target) => {
        const text = await expectRefused(get(target), 400);
        expect(text).toContain("is a credential");
        expect(text).not.toContain("agent-own");
    });

    test("parameters that only look alike are forwarded", async () => {
        const before = upstream.requests.length;
        const text = await rawRequest(
            proxy.port,
            "GET /anthropic/x?page_token=a&tokens=2&q=token&next=access_token&key=k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        expect(rawStatus(text)).toBe(200);
        expect(upstream.requests.length).toBe(before + 1);
        expect(upstream.requests[before].url).toBe("/base/x?page_token=a&tokens=2&q=token&next=access_token&key=k");
        expect(proxy.access.some((l) => l.reason === "query_credential")).toBe(true);
    });
});

describe("nothing pipelined after a refusal is forwarded", () => {
    test.each([
        ["an unknown route", "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404],
        ["TRACE", "TRACE /anthropic/x HTTP/1.1\r\nHost: x\r\n\r\n", 405],
        ["a traversal", "GET /anthropic/../x HTTP/1.1\r\nHost: x\r\n\r\n", 400],
        ["an upgrade", "GET /anthropic/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", 501],
    ])("after %s", async (_name, refused, status) => {
        const text = await expectRefused(refused + "GET /anthropic/after HTTP/1.1\r\nHost: x\r\n\r\n".repeat(3), status);
        expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    });

    test("a request before the refusal is still answered, in order", async () => {
        const before = upstream.requests.length;
        const text = await rawRequest(
            proxy.port,
            "GET /anthropic/first HTTP/1.1\r\nHost: x\r\n\r\n" +
                "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n" +
                "GET /anthropic/after HTTP/1.1\r\nHost: x\r\n\r\n",
        );
        expect([...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1])).toEqual(["200", "404"]);
        expect(upstream.requests.slice(before).map((r) => r.url)).toEqual(["/base/first"]);
    });
});

describe("not an open proxy", () => {
    test("absolute-form targets are refused, whatever host they name", async () => {
        await expectRefused(get(`http://127.0.0.1:${other.port}/anthropic/x`), 400);
        await expectRefused(get(`${upstream.url}/base/x`), 400);
        await expectRefused(get("https://api.anthropic.com/v1/messages"), 400);
    });

    test("authority-form targets are refused", async () => {
        await expectRefused(get(`127.0.0.1:${other.port}`), 400);
    });

    test("CONNECT is refused with 405 and the socket is not tunnelled", async () => {
        const target = `127.0.0.1:${other.port}`;
        const text = await expectRefused(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n`, 405);
        expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
        expect(proxy.access.some((l) => l.method === "CONNECT" && l.status === 405)).toBe(true);
    });

    test("CONNECT to a routed path is refused too", async () => {
        await expectRefused("CONNECT /anthropic/x HTTP/1.1\r\nHost: x\r\n\r\n", 405);
    });

    test("a WebSocket upgrade is refused with 501", async () => {
        await expectRefused(
            "GET /anthropic/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            501,
        );
    });

    test("an HTTP/2 preface gets no tunnel and no upstream", async () => {
        const before = upstream.connections + other.connections;
        const text = await rawRequest(proxy.port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 1_000);
        expect(rawStatus(text)).not.toBe(200);
        expect(upstream.connections + other.connections).toBe(before);
    });
});

describe("request smuggling", () => {
    const post = (headers: string, body: string) => `POST /anthropic/x HTTP/1.1\r\nHost: x\r\n${headers}\r\n${body}`;

    test.each([
        ["Content-Length with Transfer-Encoding", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"],
        ["Transfer-Encoding with Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "0\r\n\r\n"],
        ["two different Content-Lengths", "Content-Length: 4\r\nContent-Length: 5\r\n", "abcde"],
        ["two equal Content-Lengths", "Content-Length: 4\r\nContent-Length: 4\r\n", "abcd"],
        ["a signed Content-Length", "Content-Length: +4\r\n", "abcd"],
        ["two Transfer-Encodings", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"],
        ["a coding before chunked", "Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"],
        ["Transfer-Encoding: identity", "Transfer-Encoding: identity\r\n", ""],
        ["chunked then identity", "Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n"],
        ["an obs-folded header", "Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n"],
        ["a space before the colon", "Transfer-Encoding : chunked\r\n", "0\r\n\r\n"],
        ["a bare CR in a header", "X-A: a\rb\r\n", ""],
    ])("%s: 400", async (_name, headers, body) => {
        await expectRefused(post(headers, body), 400);
    });

    test("a bad chunk size cuts the connection after the request reached nobody", async () => {
        const before = upstream.requests.length;
        const text = await rawRequest(proxy.port, post("Transfer-Encoding: chunked\r\n", "zz\r\nabcd\r\n0\r\n\r\n"), 1_500);
        expect(text).not.toMatch(/^HTTP\/1\.1 200/);
        // Node may already have passed the headers on; the upstream must not see a complete body.
        expect(upstream.requests.slice(before).every((r) => r.aborted || r.bodyLength === 0)).toBe(true);
    });

    test("pipelined requests are each forwarded with their own framing", async () => {
        const before = upstream.requests.length;
        const body = "GET /base/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
        const text = await rawRequest(
            proxy.port,
            `POST /anthropic/one HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
                "GET /anthropic/two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        expect(text.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
        // One after the other, in order: the body stayed a body and no third request appeared.
        const seen = upstream.requests.slice(before);
        expect(seen.map((r) => r.url)).toEqual(["/base/one", "/base/two"]);
        expect(seen.find((r) => r.url === "/base/one")!.body.toString()).toBe(body);
    });
});
