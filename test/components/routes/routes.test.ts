import { credProxyRoutes, parseBottleManifest, renderCredProxyRoutes, type CredProxyRoute } from "../../../components/core";
import { parseRoutesFile, resolveTokens } from "../../../sidecar/routesFile";
import { expectedCredential } from "../../helpers/credentials";

/** Plans a manifest the way the component does: validate first, then lift into routes. */
function plan(manifest: unknown): CredProxyRoute[] {
    return credProxyRoutes(parseBottleManifest(manifest));
}

function giteaRoute(url: string, tokenRef = "GITEA_TOKEN"): CredProxyRoute {
    const routes = plan({ tokens: [{ Kind: "gitea", TokenRef: tokenRef, Url: url }] });
    expect(routes).toHaveLength(1);
    return routes[0];
}

describe("credProxyRoutes: the route table", () => {
    it("anthropic: /anthropic/ → https://api.anthropic.com, Bearer, slot 0", () => {
        expect(plan({ tokens: [{ Kind: "anthropic", TokenRef: "ANTHROPIC_KEY" }] })).toEqual([
            {
                kind: "anthropic",
                path: "/anthropic/",
                upstream: "https://api.anthropic.com",
                authScheme: "Bearer",
                tokenEnv: "CRED_PROXY_TOKEN_0",
                tokenRef: "ANTHROPIC_KEY",
            },
        ]);
    });

    it("anthropic with Auth: api-key: the same route, the token bare in x-api-key", () => {
        expect(plan({ tokens: [{ Kind: "anthropic", TokenRef: "ANTHROPIC_KEY", Auth: "api-key" }] })).toEqual([
            {
                kind: "anthropic",
                path: "/anthropic/",
                upstream: "https://api.anthropic.com",
                authScheme: "none",
                authHeader: "x-api-key",
                tokenEnv: "CRED_PROXY_TOKEN_0",
                tokenRef: "ANTHROPIC_KEY",
            },
        ]);
        expect(plan({ tokens: [{ Kind: "anthropic", TokenRef: "K", Auth: "oauth" }] })).toEqual(
            plan({ tokens: [{ Kind: "anthropic", TokenRef: "K" }] }),
        );
    });

    it("http: /http/<host>/ to the Url as written, with its header, scheme and user as given", () => {
        const routes = plan({
            tokens: [
                { Kind: "http", TokenRef: "GL", Url: "https://GitLab.example.com/api/v4/", Header: "PRIVATE-TOKEN", Scheme: "none" },
                { Kind: "http", TokenRef: "GHE", Url: "https://ghe.example.com:8443", Scheme: "Basic", User: "x-access-token" },
                { Kind: "http", TokenRef: "API", Url: "http://models.internal", Header: "authorization" },
            ],
        });
        expect(routes).toEqual([
            {
                kind: "http",
                path: "/http/gitlab.example.com/",
                upstream: "https://GitLab.example.com/api/v4",
                authScheme: "none",
                authHeader: "PRIVATE-TOKEN",
                tokenEnv: "CRED_PROXY_TOKEN_0",
                tokenRef: "GL",
            },
            {
                kind: "http",
                path: "/http/ghe.example.com:8443/",
                upstream: "https://ghe.example.com:8443",
                authScheme: "Basic",
                authUser: "x-access-token",
                tokenEnv: "CRED_PROXY_TOKEN_1",
                tokenRef: "GHE",
            },
            // `Authorization` in any spelling is the default header, so the record does not name it.
            {
                kind: "http",
                path: "/http/models.internal/",
                upstream: "http://models.internal",
                authScheme: "Bearer",
                tokenEnv: "CRED_PROXY_TOKEN_2",
                tokenRef: "API",
            },
        ]);
        const file = JSON.parse(renderCredProxyRoutes(routes)) as { routes: Array<Record<string, string>> };
        expect(file.routes[0]).toEqual({
            path: "/http/gitlab.example.com/",
            upstream: "https://GitLab.example.com/api/v4",
            auth_scheme: "none",
            token_env: "CRED_PROXY_TOKEN_0",
            auth_header: "PRIVATE-TOKEN",
        });
    });

    it("Access: read-only marks every route of its entry, and only those; the routes file says so", () => {
        const routes = plan({
            tokens: [
                { Kind: "github", TokenRef: "GH", Access: "read-only" },
                { Kind: "gitea", TokenRef: "G", Url: "https://g.example.com", Access: "read-write" },
            ],
        });
        expect(routes.map((r) => [r.path, r.readOnly])).toEqual([
            ["/gh-api/", true],
            ["/gh-git/", true],
            ["/gitea/g.example.com/", undefined],
        ]);
        const file = JSON.parse(renderCredProxyRoutes(routes)) as { routes: Array<Record<string, string>> };
        expect(file.routes.map((r) => r.access)).toEqual(["read-only", "read-only", undefined]);
        expect(Object.keys(file.routes[1])).toEqual(["path", "upstream", "auth_scheme", "token_env", "auth_user", "access"]);
    });

    it("github: /gh-api/ Bearer, then /gh-git/ Basic as x-access-token, sharing one slot and one TokenRef", () => {
        expect(plan({ tokens: [{ Kind: "github", TokenRef: "GH_TOKEN" }] })).toEqual([
            {
                kind: "github",
                path: "/gh-api/",
                upstream: "https://api.github.com",
                authScheme: "Bearer",
                tokenEnv: "CRED_PROXY_TOKEN_0",
                tokenRef: "GH_TOKEN",
            },
            {
                kind: "github",
                path: "/gh-git/",
                upstream: "https://github.com",
                authScheme: "Basic",
                authUser: "x-access-token",
                tokenEnv: "CRED_PROXY_TOKEN_0",
                tokenRef: "GH_TOKEN",
            },
        ]);
    });

    it("npm: /npm/ → https://registry.npmjs.org (the default registry without its trailing /), Bearer", () => {
        expect(plan({ tokens: [{ Kind: "npm", TokenRef: "NPM_TOKEN" }] })).toEqual([
            {
                kind: "npm",
                path: "/npm/",
                upstream: "https://registry.npmjs.org",
                authScheme: "Bearer",
                tokenEnv: "CRED_PROXY_TOKEN_0",
                tokenRef: "NPM_TOKEN",
            },
        ]);
    });

    it("gitea: /gitea/<UpstreamHost>/ → the Url as written minus its trailing /, with the token scheme", () => {
        expect(plan({ tokens: [{ Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: "https://gitea.example.com/" }] })).toEqual([
            {
                kind: "gitea",
                path: "/gitea/gitea.example.com/",
                upstream: "https://gitea.example.com",
                authScheme: "token",
                tokenEnv: "CRED_PROXY_TOKEN_0",
                tokenRef: "GITEA_TOKEN",
            },
        ]);
    });

    it("a manifest without tokens plans no routes", () => {
        expect(plan({})).toEqual([]);
        expect(plan({ tokens: [] })).toEqual([]);
    });
});

