import { ManifestError, parseBottleManifest, RouteKind, type ManifestIssue } from "../../../components/core";
import { fakeToken } from "../../helpers/fakeTokens";

function manifestError(input: unknown): ManifestError {
    try {
        parseBottleManifest(input);
    } catch (err) {
        expect(err).toBeInstanceOf(ManifestError);
        return err as ManifestError;
    }
    throw new Error("expected a ManifestError");
}

/** The issues of a manifest that must be refused. */
function issuesOf(input: unknown): ManifestIssue[] {
    return manifestError(input).issues;
}

/** The issues of a one-entry manifest. */
function entryIssues(entry: unknown): ManifestIssue[] {
    return issuesOf({ tokens: [entry] });
}

function expectAccepted(entry: Record<string, unknown>): void {
    expect(parseBottleManifest({ tokens: [entry] })).toEqual({ tokens: [entry] });
}

/** Everything a user could see of an error. */
function visibleText(err: ManifestError): string {
    return [err.message, String(err), err.stack ?? "", JSON.stringify(err.issues)].join("\n");
}

describe("parseBottleManifest: the document", () => {
    it.each([
        ["null", null],
        ["undefined", undefined],
        ["a number", 42],
        ["a string", "tokens: []"],
        ["a boolean", true],
        ["a list", [{ Kind: "npm", TokenRef: "NPM_TOKEN" }]],
    ])("refuses %s as a manifest, at the document path", (_label, input) => {
        const issues = issuesOf(input);
        expect(issues).toEqual([{ path: "", message: expect.stringMatching(/object|mapping/) }]);
    });

    it("takes a manifest without tokens as an empty token list", () => {
        expect(parseBottleManifest({})).toEqual({ tokens: [] });
        expect(parseBottleManifest({ egress: { allow: [] } })).toEqual({ egress: { allow: [] }, tokens: [] });
    });

    it("keeps every other top-level key unchanged", () => {
        const others = {
            egress: { allow: ["api.anthropic.com", "registry.npmjs.org"], ports: [443] },
            gitGateway: { repos: [{ name: "o/r", write: false }] },
            slug: "my-bottle",
            nothing: null,
            count: 3,
            flag: false,
            nested: { tokens: "not the token list" },
        };
        const input = { ...others, tokens: [{ Kind: "npm", TokenRef: "NPM_TOKEN" }] };
        const before = structuredClone(input);
        const bottle = parseBottleManifest(input);
        expect(bottle).toEqual({ ...others, tokens: [{ Kind: "npm", TokenRef: "NPM_TOKEN" }] });
        expect(bottle.egress).toEqual(others.egress);
        expect(input).toEqual(before); // the input itself is not modified
    });

    it.each([
        ["a string", "anthropic"],
        ["a number", 1],
        ["null", null],
        ["an object", { Kind: "npm", TokenRef: "NPM_TOKEN" }],
    ])("refuses tokens that is %s, at path tokens", (_label, tokens) => {
        expect(issuesOf({ tokens })).toEqual([{ path: "tokens", message: expect.stringMatching(/list/) }]);
    });

    it.each([
        ["a string", "npm"],
        ["a number", 0],
        ["null", null],
        ["a list", [{ Kind: "npm", TokenRef: "NPM_TOKEN" }]],
        ["a boolean", true],
    ])("refuses a token entry that is %s, at its index", (_label, entry) => {
        expect(issuesOf({ tokens: [{ Kind: "npm", TokenRef: "NPM_TOKEN" }, entry] })).toEqual([
            { path: "tokens[1]", message: expect.stringMatching(/object/) },
        ]);
    });

    it("returns typed entries in manifest order", () => {
        const tokens = [
            { Kind: "npm", TokenRef: "A" },
            { Kind: "gitea", TokenRef: "B", Url: "https://git.example.com" },
            { Kind: "anthropic", TokenRef: "C" },
            { Kind: "github", TokenRef: "D" },
        ];
        expect(parseBottleManifest({ tokens }).tokens).toEqual(tokens);
    });
});

