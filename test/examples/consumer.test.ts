import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fakeToken } from "../helpers/fakeTokens";
import { plaintextOccurrences, runUnderMocks, secretStrings, type ProgramRun } from "../helpers/pulumiMocks";
import { requireBuiltDist } from "../helpers/dist";

const ROOT = path.resolve(__dirname, "../..");
const EXAMPLE = path.join(ROOT, "examples/consumer");
const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";

/**
 * Lays the example out as `npm install` would in a copy of examples/consumer: its own
 * node_modules, where `cred-proxy` (a `file:../..` dependency) is a link to this repository and
 * the other dependencies are links to the repository's installed copies. Nothing is installed.
 */
function installExample(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-consumer-"));
    for (const entry of fs.readdirSync(EXAMPLE)) {
        if (entry !== "node_modules") {
            fs.cpSync(path.join(EXAMPLE, entry), path.join(dir, entry), { recursive: true });
        }
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    const deps: Record<string, string> = { ...pkg.dependencies, ...pkg.devDependencies };
    for (const [name, spec] of Object.entries(deps)) {
        const target = name === "cred-proxy" ? path.resolve(EXAMPLE, spec.replace(/^file:/, "")) : path.join(ROOT, "node_modules", name);
        if (!fs.existsSync(target)) {
            throw new Error(`the example depends on ${name}, which this repository does not have installed`);
        }
        const link = path.join(dir, "node_modules", name);
        fs.mkdirSync(path.dirname(link), { recursive: true });
        fs.symlinkSync(target, link, "dir");
    }
    return dir;
}

describe("examples/consumer: a program that imports CredProxySidecar from the cred-proxy package", () => {
    const anthropicKey = fakeToken("anthropic");
    const githubToken = fakeToken("github-config");
    let dir: string;
    let run: ProgramRun;

    beforeAll(() => {
        requireBuiltDist();
        dir = installExample();
        run = runUnderMocks(dir, "dev", {
            mocks: "dist",
            env: {
                ANTHROPIC_API_KEY: anthropicKey,
                PULUMI_CONFIG: JSON.stringify({ "cred-proxy-consumer:githubToken": githubToken }),
                PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["cred-proxy-consumer:githubToken"]),
            },
        });
    }, 120_000);

    afterAll(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const container = (name: string) => run.resources.find((r) => r.type === CONTAINER && r.name === name)!;
    const network = (name: string) => run.resources.find((r) => r.type === NETWORK && r.name === name)!;

    test("type-checks and runs, importing the built package root, not the repository's sources", () => {
        expect(run.error).toBeUndefined();
        expect(run.status).toBe(0);
        expect(run.resolved).toBe(fs.realpathSync(path.join(ROOT, "dist/components/index.js")));
        expect(run.loadedSources).toEqual([]);
        const source = fs.readFileSync(path.join(EXAMPLE, "index.ts"), "utf8");
        expect(source).toMatch(/from "cred-proxy";/);
        expect(source).not.toMatch(/from "\.\.?\//);
    });

    test("declares its own networks, the sidecar on them, and an agent container beside it", () => {
        expect(run.resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
            "cred-proxy:index:CredProxySidecar agent-42",
            `${CONTAINER} agent-42-agent`,
            `${CONTAINER} agent-42-proxy`,
            `${NETWORK} agent-42-egress`,
            `${NETWORK} agent-42-internal`,
        ]);
        // The agent and both networks are the consumer's own resources, not the component's
        // children: given the networks' names, the component creates none of its own.
        expect(container("agent-42-agent").parent).toBe("");
        for (const name of ["agent-42-internal", "agent-42-egress"]) {
            expect(network(name).parent).toBe("");
        }
        expect(container("agent-42-proxy").parent).toMatch(/CredProxySidecar::agent-42$/);
    });

    test("its internal network has no route out and no address on the host; the egress network routes", () => {
        expect(network("agent-42-internal").inputs).toMatchObject({
            name: "agent-42-internal",
            driver: "bridge",
            internal: true,
            options: { "com.docker.network.bridge.inhibit_ipv4": "true" },
        });
        expect(network("agent-42-egress").inputs).toMatchObject({ name: "agent-42-egress", internal: false });
    });

    test("the agent joins the internal network only; the proxy joins both, as cred-proxy on the internal one", () => {
        const agent = container("agent-42-agent").inputs;
        expect(agent.networksAdvanced).toEqual([{ name: "agent-42-internal" }]);
        expect(agent.networkMode).toBeUndefined();
        expect(agent.ports).toBeUndefined();
        expect(run.outputs!.internalNetworkName).toBe("agent-42-internal");
        expect(run.outputs!.egressNetworkName).toBe("agent-42-egress");
        expect(run.outputs!.proxyContainerName).toBe("agent-42-cred-proxy");
        expect(container("agent-42-proxy").inputs.networksAdvanced).toEqual([
            { name: "agent-42-internal", aliases: ["cred-proxy"] },
            { name: "agent-42-egress" },
        ]);
    });

    test("the agent gets the sidecar's URLs and environment, in plain sight", () => {
        const env = run.outputs!.agentEnvironment as Record<string, string>;
        expect(env).toMatchObject({
            CRED_PROXY_URL: "http://cred-proxy:8080",
            ANTHROPIC_BASE_URL: "http://cred-proxy:8080/anthropic",
            // The bottle holds an API key (Auth: api-key): the variable the SDK reads for one.
            ANTHROPIC_API_KEY: "injected-by-cred-proxy",
            GITHUB_API_URL: "http://cred-proxy:8080/gh-api",
            GIT_CONFIG_KEY_0: "url.http://cred-proxy:8080/gh-git/.insteadOf",
            GIT_CONFIG_VALUE_0: "https://github.com/",
        });
        const envs = container("agent-42-agent").inputs.envs;
        expect(envs).toEqual(Object.entries(env).map(([k, v]) => `${k}=${v}`));
        expect(run.outputs!.proxyUrl).toBe("http://cred-proxy:8080");
    });

    test("token values, from the environment and from config, reach only the proxy, as secrets", () => {
        expect(secretStrings(container("agent-42-proxy").inputs.envs)).toEqual([
            `CRED_PROXY_TOKEN_0=${anthropicKey}`,
            `CRED_PROXY_TOKEN_1=${githubToken}`,
        ]);
        expect(secretStrings(container("agent-42-agent").inputs)).toEqual([]);
        expect(JSON.stringify(container("agent-42-agent").inputs)).not.toContain("CRED_PROXY_TOKEN");
        for (const value of [anthropicKey, githubToken]) {
            expect(plaintextOccurrences({ resources: run.resources, state: run.state, outputs: run.outputs }, value)).toEqual([]);
            expect(run.stderr).not.toContain(value);
        }
    });
});