describe("credProxyRoutes: gitea hosts, ports and sub-paths", () => {
    it.each([
        // [Url as written, route path, upstream]
        ["https://git.example.com", "/gitea/git.example.com/", "https://git.example.com"],
        ["https://git.example.com/", "/gitea/git.example.com/", "https://git.example.com"],
        ["https://git.example.com:3000", "/gitea/git.example.com:3000/", "https://git.example.com:3000"],
        ["https://git.example.com:3000/", "/gitea/git.example.com:3000/", "https://git.example.com:3000"],
        ["http://git.example.com:3000/", "/gitea/git.example.com:3000/", "http://git.example.com:3000"],
        // the scheme's default port is dropped from the host, kept in the upstream as written
        ["https://git.example.com:443", "/gitea/git.example.com/", "https://git.example.com:443"],
        ["http://git.example.com:80/", "/gitea/git.example.com/", "http://git.example.com:80"],
        // ... but only the default port of that scheme
        ["http://git.example.com:443", "/gitea/git.example.com:443/", "http://git.example.com:443"],
        ["https://git.example.com:80", "/gitea/git.example.com:80/", "https://git.example.com:80"],
        // host lower-cased in the path; the upstream keeps the case it was written in
        ["https://Git.EXAMPLE.com/", "/gitea/git.example.com/", "https://Git.EXAMPLE.com"],
        ["https://GIT.example.com:8443/Org/", "/gitea/git.example.com:8443/", "https://GIT.example.com:8443/Org"],
        // sub-paths are part of the upstream, never of the route path
        ["https://example.com/gitea", "/gitea/example.com/", "https://example.com/gitea"],
        ["https://example.com/tools/gitea/", "/gitea/example.com/", "https://example.com/tools/gitea"],
        ["http://10.0.0.5:3000/git/", "/gitea/10.0.0.5:3000/", "http://10.0.0.5:3000/git"],
    ])("%s → path %s, upstream %s", (url, path, upstream) => {
        const route = giteaRoute(url);
        expect(route.path).toBe(path);
        expect(route.upstream).toBe(upstream);
        expect(route.authScheme).toBe("token");
    });

    it("several gitea instances each get their own route and slot", () => {
        const routes = plan({
            tokens: [
                { Kind: "gitea", TokenRef: "GITEA_A", Url: "https://git.example.com" },
                { Kind: "gitea", TokenRef: "GITEA_B", Url: "https://git.example.com:3000/sub/" },
                { Kind: "gitea", TokenRef: "GITEA_C", Url: "http://other.example.org/" },
            ],
        });
        expect(routes.map((r) => [r.path, r.upstream, r.tokenEnv, r.tokenRef])).toEqual([
            ["/gitea/git.example.com/", "https://git.example.com", "CRED_PROXY_TOKEN_0", "GITEA_A"],
            ["/gitea/git.example.com:3000/", "https://git.example.com:3000/sub", "CRED_PROXY_TOKEN_1", "GITEA_B"],
            ["/gitea/other.example.org/", "http://other.example.org", "CRED_PROXY_TOKEN_2", "GITEA_C"],
        ]);
    });

    it("takes a gitea route from the target validation found, not from the Url text again", () => {
        const manifest = parseBottleManifest({
            tokens: [{ Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: "https://Git.Example.com:443/sub/" }],
        });
        const token = manifest.tokens[0];
        expect(token.Kind === "gitea" && token.target).toEqual({
            upstreamHost: "git.example.com",
            upstream: "https://Git.Example.com:443/sub",
        });
        expect(credProxyRoutes(manifest).map((r) => [r.path, r.upstream])).toEqual([
            ["/gitea/git.example.com/", "https://Git.Example.com:443/sub"],
        ]);
    });
});

