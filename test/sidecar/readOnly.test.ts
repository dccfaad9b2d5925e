/**
 * Read-only routes: reads and git fetches are forwarded, every write and every git push is
 * refused with a 403 before any upstream is contacted, and the refusal is logged with its reason.
 */
import { readOnlyRefusal } from "../../sidecar/routing";
import { rawRequest, rawStatus } from "./helpers/client";
import { InProcessProxy, route, startInProcess } from "./helpers/inprocess";
import { assertNoLeaks, fakeToken } from "./helpers/leaks";
import { FakeUpstream, startUpstream } from "./helpers/upstream";

let upstream: FakeUpstream;
let proxy: InProcessProxy;

beforeAll(async () => {
    upstream = await startUpstream();
    proxy = await startInProcess([
        { ...route("/gitea/g.example/", upstream.url, fakeToken(), "token"), access: "read-only" },
        route("/rw/", upstream.url, fakeToken()),
    ]);
});

afterAll(async () => {
    await proxy.shutdown();
    await upstream.close();
    assertNoLeaks();
});

const request = (method: string, target: string, body = "") =>
    `${method} ${target} HTTP/1.1\r\nHost: cred-proxy\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

describe("a read-only route", () => {
    test.each([
        ["GET", "/gitea/g.example/api/v1/repos/o/r"],
        ["HEAD", "/gitea/g.example/api/v1/repos/o/r"],
        ["OPTIONS", "/gitea/g.example/api/v1/repos/o/r"],
        ["GET", "/gitea/g.example/o/r.git/info/refs?service=git-upload-pack"],
        ["POST", "/gitea/g.example/o/r.git/git-upload-pack"],
    ])("forwards %s %s", async (method, target) => {
        const before = upstream.requests.length;
        const text = await rawRequest(proxy.port, Buffer.from(request(method, target, method === "POST" ? "0000" : ""), "latin1"), 3_000);
        expect(rawStatus(text)).toBe(200);
        expect(upstream.requests.length).toBe(before + 1);
    });

    test.each([
        ["POST", "/gitea/g.example/api/v1/user/repos", "is refused on a read-only route"],
        ["PUT", "/gitea/g.example/api/v1/repos/o/r/contents/x", "is refused on a read-only route"],
        ["PATCH", "/gitea/g.example/api/v1/repos/o/r", "is refused on a read-only route"],
        ["DELETE", "/gitea/g.example/api/v1/repos/o/r", "is refused on a read-only route"],
        ["POST", "/gitea/g.example/o/r.git/git-receive-pack", "git pushes (git-receive-pack) are refused"],
        ["GET", "/gitea/g.example/o/r.git/git-receive-pack", "git pushes (git-receive-pack) are refused"],
        ["GET", "/gitea/g.example/o/r.git/info/refs?service=git-receive-pack", "git pushes (git-receive-pack) are refused"],
        ["GET", "/gitea/g.example/o/r.git/info/refs?service=git-upload-pack&service=git-receive-pack", "git pushes"],
        ["GET", "/gitea/g.example/o/r.git/info/refs?service=git%2Dreceive-pack", "git pushes"],
        ["POST", "/gitea/g.example/o/r.git/git-upload-pack%2F..%2Fgit-receive-pack", "is refused on a read-only route"],
    ])("refuses %s %s with a 403 naming the rule, before any upstream is contacted", async (method, target, rule) => {
        const connections = upstream.connections;
        const logged = proxy.access.length;
        const text = await rawRequest(proxy.port, Buffer.from(request(method, target, method === "GET" ? "" : "x"), "latin1"), 3_000);
        const status = rawStatus(text);
        // A target with an encoded slash is refused as unsafe (400) before the route's rule: either way, never forwarded.
        expect(status === 403 || (status === 400 && target.includes("%2F"))).toBe(true);
        if (status === 403) {
            const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as { error: { type: string; message: string } };
            expect(body.error.type).toBe("forbidden");
            expect(body.error.message).toContain(rule);
            expect(proxy.access.slice(logged)).toContainEqual(
                expect.objectContaining({ status: 403, outcome: "refused", reason: "read_only" }),
            );
        }
        expect(upstream.connections).toBe(connections);
    });

    test("a read-write route on the same upstream still forwards writes", async () => {
        const text = await rawRequest(proxy.port, Buffer.from(request("POST", "/rw/o/r.git/git-receive-pack", "0000"), "latin1"), 3_000);
        expect(rawStatus(text)).toBe(200);
    });
});

describe("readOnlyRefusal, the rule itself", () => {
    test("a git ref advertisement without a service (the dumb protocol) is a read", () => {
        expect(readOnlyRefusal("GET", "/o/r.git/info/refs", "")).toBeUndefined();
    });
    test("only the literal upload-pack endpoint takes a POST", () => {
        expect(readOnlyRefusal("POST", "/o/r.git/git-upload-pack", "")).toBeUndefined();
        expect(readOnlyRefusal("POST", "/o/r.git/git-upload-packs", "")).toMatch(/refused/);
        expect(readOnlyRefusal("POST", "/o/r.git/git-upload-pack/x", "")).toMatch(/refused/);
    });
});