describe("parseBottleManifest: Kind", () => {
    it("exports the five kinds", () => {
        expect(Object.values(RouteKind).sort()).toEqual(["anthropic", "gitea", "github", "http", "npm"]);
    });

    it.each(["anthropic", "github", "npm"])("accepts %s", (kind) => {
        expectAccepted({ Kind: kind, TokenRef: "SOME_TOKEN" });
    });

    it.each([
        ["an unknown kind", "gitlab"],
        ["a wrong case", "GitHub"],
        ["surrounding space", " npm"],
        ["the empty string", ""],
        ["a number", 1],
        ["null", null],
        ["a list", ["npm"]],
    ])("refuses %s, naming the allowed kinds", (_label, kind) => {
        expect(entryIssues({ Kind: kind, TokenRef: "SOME_TOKEN" })).toEqual([
            { path: "tokens[0].Kind", message: expect.stringContaining("anthropic, github, gitea, npm") },
        ]);
    });

    it("requires Kind", () => {
        expect(entryIssues({ TokenRef: "SOME_TOKEN" })).toEqual([{ path: "tokens[0].Kind", message: expect.stringMatching(/required/) }]);
    });
});

describe("parseBottleManifest: TokenRef", () => {
    it.each(["_X1", "abc", "A", "_", "GITHUB_TOKEN", "a1_B2", "__proto__x"])("accepts %p", (ref) => {
        expectAccepted({ Kind: "npm", TokenRef: ref });
    });

    it.each([
        ["starting with a digit", "1A"],
        ["with a dash", "A-B"],
        ["empty", ""],
        ["with a space inside", "A B"],
        ["with a leading space", " A"],
        ["with a trailing space", "A "],
        ["with a trailing newline", "A\n"],
        ["with a dot", "a.b"],
        ["with a $", "$HOME"],
        ["with non-ASCII letters", "TOKÉN"],
    ])("refuses a TokenRef %s", (_label, ref) => {
        expect(entryIssues({ Kind: "npm", TokenRef: ref })).toEqual([
            { path: "tokens[0].TokenRef", message: expect.stringMatching(/environment variable/) },
        ]);
    });

    it.each([
        ["a number", 12],
        ["null", null],
        ["an object", { env: "X" }],
    ])("refuses a TokenRef that is %s", (_label, ref) => {
        expect(entryIssues({ Kind: "npm", TokenRef: ref })).toEqual([
            { path: "tokens[0].TokenRef", message: expect.stringMatching(/string/) },
        ]);
    });

    it("requires TokenRef", () => {
        expect(entryIssues({ Kind: "npm" })).toEqual([{ path: "tokens[0].TokenRef", message: expect.stringMatching(/required/) }]);
    });

    it("never repeats a pasted token (TokenRef: <the token itself>) in the error", () => {
        const token = fakeToken("pasted");
        const err = manifestError({ tokens: [{ Kind: "github", TokenRef: token }] });
        expect(err.issues.map((i) => i.path)).toEqual(["tokens[0].TokenRef"]);
        expect(visibleText(err)).not.toContain(token);
    });

    it("never repeats a pasted token that happens to look like a name", () => {
        // no dash: only the rule checks can tell; the value must not appear in any message about it
        const token = `ghp_${fakeToken("x").replace(/-/g, "")}`;
        const err = manifestError({ tokens: [{ Kind: "github", TokenRef: token, Url: "https://github.com" }] });
        expect(err.issues.map((i) => i.path)).toEqual(["tokens[0].Url"]);
        expect(visibleText(err)).not.toContain(token);
    });
});