describe("credProxyRoutes: slots follow manifest order", () => {
    it("[npm, gitea, anthropic, github] → slots 0..3, github's two routes both on slot 3", () => {
        const routes = plan({
            tokens: [
                { Kind: "npm", TokenRef: "NPM_TOKEN" },
                { Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: "https://git.example.com:3000/" },
                { Kind: "anthropic", TokenRef: "ANTHROPIC_KEY" },
                { Kind: "github", TokenRef: "GH_TOKEN" },
            ],
        });
        expect(routes.map((r) => [r.kind, r.path, r.tokenEnv, r.tokenRef])).toEqual([
            ["npm", "/npm/", "CRED_PROXY_TOKEN_0", "NPM_TOKEN"],
            ["gitea", "/gitea/git.example.com:3000/", "CRED_PROXY_TOKEN_1", "GITEA_TOKEN"],
            ["anthropic", "/anthropic/", "CRED_PROXY_TOKEN_2", "ANTHROPIC_KEY"],
            ["github", "/gh-api/", "CRED_PROXY_TOKEN_3", "GH_TOKEN"],
            ["github", "/gh-git/", "CRED_PROXY_TOKEN_3", "GH_TOKEN"],
        ]);
    });

    it("a github entry takes one slot although it has two routes: the next entry is slot 1, not 2", () => {
        const routes = plan({
            tokens: [
                { Kind: "github", TokenRef: "GH_TOKEN" },
                { Kind: "anthropic", TokenRef: "ANTHROPIC_KEY" },
            ],
        });
        expect(routes.map((r) => [r.path, r.tokenEnv])).toEqual([
            ["/gh-api/", "CRED_PROXY_TOKEN_0"],
            ["/gh-git/", "CRED_PROXY_TOKEN_0"],
            ["/anthropic/", "CRED_PROXY_TOKEN_1"],
        ]);
    });

    it("slots count past 9 without padding", () => {
        const tokens = Array.from({ length: 12 }, (_, i) => ({
            Kind: "gitea",
            TokenRef: `GITEA_${i}`,
            Url: `https://git${i}.example.com`,
        }));
        const routes = plan({ tokens });
        expect(routes.map((r) => r.tokenEnv)).toEqual(tokens.map((_, i) => `CRED_PROXY_TOKEN_${i}`));
        expect(routes[11].path).toBe("/gitea/git11.example.com/");
    });
});

