import type * as pulumiType from "@pulumi/pulumi";
import { fakeToken } from "../../helpers/fakeTokens";
import {
    installMocks,
    isSecretWrapper,
    plaintextOccurrences,
    type RegisteredResource,
    secretStrings,
    settle,
    valueOf,
} from "../../helpers/pulumiMocks";

const NETWORK = "docker:index/network:Network";
const CONTAINER = "docker:index/container:Container";
const COMPONENT = "cred-proxy:index:CredProxySidecar";

const bottle = {
    tokens: [
        { Kind: "anthropic", TokenRef: "TEST_ANTHROPIC_KEY" },
        { Kind: "github", TokenRef: "TEST_GH_TOKEN" },
        { Kind: "gitea", TokenRef: "TEST_GITEA_TOKEN", Url: "https://git.example.com:3000/sub/" },
        { Kind: "npm", TokenRef: "TEST_NPM_TOKEN" },
    ],
    egress: { allow: ["api.anthropic.com"] },
};

// Fresh per run, only in memory: a leak anywhere is found by value, not by a fixed string.
const tokens = {
    TEST_ANTHROPIC_KEY: fakeToken("anthropic"),
    TEST_GH_TOKEN: fakeToken("github"),
    TEST_GITEA_TOKEN: fakeToken("gitea"),
    TEST_NPM_TOKEN: fakeToken("npm"),
};

let registered: RegisteredResource[];
let pulumi: typeof pulumiType;
let sidecar: import("../../../components").CredProxySidecar;

beforeAll(async () => {
    registered = installMocks();
    pulumi = await import("@pulumi/pulumi");
    const { CredProxySidecar } = await import("../../../components");
    Object.assign(process.env, {
        TEST_ANTHROPIC_KEY: tokens.TEST_ANTHROPIC_KEY,
        TEST_GH_TOKEN: tokens.TEST_GH_TOKEN,
        TEST_NPM_TOKEN: tokens.TEST_NPM_TOKEN,
    });
    try {
        sidecar = new CredProxySidecar("bottle-a", {
            bottle,
            image: "cred-proxy:test",
            // One value arrives the way Pulumi config secrets do; the rest come from the host.
            tokenValues: { TEST_GITEA_TOKEN: pulumi.secret(tokens.TEST_GITEA_TOKEN) },
        });
    } finally {
        for (const ref of Object.keys(tokens)) delete process.env[ref];
    }
    await valueOf(sidecar.containerName);
    await settle();
});

const ofType = (type: string) => registered.filter((r) => r.type === type);
const container = () => ofType(CONTAINER)[0].inputs;

