/**
 * Header rewriting as units (the forwarding tests check the same rules over the wire).
 */
import { TokenMatcher, agentResponseHeaders, framingProblem, hasRequestBody, upstreamRequestHeaders } from "../../sidecar/headers";
import { route } from "./helpers/inprocess";

const token = "fake-unit-token";
const gitea = route("/gitea/h:3000/", "https://h:3000/sub", token, "token");

const pairs = (raw: string[]) => raw.reduce<string[][]>((acc, v, i) => (i % 2 ? acc : [...acc, [v, raw[i + 1]]]), []);

test("Host is the upstream's and Authorization is injected exactly once", () => {
    const out = upstreamRequestHeaders(
        ["Host", "cred-proxy:8080", "AUTHORIZATION", "token agent", "X-API-KEY", "k", "Accept", "*/*"],
        gitea,
    );
    expect(pairs(out)).toEqual([
        ["Host", "h:3000"],
        ["Accept", "*/*"],
        ["Authorization", `token ${token}`],
    ]);
});

test("a route's own credential header replaces whatever the agent sent under that name", () => {
    const service = route("/http/gitlab.example/", "https://gitlab.example", token, "none", { authHeader: "X-Service-Key" });
    const out = upstreamRequestHeaders(["x-service-key", "agent-own", "X-Custom-Auth", "keep", "Authorization", "Bearer agent"], service);
    expect(pairs(out)).toEqual([
        ["Host", "gitlab.example"],
        ["X-Custom-Auth", "keep"],
        ["X-Service-Key", token],
    ]);
});

test("git on github.com: HTTP Basic with the token as the password of x-access-token", () => {
    const git = route("/gh-git/", "https://github.com", token, "Basic", { authUser: "x-access-token" });
    const out = pairs(upstreamRequestHeaders(["Authorization", "Basic YWdlbnQ6cHc="], git));
    expect(out).toEqual([
        ["Host", "github.com"],
        ["Authorization", `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`],
    ]);
});

test("Anthropic OAuth: the agent's betas are kept and the OAuth beta added once, in one field", () => {
    const anthropic = route("/anthropic/", "https://api.anthropic.com", token);
    const out = pairs(
        upstreamRequestHeaders(["anthropic-beta", "a-1, oauth-2025-04-20", "Anthropic-Beta", "b-2", "x-api-key", "sk-agent"], anthropic),
    );
    expect(out).toEqual([
        ["Host", "api.anthropic.com"],
        ["anthropic-beta", "a-1,oauth-2025-04-20,b-2"],
        ["Authorization", `Bearer ${token}`],
    ]);
    expect(pairs(upstreamRequestHeaders([], anthropic))).toContainEqual(["anthropic-beta", "oauth-2025-04-20"]);
});

test("Anthropic API key: x-api-key only, no Authorization, the agent's betas untouched", () => {
    const key = route("/anthropic/", "https://api.anthropic.com", token, "none", { authHeader: "x-api-key" });
    const out = pairs(upstreamRequestHeaders(["Authorization", "Bearer agent", "anthropic-beta", "a-1", "X-Api-Key", "agent"], key));
    expect(out).toEqual([
        ["Host", "api.anthropic.com"],
        ["anthropic-beta", "a-1"],
        ["x-api-key", token],
    ]);
});

test("a Basic credential echoed back is scrubbed like the token itself", () => {
    const git = route("/gh-git/", "https://github.com", token, "Basic", { authUser: "x-access-token" });
    const matcher = TokenMatcher.forRoutes([git]);
    const { scrubbed } = agentResponseHeaders(["X-Echo", git.credential.slice("Basic ".length)], matcher);
    expect(scrubbed).toBe(1);
});

test("names listed in Connection are dropped, but never the message framing", () => {
    const out = upstreamRequestHeaders(
        ["Connection", "X-A, content-length,  x-b ", "X-A", "1", "x-b", "2", "Content-Length", "3", "X-C", "3"],
        gitea,
    );
    expect(pairs(out).map(([n]) => n)).toEqual(["Host", "Content-Length", "X-C", "Authorization"]);
});

test("response headers: hop-by-hop, cookies and token echoes are dropped", () => {
    const { headers, scrubbed } = agentResponseHeaders(
        [
            "Content-Type",
            "text/plain",
            "Connection",
            "close, X-Hop",
            "X-Hop",
            "1",
            "Transfer-Encoding",
            "chunked",
            "Set-Cookie",
            "a=b",
            "Location",
            `https://h/?auth=token%20${token}`,
            "Location",
            `https://h/?auth=${token}`,
            "WWW-Authenticate",
            "Basic",
        ],
        new TokenMatcher([token]),
    );
    expect(pairs(headers)).toEqual([
        ["Content-Type", "text/plain"],
        ["WWW-Authenticate", "Basic"],
    ]);
    expect(scrubbed).toBe(2);
});

test.each([
    [["Content-Length", "1", "content-length", "1"], "more than one Content-Length header"],
    [["Content-Length", "1", "Transfer-Encoding", "chunked"], "both Content-Length and Transfer-Encoding"],
    [["Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked"], "more than one Transfer-Encoding header"],
    [["Transfer-Encoding", "gzip, chunked"], "a Transfer-Encoding other than chunked"],
    [["Transfer-Encoding", "Chunked"], undefined],
    [["Content-Length", "10"], undefined],
])("framing %j: %s", (raw, problem) => {
    expect(framingProblem(raw)).toBe(problem);
});

test("a body is present with chunked encoding or a non-zero length", () => {
    expect(hasRequestBody(["Transfer-Encoding", "chunked"])).toBe(true);
    expect(hasRequestBody(["Content-Length", "5"])).toBe(true);
    expect(hasRequestBody(["Content-Length", "0"])).toBe(false);
    expect(hasRequestBody(["Accept", "*/*"])).toBe(false);
});

describe("TokenMatcher: every route's token, in names and values, in any case", () => {
    const other = "fake-other-token/+";
    const tokens = new TokenMatcher([token, other]);

    test.each([
        [`Bearer ${token}`, true],
        [token.toUpperCase(), true],
        [`https://h/?t=${encodeURIComponent(other)}`, true],
        [`x-${other}`, true],
        ["fake-unit", false],
        ["", false],
    ])("%j: %s", (text, found) => {
        expect(tokens.foundIn(text)).toBe(found);
    });

    test("a header named after a token is dropped and counted", () => {
        const { headers, scrubbed } = agentResponseHeaders([`X-${token}`, "1", "X-Fine", other, "X-Kept", "1"], tokens);
        expect(pairs(headers)).toEqual([["X-Kept", "1"]]);
        expect(scrubbed).toBe(2);
    });
});