describe("parseBottleManifest: Url", () => {
    it("is required for gitea", () => {
        expect(entryIssues({ Kind: "gitea", TokenRef: "GITEA_TOKEN" })).toEqual([
            { path: "tokens[0].Url", message: expect.stringMatching(/required/) },
        ]);
    });

    it.each(["anthropic", "github", "npm"])("is refused on %s, saying the upstream is fixed", (kind) => {
        expect(entryIssues({ Kind: kind, TokenRef: "SOME_TOKEN", Url: "https://example.com" })).toEqual([
            { path: "tokens[0].Url", message: expect.stringMatching(new RegExp(`gitea[\\s\\S]*${kind}|${kind}[\\s\\S]*gitea`)) },
        ]);
    });

    it.each([
        ["a number", 443],
        ["null", null],
        ["an object", { host: "git.example.com" }],
    ])("must be a string, not %s", (_label, url) => {
        expect(entryIssues({ Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: url })).toEqual([
            { path: "tokens[0].Url", message: expect.stringMatching(/string/) },
        ]);
    });

    it.each([
        "https://git.example.com",
        "https://git.example.com/",
        "http://git.example.com",
        "https://git.example.com:3000/sub/path/",
        "HTTPS://Git.Example.com",
        "http://10.1.2.3:3000",
        "https://[::1]:3000/",
        "https://git.example.com/path@with-at-sign",
    ])("accepts %p", (url) => {
        expectAccepted({ Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: url });
    });

    it.each([
        // [label, Url, message pattern]
        ["a host name without a scheme", "git.example.com", /absolute/],
        ["a relative path", "/gitea/", /absolute/],
        ["the empty string", "", /absolute/],
        ["a scheme without a host", "https://", /absolute|host/],
        ["a scheme and a path but no host", "https:///path", /host/],
        ["a single slash", "https:/git.example.com", /host/],
        ["no slashes", "https:git.example.com", /host/],
        ["ftp", "ftp://git.example.com", /http/],
        ["ssh", "ssh://git@git.example.com/o/r.git", /http/],
        ["file", "file:///srv/gitea", /http/],
        ["javascript", "javascript:alert(1)", /http/],
        ["user and password", "https://user:pass@git.example.com", /user info/],
        ["a user", "https://user@git.example.com", /user info/],
        ["an empty user info", "https://@git.example.com", /user info/],
        ["an empty password", "https://user:@git.example.com", /user info/],
        ["a query", "https://git.example.com/?a=b", /query/],
        ["a bare ?", "https://git.example.com?", /query/],
        ["a bare ? after a path", "https://git.example.com/sub/?", /query/],
        ["a fragment", "https://git.example.com/#top", /fragment/],
        ["a bare #", "https://git.example.com#", /fragment/],
        ["a leading space", " https://git.example.com", /whitespace|control/],
        ["a trailing space", "https://git.example.com ", /whitespace|control/],
        ["a trailing newline", "https://git.example.com\n", /whitespace|control/],
        ["a space inside", "https://git.example.com/a b", /whitespace|control/],
        ["a tab inside", "https://git.\texample.com", /whitespace|control/],
        ["a CR inside", "https://git.example.com/\r", /whitespace|control/],
        ["a NUL", "https://git.example.com/\u0000", /whitespace|control/],
        ["a DEL", "https://git.example.com/\u007f", /whitespace|control/],
        ["an invalid port", "https://git.example.com:99999", /absolute/],
    ])("refuses %s", (_label, url, message) => {
        expect(entryIssues({ Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: url })).toEqual([
            { path: "tokens[0].Url", message: expect.stringMatching(message) },
        ]);
    });

    // The rule the implementation states ("must not contain whitespace or control characters")
    // also covers Unicode line separators and C1 control characters, which URL parsers
    // percent-encode silently, so the upstream "as written" would carry them.
    it.each([
        ["NEL (U+0085, a C1 control character)", "https://git.example.com/\u0085"],
        ["LINE SEPARATOR (U+2028)", "https://git.example.com/a\u2028b"],
        ["NO-BREAK SPACE (U+00A0)", "https://git.example.com/a\u00a0b"],
    ])("refuses a Url holding %s", (_label, url) => {
        expect(entryIssues({ Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: url })).toEqual([
            { path: "tokens[0].Url", message: expect.stringMatching(/whitespace|control/) },
        ]);
    });

    it.each([
        ["as user", (t: string) => `https://${t}@git.example.com`],
        ["as password", (t: string) => `https://oauth2:${t}@git.example.com/`],
        ["in the query", (t: string) => `https://git.example.com/?access_token=${t}`],
        ["in the fragment", (t: string) => `https://git.example.com/#${t}`],
        ["after a space", (t: string) => `https://git.example.com/ ${t}`],
        ["with a bad scheme", (t: string) => `ftp://${t}@git.example.com`],
        ["without a scheme", (t: string) => `${t}@git.example.com`],
    ])("never repeats a token embedded %s in the message", (_label, makeUrl) => {
        const token = fakeToken("url");
        const err = manifestError({ tokens: [{ Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: makeUrl(token) }] });
        expect(err.issues.map((i) => i.path)).toEqual(["tokens[0].Url"]);
        expect(visibleText(err)).not.toContain(token);
    });

    it("never repeats a Url given to a kind that takes none", () => {
        const token = fakeToken("npm");
        const err = manifestError({ tokens: [{ Kind: "npm", TokenRef: "NPM_TOKEN", Url: `https://npm:${token}@registry.npmjs.org` }] });
        expect(visibleText(err)).not.toContain(token);
    });
});