describe("what CredProxySidecar declares", () => {
    test("exactly one component, two networks and one container", () => {
        expect(registered.map((r) => r.type).sort()).toEqual([COMPONENT, CONTAINER, NETWORK, NETWORK].sort());
        expect(registered.map((r) => r.name).sort()).toEqual(["bottle-a", "bottle-a-egress", "bottle-a-internal", "bottle-a-proxy"]);
    });

    test("nothing is sent to the engine as component args", () => {
        expect(ofType(COMPONENT)[0].inputs).toEqual({});
    });

    test("children are parented to the component, and fixed names delete before replace", () => {
        for (const child of registered.filter((r) => r.type !== COMPONENT)) {
            expect(child.parent).toMatch(/::cred-proxy:index:CredProxySidecar::bottle-a$/);
            expect(child.deleteBeforeReplace).toBe(true);
        }
    });

    test("the internal network has no route out; the egress network does", () => {
        const byName = Object.fromEntries(ofType(NETWORK).map((n) => [n.name, n.inputs]));
        expect(byName["bottle-a-internal"]).toEqual({
            name: "bottle-a-internal",
            driver: "bridge",
            internal: true,
            options: { "com.docker.network.bridge.inhibit_ipv4": "true" },
            labels: [
                { label: "cred-proxy.bottle", value: "bottle-a" },
                { label: "cred-proxy.managed-by", value: "pulumi" },
            ],
        });
        expect(byName["bottle-a-egress"].internal).toBe(false);
        expect(byName["bottle-a-egress"].name).toBe("bottle-a-egress");
    });

    test("the container joins both networks, answering to cred-proxy only on the internal one", () => {
        expect(container().networksAdvanced).toEqual([{ name: "bottle-a-internal", aliases: ["cred-proxy"] }, { name: "bottle-a-egress" }]);
    });

    test("the container runs unprivileged and bounded", () => {
        const c = container();
        expect(c.user).toBe("10001:10001");
        expect(c.capabilities).toEqual({ drops: ["ALL"] });
        expect(c.securityOpts).toEqual(["no-new-privileges:true"]);
        expect(c.memory).toBe(256);
        expect(c.memorySwap).toBe(256);
        expect(c.ulimits).toEqual([{ name: "nproc", soft: 4096, hard: 4096 }]);
        expect(c.restart).toBe("unless-stopped");
        expect(c.init).toBe(true);
        expect(c.readOnly).toBe(false);
        expect(c.name).toBe("bottle-a-cred-proxy");
        expect(c.command).toEqual(["--port", "8080", "--routes", "/etc/cred-proxy/routes.json"]);
        // The probe in the image on the served port: first probe half a second after the start, and a
        // timeout that lets a probe stay its five-minute hold (sidecar/healthcheck.ts).
        expect(c.healthcheck).toEqual({
            tests: ["CMD", "node", "/app/sidecar/healthcheck.js", "--port", "8080"],
            interval: "500ms",
            timeout: "5m30s",
            retries: 3,
            startPeriod: "5s",
        });
    });

    test("the routes file is uploaded 0444 and root's: readable by the proxy, writable by no one in the container", async () => {
        const routesFile = await (sidecar.routesFile.text as Promise<string>);
        // No owner or group: with either, the provider makes Docker chown to the container's user,
        // which Docker 20.10 looks up on the host and fails for 10001.
        expect(container().uploads).toEqual([{ file: "/etc/cred-proxy/routes.json", content: routesFile, permissions: "0444" }]);
        expect(routesFile).not.toMatch(/TEST_/);
    });

    test("envs hold only token slots, and reach the engine as a secret", () => {
        // One secret element makes the engine receive the whole list as one secret.
        const envs = container().envs;
        expect(isSecretWrapper(envs)).toBe(true);
        expect(secretStrings(envs)).toEqual([
            `CRED_PROXY_TOKEN_0=${tokens.TEST_ANTHROPIC_KEY}`,
            `CRED_PROXY_TOKEN_1=${tokens.TEST_GH_TOKEN}`,
            `CRED_PROXY_TOKEN_2=${tokens.TEST_GITEA_TOKEN}`,
            `CRED_PROXY_TOKEN_3=${tokens.TEST_NPM_TOKEN}`,
        ]);
    });

    test("no token value appears outside a secret, in any input, state or registered output", async () => {
        const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
        const everything = { inputs: registered, state: [...monitor.getRegisteredResources().values()] };
        const outputs = await Promise.all([
            valueOf(sidecar.routes),
            valueOf(sidecar.tokenEnvMap),
            valueOf(sidecar.agentRoutes),
            valueOf(sidecar.agentEnvironment),
            valueOf(sidecar.proxyUrl),
            sidecar.routesFile.text,
        ]);
        for (const value of Object.values(tokens)) {
            expect(plaintextOccurrences(everything, value)).toEqual([]);
            expect(plaintextOccurrences(outputs, value)).toEqual([]);
        }
    });

    test("outputs describe routes and how the agent reaches them", async () => {
        expect(await valueOf(sidecar.tokenEnvMap)).toEqual({
            CRED_PROXY_TOKEN_0: "TEST_ANTHROPIC_KEY",
            CRED_PROXY_TOKEN_1: "TEST_GH_TOKEN",
            CRED_PROXY_TOKEN_2: "TEST_GITEA_TOKEN",
            CRED_PROXY_TOKEN_3: "TEST_NPM_TOKEN",
        });
        expect((await valueOf(sidecar.agentRoutes)).map((r) => r.url)).toEqual([
            "http://cred-proxy:8080/anthropic/",
            "http://cred-proxy:8080/gh-api/",
            "http://cred-proxy:8080/gh-git/",
            "http://cred-proxy:8080/gitea/git.example.com:3000/",
            "http://cred-proxy:8080/npm/",
        ]);
        const env = await valueOf(sidecar.agentEnvironment);
        expect(env.ANTHROPIC_BASE_URL).toBe("http://cred-proxy:8080/anthropic");
        expect(env.NPM_CONFIG_REGISTRY).toBe("http://cred-proxy:8080/npm/");
        expect(env.GIT_CONFIG_COUNT).toBe("2");
        expect(env.GIT_CONFIG_KEY_1).toBe("url.http://cred-proxy:8080/gitea/git.example.com:3000/.insteadOf");
        expect(env.GIT_CONFIG_VALUE_1).toBe("https://git.example.com:3000/sub/");
        expect(await valueOf(sidecar.internalNetworkName)).toBe("bottle-a-internal");
        expect(await valueOf(sidecar.egressNetworkName)).toBe("bottle-a-egress");
    });
});
