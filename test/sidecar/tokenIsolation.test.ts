/**
 * Properties over the wire: whatever the agent sends, on any route of any scheme, header or
 * access, no route's token reaches another route's upstream, and no credential the agent holds
 * reaches any upstream. One upstream per route, so where a token arrived says whose it was.
 */
import fc from "fast-check";
import { AuthScheme } from "../../sidecar/contract";
import { Route } from "../../sidecar/routesFile";
import { InProcessProxy, route, startInProcess } from "./helpers/inprocess";
import { assertNoLeaks, fakeToken } from "./helpers/leaks";
import { FakeUpstream, Recorded, startUpstream } from "./helpers/upstream";

interface RouteShape {
    path: string;
    scheme: AuthScheme;
    header?: string;
    user?: string;
    readOnly?: boolean;
}

// Every scheme, a custom header, Basic, the bare token, and a read-only route.
const SHAPES: RouteShape[] = [
    { path: "/anthropic/", scheme: "Bearer" },
    { path: "/anthropic-key/", scheme: "none", header: "x-api-key" },
    { path: "/gh-git/", scheme: "Basic", user: "x-access-token" },
    { path: "/gitea/g.example/", scheme: "token", readOnly: true },
    { path: "/http/gitlab.example/", scheme: "none", header: "PRIVATE-TOKEN" },
    { path: "/http/svc.example/", scheme: "Bearer", header: "X-Service-Key" },
];

/** The forms in which a token can be seen in an upstream request: itself, and inside a Basic credential. */
function formsOf(token: string, user?: string): string[] {
    return user === undefined ? [token] : [token, Buffer.from(`${user}:${token}`).toString("base64")];
}

const agentToken = fakeToken("agent");
let proxy: InProcessProxy;
let upstreams: FakeUpstream[];
let routes: Route[];

beforeAll(async () => {
    upstreams = await Promise.all(SHAPES.map(() => startUpstream()));
    routes = SHAPES.map((s, i) => {
        const r = route(s.path, upstreams[i].url, fakeToken(`route${i}`), s.scheme, { authHeader: s.header, authUser: s.user });
        return s.readOnly ? { ...r, access: "read-only" as const } : r;
    });
    proxy = await startInProcess(routes);
});

afterAll(async () => {
    await proxy.shutdown();
    await Promise.all(upstreams.map((u) => u.close()));
    assertNoLeaks();
});

/** Header names an agent might put its own credential in, the routes' own among them. */
const headerName = fc.constantFrom(
    "Authorization",
    "authorization",
    "X-Api-Key",
    "x-api-key",
    "PRIVATE-TOKEN",
    "Private-Token",
    "X-Service-Key",
    "x-service-key",
    "Proxy-Authorization",
    "Cookie",
    "X-Auth-Token",
    "Job-Token",
);
const agentValue = fc.constantFrom(
    agentToken,
    `Bearer ${agentToken}`,
    `token ${agentToken}`,
    `Basic ${Buffer.from(`x-access-token:${agentToken}`).toString("base64")}`,
);
const request = fc.record({
    route: fc.nat({ max: SHAPES.length - 1 }),
    method: fc.constantFrom("GET", "POST", "PUT", "DELETE"),
    rest: fc.constantFrom("v1/messages", "o/r.git/info/refs?service=git-upload-pack", "o/r.git/git-upload-pack", "api/v4/user"),
    headers: fc.array(fc.tuple(headerName, agentValue), { maxLength: 4 }),
});

function textOf(rec: Recorded): string {
    return `${rec.url}\n${rec.rawHeaders.join("\n")}\n${rec.body.toString("latin1")}`;
}

test("no route's token reaches another route's upstream, and the agent's credentials reach none", async () => {
    await fc.assert(
        fc.asyncProperty(request, async (req) => {
            const before = upstreams.map((u) => u.requests.length);
            const headers = new Headers();
            for (const [name, value] of req.headers) headers.append(name, value);
            const body = req.method === "GET" ? undefined : "{}";
            const res = await fetch(`http://127.0.0.1:${proxy.port}${SHAPES[req.route].path}${req.rest}`, {
                method: req.method,
                headers,
                body,
            });
            await res.arrayBuffer();
            upstreams.forEach((u, i) => {
                for (const rec of u.requests.slice(before[i])) {
                    const text = textOf(rec);
                    expect(text).not.toContain(agentToken);
                    routes.forEach((r, j) => {
                        if (j === i) return;
                        for (const form of formsOf(r.token, SHAPES[j].user)) expect(text).not.toContain(form);
                    });
                }
                if (i !== req.route) expect(u.requests.length).toBe(before[i]);
            });
            const reached = upstreams[req.route].requests.slice(before[req.route]);
            // What did reach the route's upstream carries exactly its own credential, in its own header, once.
            for (const rec of reached) {
                const values = rec.rawHeaders.filter(
                    (_v, k) => k % 2 === 0 && rec.rawHeaders[k].toLowerCase() === routes[req.route].authHeader.toLowerCase(),
                );
                expect(values).toHaveLength(1);
                expect(rec.rawHeaders[rec.rawHeaders.indexOf(values[0]) + 1]).toBe(routes[req.route].credential);
            }
        }),
        { numRuns: 150 },
    );
});