describe("parseBottleManifest: Auth", () => {
    it.each(["oauth", "api-key"])("accepts Auth: %s on an anthropic entry", (auth) => {
        expectAccepted({ Kind: "anthropic", TokenRef: "ANTHROPIC_TOKEN", Auth: auth });
    });

    it("refuses another value, naming both", () => {
        expect(entryIssues({ Kind: "anthropic", TokenRef: "T", Auth: "Bearer" })).toEqual([
            { path: "tokens[0].Auth", message: "must be one of oauth, api-key" },
        ]);
    });

    it.each(["github", "npm"])("refuses Auth on a %s entry: its upstream takes one kind of token", (kind) => {
        expect(entryIssues({ Kind: kind, TokenRef: "T", Auth: "oauth" })).toEqual([
            {
                path: "tokens[0].Auth",
                message: expect.stringMatching(/^only anthropic entries take Auth; the \w+ upstream takes one kind of token, remove Auth$/),
            },
        ]);
    });

    it("refuses Auth on a gitea entry together with the entry's other problems", () => {
        const issues = entryIssues({ Kind: "gitea", TokenRef: "bad-ref", Auth: "api-key" });
        expect(issues.map((i) => i.path).sort()).toEqual(["tokens[0].Auth", "tokens[0].TokenRef", "tokens[0].Url"]);
    });
});

