import { agentEnvironment, agentRoutes, credProxyRoutes, DEFAULT_PORT, parseBottleManifest, PROXY_ALIAS } from "../../../components/core";
import { AGENT_PLACEHOLDER_TOKEN } from "../../../components/routes/agentAccess";

const full = credProxyRoutes(
    parseBottleManifest({
        tokens: [
            { Kind: "anthropic", TokenRef: "ANTHROPIC_KEY" },
            { Kind: "github", TokenRef: "GH_TOKEN" },
            { Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: "https://git.example.com:3000/sub/" },
            { Kind: "npm", TokenRef: "NPM_TOKEN" },
            { Kind: "gitea", TokenRef: "GITEA_TOKEN_2", Url: "http://Other.Example.org/" },
        ],
    }),
);

describe("agentRoutes", () => {
    it("gives the proxy URL of every route of a full manifest, in route order", () => {
        expect(agentRoutes(full, 8080)).toEqual([
            { kind: "anthropic", path: "/anthropic/", url: "http://cred-proxy:8080/anthropic/" },
            { kind: "github", path: "/gh-api/", url: "http://cred-proxy:8080/gh-api/" },
            { kind: "github", path: "/gh-git/", url: "http://cred-proxy:8080/gh-git/" },
            { kind: "gitea", path: "/gitea/git.example.com:3000/", url: "http://cred-proxy:8080/gitea/git.example.com:3000/" },
            { kind: "npm", path: "/npm/", url: "http://cred-proxy:8080/npm/" },
            { kind: "gitea", path: "/gitea/other.example.org/", url: "http://cred-proxy:8080/gitea/other.example.org/" },
        ]);
    });

    it("uses the given port and host", () => {
        expect(agentRoutes(full.slice(0, 1), 9999, "proxy.internal")).toEqual([
            { kind: "anthropic", path: "/anthropic/", url: "http://proxy.internal:9999/anthropic/" },
        ]);
    });

    it("defaults the host to the proxy alias", () => {
        expect(PROXY_ALIAS).toBe("cred-proxy");
        expect(agentRoutes(full.slice(0, 1), DEFAULT_PORT)[0].url).toBe(`http://cred-proxy:${DEFAULT_PORT}/anthropic/`);
    });

    it("never carries an upstream, a slot or a TokenRef", () => {
        const text = JSON.stringify(agentRoutes(full, 8080));
        expect(text).not.toMatch(/https:|CRED_PROXY_TOKEN|ANTHROPIC_KEY|GH_TOKEN|GITEA_TOKEN|NPM_TOKEN/);
    });
});

describe("agentEnvironment", () => {
    it("gives an agent of an API-key bottle an API-key placeholder, and no OAuth one", () => {
        const env = agentEnvironment(
            credProxyRoutes(parseBottleManifest({ tokens: [{ Kind: "anthropic", TokenRef: "K", Auth: "api-key" }] })),
            8080,
        );
        expect(env).toEqual({
            CRED_PROXY_URL: "http://cred-proxy:8080",
            ANTHROPIC_BASE_URL: "http://cred-proxy:8080/anthropic",
            ANTHROPIC_API_KEY: AGENT_PLACEHOLDER_TOKEN,
        });
    });

    it("is exactly this environment for a full manifest", () => {
        expect(agentEnvironment(full, 8080)).toEqual({
            CRED_PROXY_URL: "http://cred-proxy:8080",
            ANTHROPIC_BASE_URL: "http://cred-proxy:8080/anthropic",
            ANTHROPIC_AUTH_TOKEN: "injected-by-cred-proxy",
            CLAUDE_CODE_OAUTH_TOKEN: "injected-by-cred-proxy",
            GITHUB_API_URL: "http://cred-proxy:8080/gh-api",
            NPM_CONFIG_REGISTRY: "http://cred-proxy:8080/npm/",
            GIT_CONFIG_COUNT: "3",
            GIT_CONFIG_KEY_0: "url.http://cred-proxy:8080/gh-git/.insteadOf",
            GIT_CONFIG_VALUE_0: "https://github.com/",
            GIT_CONFIG_KEY_1: "url.http://cred-proxy:8080/gitea/git.example.com:3000/.insteadOf",
            GIT_CONFIG_VALUE_1: "https://git.example.com:3000/sub/",
            GIT_CONFIG_KEY_2: "url.http://cred-proxy:8080/gitea/other.example.org/.insteadOf",
            GIT_CONFIG_VALUE_2: "http://other.example.org/", // normalised: git matches prefixes literally
        });
        expect(AGENT_PLACEHOLDER_TOKEN).toBe("injected-by-cred-proxy");
    });

    it("holds only CRED_PROXY_URL for a manifest without tokens", () => {
        expect(agentEnvironment([], 8080)).toEqual({ CRED_PROXY_URL: "http://cred-proxy:8080" });
    });

    it("sets only the variables of the kinds present", () => {
        const npmOnly = credProxyRoutes(parseBottleManifest({ tokens: [{ Kind: "npm", TokenRef: "NPM_TOKEN" }] }));
        expect(agentEnvironment(npmOnly, 8080)).toEqual({
            CRED_PROXY_URL: "http://cred-proxy:8080",
            NPM_CONFIG_REGISTRY: "http://cred-proxy:8080/npm/",
        });
        const githubOnly = credProxyRoutes(parseBottleManifest({ tokens: [{ Kind: "github", TokenRef: "GH_TOKEN" }] }));
        expect(agentEnvironment(githubOnly, 8080)).toEqual({
            CRED_PROXY_URL: "http://cred-proxy:8080",
            GITHUB_API_URL: "http://cred-proxy:8080/gh-api",
            GIT_CONFIG_COUNT: "1",
            GIT_CONFIG_KEY_0: "url.http://cred-proxy:8080/gh-git/.insteadOf",
            GIT_CONFIG_VALUE_0: "https://github.com/",
        });
    });

    it("uses the given port and host", () => {
        const env = agentEnvironment(full, 1234, "proxy.internal");
        expect(env.CRED_PROXY_URL).toBe("http://proxy.internal:1234");
        expect(env.ANTHROPIC_BASE_URL).toBe("http://proxy.internal:1234/anthropic");
        expect(env.GIT_CONFIG_KEY_0).toBe("url.http://proxy.internal:1234/gh-git/.insteadOf");
    });

    it("never carries a slot, a TokenRef or anything but the placeholder as a credential", () => {
        const text = JSON.stringify(agentEnvironment(full, 8080));
        expect(text).not.toMatch(/CRED_PROXY_TOKEN|ANTHROPIC_KEY|GH_TOKEN|GITEA_TOKEN|NPM_TOKEN/);
    });
});