describe("renderCredProxyRoutes: the routes file", () => {
    const manifest = {
        tokens: [
            { Kind: "anthropic", TokenRef: "ANTHROPIC_API_KEY_REF" },
            { Kind: "github", TokenRef: "GITHUB_TOKEN_REF" },
            { Kind: "gitea", TokenRef: "GITEA_TOKEN_REF", Url: "https://Git.Example.com:3000/sub/" },
            { Kind: "npm", TokenRef: "NPM_TOKEN_REF" },
        ],
        egress: { allow: ["api.anthropic.com"] },
    };

    it("is exactly these bytes for a multi-route manifest", () => {
        const expected = `{
  "routes": [
    {
      "path": "/anthropic/",
      "upstream": "https://api.anthropic.com",
      "auth_scheme": "Bearer",
      "token_env": "CRED_PROXY_TOKEN_0"
    },
    {
      "path": "/gh-api/",
      "upstream": "https://api.github.com",
      "auth_scheme": "Bearer",
      "token_env": "CRED_PROXY_TOKEN_1"
    },
    {
      "path": "/gh-git/",
      "upstream": "https://github.com",
      "auth_scheme": "Basic",
      "token_env": "CRED_PROXY_TOKEN_1",
      "auth_user": "x-access-token"
    },
    {
      "path": "/gitea/git.example.com:3000/",
      "upstream": "https://Git.Example.com:3000/sub",
      "auth_scheme": "token",
      "token_env": "CRED_PROXY_TOKEN_2"
    },
    {
      "path": "/npm/",
      "upstream": "https://registry.npmjs.org",
      "auth_scheme": "Bearer",
      "token_env": "CRED_PROXY_TOKEN_3"
    }
  ]
}
`;
        expect(renderCredProxyRoutes(plan(manifest))).toBe(expected);
    });

    it("is the design's example for a lone anthropic entry", () => {
        const expected = [
            "{",
            '  "routes": [',
            "    {",
            '      "path": "/anthropic/",',
            '      "upstream": "https://api.anthropic.com",',
            '      "auth_scheme": "Bearer",',
            '      "token_env": "CRED_PROXY_TOKEN_0"',
            "    }",
            "  ]",
            "}",
            "",
        ].join("\n");
        expect(renderCredProxyRoutes(plan({ tokens: [{ Kind: "anthropic", TokenRef: "ANTHROPIC_KEY" }] }))).toBe(expected);
    });

    it("renders an empty route list for a manifest without tokens", () => {
        expect(renderCredProxyRoutes(plan({}))).toBe('{\n  "routes": []\n}\n');
    });

    it("ends with exactly one newline and uses no tabs or CRs", () => {
        const text = renderCredProxyRoutes(plan(manifest));
        expect(text.endsWith("}\n")).toBe(true);
        expect(text.endsWith("\n\n")).toBe(false);
        expect(text).not.toMatch(/[\t\r]/);
    });

    it("never names a TokenRef, and adds a key to the four a route always has only when it differs from its default", () => {
        const text = renderCredProxyRoutes(plan(manifest));
        for (const entry of manifest.tokens) {
            expect(text).not.toContain(entry.TokenRef);
        }
        expect(text).not.toMatch(/tokenRef|token_ref|kind/i);
        const parsed = JSON.parse(text) as { routes: Array<Record<string, unknown>> };
        expect(Object.keys(parsed)).toEqual(["routes"]);
        for (const route of parsed.routes) {
            const extra = route.path === "/gh-git/" ? ["auth_user"] : [];
            expect(Object.keys(route)).toEqual(["path", "upstream", "auth_scheme", "token_env", ...extra]);
        }
        const key = JSON.parse(renderCredProxyRoutes(plan({ tokens: [{ Kind: "anthropic", TokenRef: "K", Auth: "api-key" }] })));
        expect(key.routes).toEqual([
            {
                path: "/anthropic/",
                upstream: "https://api.anthropic.com",
                auth_scheme: "none",
                token_env: "CRED_PROXY_TOKEN_0",
                auth_header: "x-api-key",
            },
        ]);
    });

    it("is byte-stable: the same manifest renders the same text", () => {
        expect(renderCredProxyRoutes(plan(manifest))).toBe(renderCredProxyRoutes(plan(structuredClone(manifest))));
    });
});

describe("the server reads what the component writes", () => {
    it("accepts the routes file of a manifest using every kind and option, each credential as the table says", () => {
        const routes = plan({
            tokens: [
                { Kind: "anthropic", TokenRef: "A", Auth: "api-key" },
                { Kind: "github", TokenRef: "GH", Access: "read-only" },
                { Kind: "gitea", TokenRef: "G", Url: "https://g.example.com:3000/sub" },
                { Kind: "npm", TokenRef: "N" },
                { Kind: "http", TokenRef: "H1", Url: "https://gitlab.example.com", Header: "PRIVATE-TOKEN", Scheme: "none" },
                { Kind: "http", TokenRef: "H2", Url: "https://ghe.example.com", Scheme: "Basic", User: "bot", Access: "read-only" },
            ],
        });
        const env = Object.fromEntries(routes.map((r) => [r.tokenEnv, `fake-${r.tokenRef}`]));
        const served = resolveTokens(parseRoutesFile(renderCredProxyRoutes(routes), "routes file"), env);
        expect(served.map((r) => [r.path, r.authHeader, r.access])).toEqual(
            routes.map((r) => [r.path, r.authHeader ?? "Authorization", r.readOnly === true ? "read-only" : undefined]),
        );
        for (const [i, r] of routes.entries()) {
            const token = env[r.tokenEnv];
            const expected = expectedCredential(r, token);
            expect([r.path, served[i].authHeader.toLowerCase(), served[i].credential]).toEqual([r.path, expected.header, expected.value]);
        }
    });
});