describe("parseBottleManifest: http entries", () => {
    it("accepts a Url with the default header and scheme, and every documented option", () => {
        expectAccepted({ Kind: "http", TokenRef: "T", Url: "https://gitlab.example.com/api/v4" });
        expectAccepted({ Kind: "http", TokenRef: "T", Url: "https://gitlab.example.com", Header: "PRIVATE-TOKEN", Scheme: "none" });
        expectAccepted({ Kind: "http", TokenRef: "T", Url: "https://ghe.example.com/api/v3", Scheme: "token", Access: "read-only" });
        expectAccepted({ Kind: "http", TokenRef: "T", Url: "https://ghe.example.com", Scheme: "Basic", User: "x-access-token" });
    });

    it("requires a Url, with the rules of Gitea's", () => {
        expect(entryIssues({ Kind: "http", TokenRef: "T" })).toEqual([
            { path: "tokens[0].Url", message: expect.stringMatching(/^is required for http entries/) },
        ]);
        expect(entryIssues({ Kind: "http", TokenRef: "T", Url: "https://u:p@h.example.com" })).toEqual([
            { path: "tokens[0].Url", message: expect.stringMatching(/user info/) },
        ]);
    });

    it("is unique by host among http entries, and may share a host with a gitea entry", () => {
        expect(
            issuesOf({
                tokens: [
                    { Kind: "http", TokenRef: "A", Url: "https://h.example.com/a" },
                    { Kind: "http", TokenRef: "B", Url: "https://H.example.com:443/b" },
                ],
            }),
        ).toEqual([{ path: "tokens[1].Url", message: expect.stringMatching(/^http host h\.example\.com is already used by tokens\[0\]/) }]);
        expect(
            parseBottleManifest({
                tokens: [
                    { Kind: "http", TokenRef: "A", Url: "https://h.example.com" },
                    { Kind: "gitea", TokenRef: "B", Url: "https://h.example.com" },
                ],
            }).tokens,
        ).toHaveLength(2);
    });

    it.each([
        [{ Header: "Content-Length" }, "tokens[0].Header", /framing, hop-by-hop/],
        [{ Header: "X Bad" }, "tokens[0].Header", /framing, hop-by-hop/],
        [{ Scheme: "Digest" }, "tokens[0].Scheme", /^must be one of Bearer, token, Basic, none$/],
        [{ Scheme: "Basic" }, "tokens[0].User", /^is required with Scheme: Basic/],
        [{ User: "me" }, "tokens[0].User", /^only goes with Scheme: Basic/],
        [{ Scheme: "Basic", User: "a:b" }, "tokens[0].User", /without ":"/],
    ])("refuses %j, naming its path", (extra, path, message) => {
        expect(entryIssues({ Kind: "http", TokenRef: "T", Url: "https://h.example.com", ...extra })).toEqual([
            { path, message: expect.stringMatching(message) },
        ]);
    });

    it.each(["Header", "Scheme", "User"])("refuses %s on the other kinds", (key) => {
        expect(entryIssues({ Kind: "npm", TokenRef: "T", [key]: key === "Scheme" ? "token" : "x" })).toEqual([
            { path: `tokens[0].${key}`, message: expect.stringMatching(new RegExp(`^only http entries take ${key}`)) },
        ]);
    });
});

describe("parseBottleManifest: Access", () => {
    it.each([
        ["github", {}],
        ["npm", {}],
        ["gitea", { Url: "https://g.example.com" }],
    ])("accepts Access: read-only and read-write on a %s entry", (kind, extra) => {
        expectAccepted({ Kind: kind, TokenRef: "T", Access: "read-only", ...extra });
        expectAccepted({ Kind: kind, TokenRef: "T", Access: "read-write", ...extra });
    });

    it("refuses another value, naming the allowed ones", () => {
        expect(entryIssues({ Kind: "npm", TokenRef: "T", Access: "readonly" })).toEqual([
            { path: "tokens[0].Access", message: "must be one of read-write, read-only" },
        ]);
    });

    it("refuses Access on an anthropic entry", () => {
        expect(entryIssues({ Kind: "anthropic", TokenRef: "T", Access: "read-only" })).toEqual([
            { path: "tokens[0].Access", message: expect.stringMatching(/^anthropic entries take no Access/) },
        ]);
    });
});

describe("parseBottleManifest: unknown keys in a token entry", () => {
    it("refuses a typo of TokenRef at tokens[0].Tokenref, naming the allowed keys", () => {
        expect(entryIssues({ Kind: "npm", TokenRef: "NPM_TOKEN", Tokenref: "NPM_TOKEN" })).toEqual([
            {
                path: "tokens[0].Tokenref",
                message: expect.stringMatching(/unknown key[\s\S]*Kind, TokenRef, Url, Auth, Access, Header, Scheme, User/),
            },
        ]);
    });

    it("reports the missing key and the typo together", () => {
        const issues = entryIssues({ Kind: "gitea", Tokenref: "GITEA_TOKEN", url: "https://git.example.com" });
        // `url` is not `Url`, so the gitea entry also lacks its required Url
        expect(issues.map((i) => i.path).sort()).toEqual(["tokens[0].TokenRef", "tokens[0].Tokenref", "tokens[0].Url", "tokens[0].url"]);
    });

    it("reports one issue per unknown key", () => {
        const issues = entryIssues({ Kind: "npm", TokenRef: "NPM_TOKEN", Scope: "@org", Registry: "https://r.example.com" });
        expect(issues).toEqual([
            { path: "tokens[0].Scope", message: expect.stringMatching(/unknown key/) },
            { path: "tokens[0].Registry", message: expect.stringMatching(/unknown key/) },
        ]);
    });
});

