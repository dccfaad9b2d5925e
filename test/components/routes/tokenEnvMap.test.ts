import {
    credProxyTokenEnvMap,
    credProxyRoutes,
    parseBottleManifest,
    TokenSlotConflictError,
    type CredProxyRoute,
} from "../../../components/core";

function route(overrides: Partial<CredProxyRoute>): CredProxyRoute {
    return {
        kind: "github",
        path: "/gh-api/",
        upstream: "https://api.github.com",
        authScheme: "Bearer",
        tokenEnv: "CRED_PROXY_TOKEN_0",
        tokenRef: "GH_TOKEN",
        ...overrides,
    };
}

function caught(fn: () => unknown): unknown {
    try {
        fn();
    } catch (err) {
        return err;
    }
    throw new Error("expected a throw");
}

describe("credProxyTokenEnvMap", () => {
    it("maps every slot of a full manifest to its TokenRef, github's shared slot once", () => {
        const table = credProxyRoutes(
            parseBottleManifest({
                tokens: [
                    { Kind: "npm", TokenRef: "NPM_TOKEN" },
                    { Kind: "github", TokenRef: "GH_TOKEN" },
                    { Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: "https://git.example.com" },
                    { Kind: "anthropic", TokenRef: "ANTHROPIC_KEY" },
                ],
            }),
        );
        const map = credProxyTokenEnvMap(table);
        expect(map).toEqual({
            CRED_PROXY_TOKEN_0: "NPM_TOKEN",
            CRED_PROXY_TOKEN_1: "GH_TOKEN",
            CRED_PROXY_TOKEN_2: "GITEA_TOKEN",
            CRED_PROXY_TOKEN_3: "ANTHROPIC_KEY",
        });
        expect(Object.keys(map)).toEqual(["CRED_PROXY_TOKEN_0", "CRED_PROXY_TOKEN_1", "CRED_PROXY_TOKEN_2", "CRED_PROXY_TOKEN_3"]);
    });

    it("is empty for no routes", () => {
        expect(credProxyTokenEnvMap([])).toEqual({});
    });

    it("lets two entries (two slots) name the same host variable", () => {
        const table = credProxyRoutes(
            parseBottleManifest({
                tokens: [
                    { Kind: "gitea", TokenRef: "SHARED", Url: "https://a.example.com" },
                    { Kind: "gitea", TokenRef: "SHARED", Url: "https://b.example.com" },
                ],
            }),
        );
        expect(credProxyTokenEnvMap(table)).toEqual({ CRED_PROXY_TOKEN_0: "SHARED", CRED_PROXY_TOKEN_1: "SHARED" });
    });

    it("accepts routes sharing a slot when they share the TokenRef", () => {
        const routes = [route({}), route({ path: "/gh-git/", upstream: "https://github.com" })];
        expect(credProxyTokenEnvMap(routes)).toEqual({ CRED_PROXY_TOKEN_0: "GH_TOKEN" });
    });

    it("refuses two routes sharing a slot with different TokenRefs, naming both and the slot", () => {
        const routes = [
            route({
                tokenEnv: "CRED_PROXY_TOKEN_0",
                tokenRef: "NPM_TOKEN",
                kind: "npm",
                path: "/npm/",
                upstream: "https://registry.npmjs.org",
            }),
            route({ tokenEnv: "CRED_PROXY_TOKEN_1", tokenRef: "FIRST_GH_TOKEN" }),
            route({ tokenEnv: "CRED_PROXY_TOKEN_1", tokenRef: "SECOND_GH_TOKEN", path: "/gh-git/", upstream: "https://github.com" }),
        ];
        const err = caught(() => credProxyTokenEnvMap(routes));
        expect(err).toBeInstanceOf(TokenSlotConflictError);
        const conflict = err as TokenSlotConflictError;
        expect(conflict.name).toBe("TokenSlotConflictError");
        expect(conflict.slot).toBe("CRED_PROXY_TOKEN_1");
        expect(conflict.first).toMatchObject({ path: "/gh-api/", tokenRef: "FIRST_GH_TOKEN" });
        expect(conflict.second).toMatchObject({ path: "/gh-git/", tokenRef: "SECOND_GH_TOKEN" });
        expect(conflict.message).toContain("CRED_PROXY_TOKEN_1");
        expect(conflict.message).toContain("FIRST_GH_TOKEN");
        expect(conflict.message).toContain("SECOND_GH_TOKEN");
        expect(conflict.message).not.toContain("NPM_TOKEN");
    });

    it("finds a conflict between routes that are not next to each other", () => {
        const routes = [
            route({ tokenEnv: "CRED_PROXY_TOKEN_0", tokenRef: "A_REF" }),
            route({ tokenEnv: "CRED_PROXY_TOKEN_1", tokenRef: "B_REF" }),
            route({ tokenEnv: "CRED_PROXY_TOKEN_0", tokenRef: "C_REF", path: "/gh-git/" }),
        ];
        expect(() => credProxyTokenEnvMap(routes)).toThrow(TokenSlotConflictError);
        expect(() => credProxyTokenEnvMap(routes)).toThrow(
            /CRED_PROXY_TOKEN_0[\s\S]*A_REF[\s\S]*C_REF|CRED_PROXY_TOKEN_0[\s\S]*C_REF[\s\S]*A_REF/,
        );
    });
});
