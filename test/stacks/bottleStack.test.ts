import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { fakeToken } from "../helpers/fakeTokens";
import { plaintextOccurrences, runUnderMocks, secretStrings, type ProgramRun } from "../helpers/pulumiMocks";

const ROOT = path.resolve(__dirname, "../..");

/** Config as the Pulumi host passes it to a program: PULUMI_CONFIG, values as strings. */
function stackConfig(stack: string, extra: Record<string, unknown> = {}): string {
    const file = YAML.parse(fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8"));
    const all = { ...file.config, ...extra };
    return JSON.stringify(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
}

const tokens = {
    ANTHROPIC_API_KEY: fakeToken("anthropic"),
    GITHUB_TOKEN: fakeToken("github"),
    GITEA_TOKEN: fakeToken("gitea"),
    NPM_TOKEN: fakeToken("npm"),
};

describe("the per-bottle stack program, loaded through ts-node as Pulumi loads it", () => {
    let run: ProgramRun;
    const configToken = fakeToken("gitea-config");

    beforeAll(() => {
        // GITEA_TOKEN comes from a config secret, the rest from the deploying environment.
        const { GITEA_TOKEN: _unused, ...hostTokens } = tokens;
        run = runUnderMocks(ROOT, "example", {
            env: {
                ...hostTokens,
                PULUMI_CONFIG: stackConfig("example", { "cred-proxy:tokens": { GITEA_TOKEN: configToken } }),
                PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["cred-proxy:tokens"]),
            },
        });
    }, 120_000);

    test("runs the example stack config to one sidecar named after the stack", () => {
        expect(run.error).toBeUndefined();
        expect(run.status).toBe(0);
        expect(run.resources!.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
            "cred-proxy:index:CredProxySidecar example",
            "docker:index/container:Container example-proxy",
            "docker:index/network:Network example-egress",
            "docker:index/network:Network example-internal",
        ]);
        const container = run.resources!.find((r) => r.type === "docker:index/container:Container")!;
        expect(container.inputs.image).toBe("cred-proxy:latest");
        expect(container.inputs.name).toBe("example-cred-proxy");
    });

    test("exports the route table, slot map and the agent's URLs", () => {
        expect(run.outputs!.tokenEnvMap).toEqual({
            CRED_PROXY_TOKEN_0: "ANTHROPIC_API_KEY",
            CRED_PROXY_TOKEN_1: "GITHUB_TOKEN",
            CRED_PROXY_TOKEN_2: "GITEA_TOKEN",
            CRED_PROXY_TOKEN_3: "NPM_TOKEN",
        });
        expect(run.outputs!.proxyUrl).toBe("http://cred-proxy:8080");
        expect((run.outputs!.agentEnvironment as Record<string, string>).ANTHROPIC_BASE_URL).toBe("http://cred-proxy:8080/anthropic");
        expect(run.outputs!.internalNetworkName).toBe("example-internal");
    });

    test("token values, from the environment and from config, are only ever secrets", () => {
        const container = run.resources!.find((r) => r.type === "docker:index/container:Container")!;
        expect(secretStrings(container.inputs.envs)).toEqual([
            `CRED_PROXY_TOKEN_0=${tokens.ANTHROPIC_API_KEY}`,
            `CRED_PROXY_TOKEN_1=${tokens.GITHUB_TOKEN}`,
            `CRED_PROXY_TOKEN_2=${configToken}`,
            `CRED_PROXY_TOKEN_3=${tokens.NPM_TOKEN}`,
        ]);
        for (const value of [...Object.values(tokens), configToken]) {
            expect(plaintextOccurrences({ resources: run.resources, state: run.state, outputs: run.outputs }, value)).toEqual([]);
        }
    });

    test("a missing token fails with a RunError naming the variable and both ways to set it", () => {
        const failed = runUnderMocks(ROOT, "example", { env: { PULUMI_CONFIG: stackConfig("example") } });
        expect(failed.status).toBe(1);
        expect(failed.error!.runError).toBe(true);
        expect(failed.error!.message).toContain("ANTHROPIC_API_KEY (for CRED_PROXY_TOKEN_0) is not set");
        expect(failed.error!.message).toContain("tokenValues.ANTHROPIC_API_KEY");
        expect(failed.resources).toEqual([]);
    }, 120_000);

    test("a bad manifest fails with every problem listed and nothing declared", () => {
        const failed = runUnderMocks(ROOT, "example", {
            env: {
                ...tokens,
                PULUMI_CONFIG: JSON.stringify({
                    "cred-proxy:image": "cred-proxy:latest",
                    "cred-proxy:manifest": JSON.stringify({
                        tokens: [
                            { Kind: "npn", TokenRef: "NPM_TOKEN" },
                            { Kind: "gitea", TokenRef: "X" },
                        ],
                    }),
                }),
            },
        });
        expect(failed.error!.runError).toBe(true);
        expect(failed.error!.message).toContain("tokens[0].Kind: must be one of");
        expect(failed.error!.message).toContain("tokens[1].Url: is required");
        expect(failed.resources).toEqual([]);
    }, 120_000);
});