describe("parseBottleManifest: at most one anthropic, github and npm", () => {
    it.each(["anthropic", "github", "npm"])("refuses a second %s at its Kind, naming the first", (kind) => {
        const issues = issuesOf({
            tokens: [
                { Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: "https://git.example.com" },
                { Kind: kind, TokenRef: "FIRST" },
                { Kind: "gitea", TokenRef: "GITEA_TOKEN_2", Url: "https://other.example.com" },
                { Kind: kind, TokenRef: "SECOND" },
            ],
        });
        expect(issues).toEqual([{ path: "tokens[3].Kind", message: expect.stringMatching(/tokens\[1\]/) }]);
        expect(issues[0].message).toContain(kind);
    });

    it("refuses every extra one, each naming the first", () => {
        const issues = issuesOf({
            tokens: [
                { Kind: "npm", TokenRef: "A" },
                { Kind: "npm", TokenRef: "B" },
                { Kind: "npm", TokenRef: "C" },
            ],
        });
        expect(issues).toEqual([
            { path: "tokens[1].Kind", message: expect.stringMatching(/tokens\[0\]/) },
            { path: "tokens[2].Kind", message: expect.stringMatching(/tokens\[0\]/) },
        ]);
    });

    it("accepts one of each kind together", () => {
        const tokens = [
            { Kind: "github", TokenRef: "GH" },
            { Kind: "npm", TokenRef: "NPM" },
            { Kind: "anthropic", TokenRef: "ANTHROPIC" },
            { Kind: "gitea", TokenRef: "GITEA", Url: "https://git.example.com" },
        ];
        expect(parseBottleManifest({ tokens }).tokens).toEqual(tokens);
    });

    it("the same TokenRef on two entries of different kinds is allowed", () => {
        const tokens = [
            { Kind: "github", TokenRef: "SAME" },
            { Kind: "gitea", TokenRef: "SAME", Url: "https://git.example.com" },
        ];
        expect(parseBottleManifest({ tokens }).tokens).toEqual(tokens);
    });
});

describe("parseBottleManifest: gitea entries are unique by UpstreamHost", () => {
    it.each([
        ["case and the default https port", "https://Git.Example.com", "https://git.example.com:443/other"],
        ["a trailing slash", "https://git.example.com", "https://git.example.com/"],
        ["different sub-paths", "https://git.example.com/a", "https://git.example.com/b"],
        ["different schemes, both default ports", "http://git.example.com", "https://git.example.com"],
        ["the default http port", "http://git.example.com:80/", "https://git.example.com/x"],
        ["the same non-default port", "https://git.example.com:3000", "http://GIT.example.com:3000/sub"],
    ])("%s: %s and %s collide; the second is refused naming the first", (_label, first, second) => {
        const issues = issuesOf({
            tokens: [
                { Kind: "npm", TokenRef: "NPM" },
                { Kind: "gitea", TokenRef: "A", Url: first },
                { Kind: "gitea", TokenRef: "B", Url: second },
            ],
        });
        expect(issues).toEqual([{ path: "tokens[2].Url", message: expect.stringMatching(/tokens\[1\]/) }]);
    });

    it.each([
        ["a non-default port", "https://git.example.com", "https://git.example.com:3000"],
        ["two non-default ports", "https://git.example.com:3000", "https://git.example.com:3001"],
        ["443 under http is not the default", "http://git.example.com:443", "https://git.example.com"],
        ["different hosts", "https://git.example.com", "https://git2.example.com"],
    ])("%s: %s and %s do not collide", (_label, first, second) => {
        const tokens = [
            { Kind: "gitea", TokenRef: "A", Url: first },
            { Kind: "gitea", TokenRef: "B", Url: second },
        ];
        expect(parseBottleManifest({ tokens }).tokens).toEqual(tokens);
    });

    it("refuses every duplicate of a host, each naming the first", () => {
        const issues = issuesOf({
            tokens: [
                { Kind: "gitea", TokenRef: "A", Url: "https://git.example.com" },
                { Kind: "gitea", TokenRef: "B", Url: "https://git.example.com:3000" },
                { Kind: "gitea", TokenRef: "C", Url: "https://GIT.EXAMPLE.COM/" },
                { Kind: "gitea", TokenRef: "D", Url: "https://git.example.com:3000/x" },
            ],
        });
        expect(issues).toEqual([
            { path: "tokens[2].Url", message: expect.stringMatching(/tokens\[0\]/) },
            { path: "tokens[3].Url", message: expect.stringMatching(/tokens\[1\]/) },
        ]);
    });
});

describe("parseBottleManifest: every problem at once", () => {
    it("lists the problems of several bad entries in entry order, each with its path", () => {
        const err = manifestError({
            egress: { allow: [] },
            tokens: [
                { Kind: "npm", TokenRef: "NPM_TOKEN" }, // 0: fine
                "github", // 1: not an object
                { Kind: "gitlab", TokenRef: "GL_TOKEN" }, // 2: unknown kind
                { Kind: "npm", TokenRef: "NPM_TOKEN_2" }, // 3: second npm
                { Kind: "gitea", TokenRef: "GITEA_A" }, // 4: no Url
                { Kind: "anthropic", TokenRef: "ANTHROPIC_KEY", Url: "https://api.anthropic.com" }, // 5: Url on a fixed kind
                { Kind: "github", TokenRef: "GH_TOKEN", Tokenref: "GH_TOKEN" }, // 6: typo key
                { Kind: "gitea", TokenRef: "GITEA_B", Url: "https://git.example.com" }, // 7: fine
                { Kind: "gitea", TokenRef: "GITEA_C", Url: "https://GIT.example.com:443/x" }, // 8: same host as 7
                { Kind: "gitea", TokenRef: "GITEA_D", Url: "https://other.example.com/?x=1" }, // 9: query
                { Kind: "github", TokenRef: "9_GH" }, // 10: bad TokenRef
            ],
        });
        expect(err.issues).toEqual([
            { path: "tokens[1]", message: expect.stringMatching(/object/) },
            { path: "tokens[2].Kind", message: expect.stringContaining("anthropic, github, gitea, npm") },
            { path: "tokens[3].Kind", message: expect.stringMatching(/npm[\s\S]*tokens\[0\]/) },
            { path: "tokens[4].Url", message: expect.stringMatching(/required/) },
            { path: "tokens[5].Url", message: expect.stringMatching(/gitea/) },
            { path: "tokens[6].Tokenref", message: expect.stringMatching(/unknown key/) },
            { path: "tokens[8].Url", message: expect.stringMatching(/tokens\[7\]/) },
            { path: "tokens[9].Url", message: expect.stringMatching(/query/) },
            { path: "tokens[10].TokenRef", message: expect.stringMatching(/environment variable/) },
            // an entry failing its own schema still counts toward "at most one github"
            { path: "tokens[10].Kind", message: expect.stringMatching(/github[\s\S]*tokens\[6\]/) },
        ]);
        expect(err.name).toBe("ManifestError");
        expect(err.file).toBeUndefined();
        expect(err.message).toMatch(/10 problems/);
        // each issue is one line of the message, with its path, in the same order
        const lines = err.message.split("\n").slice(1);
        expect(lines).toEqual(err.issues.map((i) => `  - ${i.path}: ${i.message}`));
    });

    it("a problem of one entry does not hide a cross-entry problem of a later one", () => {
        const issues = issuesOf({
            tokens: [
                { Kind: "github", TokenRef: "GH" },
                { Kind: "npm", TokenRef: "bad-ref" },
                { Kind: "github", TokenRef: "GH_2" },
            ],
        });
        expect(issues).toEqual([
            { path: "tokens[1].TokenRef", message: expect.stringMatching(/environment variable/) },
            { path: "tokens[2].Kind", message: expect.stringMatching(/tokens\[0\]/) },
        ]);
    });

    // The manifest reference (README.md): "Every problem is reported at once". An entry with a bad TokenRef (or a typo
    // key) still has a Url that can be wrong; a user who fixes the reported problem must not
    // discover the next one only on the following run.
    it("reports all problems of one entry together: a bad TokenRef does not hide its Url's problem", () => {
        const issues = entryIssues({ Kind: "gitea", TokenRef: "bad-ref", Url: "https://user@git.example.com" });
        expect(issues).toEqual([
            { path: "tokens[0].TokenRef", message: expect.stringMatching(/environment variable/) },
            { path: "tokens[0].Url", message: expect.stringMatching(/user info/) },
        ]);
    });

    it("reports all problems of one entry together: a typo key does not hide a Url on a fixed kind", () => {
        const issues = entryIssues({ Kind: "npm", TokenRef: "NPM_TOKEN", Url: "https://registry.npmjs.org", Scope: "@org" });
        expect(issues.map((i) => i.path).sort()).toEqual(["tokens[0].Scope", "tokens[0].Url"]);
    });

    it("the message is one line per problem, behind a header naming the count", () => {
        const err = manifestError({ tokens: [{ Kind: "npm", TokenRef: "1" }] });
        expect(err.message).toBe(`Invalid bottle manifest (1 problem):\n  - tokens[0].TokenRef: ${err.issues[0].message}`);
    });
});

describe("parseBottleManifest: the validated manifest", () => {
    const written = {
        name: "b1",
        tokens: [
            { Kind: "npm", TokenRef: "NPM_TOKEN" },
            { Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: "https://Git.Example.com:443/sub/" },
        ],
    };

    it("reads, serialises and compares as the manifest that was written", () => {
        const manifest = parseBottleManifest(written);
        expect(manifest).toEqual(written);
        expect(JSON.parse(JSON.stringify(manifest))).toEqual(written);
        expect(Object.keys(manifest.tokens[1])).toEqual(["Kind", "TokenRef", "Url"]);
    });

    it("carries each gitea entry's parsed target, so no later step parses the Url again", () => {
        const token = parseBottleManifest(written).tokens[1];
        expect(token.Kind).toBe("gitea");
        expect(token.Kind === "gitea" && token.target).toEqual({
            upstreamHost: "git.example.com",
            upstream: "https://Git.Example.com:443/sub",
        });
    });

    it("is frozen, so what was validated cannot change afterwards", () => {
        const manifest = parseBottleManifest(written);
        expect(Object.isFrozen(manifest) && Object.isFrozen(manifest.tokens) && manifest.tokens.every((t) => Object.isFrozen(t))).toBe(
            true,
        );
        expect(() => {
            (manifest.tokens[0] as { TokenRef: string }).TokenRef = "bad-ref";
        }).toThrow(TypeError);
    });

    it("is returned as it is when validated again; a copy of it is validated afresh", () => {
        const manifest = parseBottleManifest(written);
        expect(parseBottleManifest(manifest)).toBe(manifest);
        const copy = JSON.parse(JSON.stringify(manifest));
        expect(parseBottleManifest(copy)).not.toBe(copy);
        expect(parseBottleManifest(copy)).toEqual(written);
    });
});
