import * as fs from "fs";
import * as path from "path";
import type { ServiceError } from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ConstructRequest } from "@pulumi/pulumi/proto/provider_pb";
import { specialOutputValueSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { SCHEMA_SNAPSHOT } from "../../scripts/packageSchema";
import { fakeToken } from "../helpers/fakeTokens";
import { plaintextOccurrences, secretStrings } from "../helpers/pulumiMocks";
import { FakeEngine, type EngineRecord } from "./helpers/fakeEngine";
import { construct, getPluginVersion, getSchema, requirePluginLayout, ROOT, startPluginHost, type PluginHost } from "./helpers/pluginHost";

const PROJECT = "consumer";
const STACK = "dev";
const TYPE = "cred-proxy:index:CredProxySidecar";
const STACK_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`;

/** An output value as another language's SDK sends it in a Construct request (no value: unknown). */
const outputValue = (value?: unknown, secret = false) => ({
    [specialSigKey]: specialOutputValueSig,
    ...(value === undefined ? {} : { value }),
    ...(secret ? { secret: true } : {}),
});

// The plugin runs as the engine runs it, talking gRPC to a fake engine and resource monitor. Its
// environment is the one `pulumi up` would pass: here ANTHROPIC_API_KEY is set there, and
// GITHUB_TOKEN is given as a secret input, as a Python or YAML program would pass a config secret.
describe("the plugin host (pulumi-language-nodejs RunPlugin), over gRPC", () => {
    const anthropicKey = fakeToken("anthropic-env");
    const githubToken = fakeToken("github-secret");
    let dryRun = false;
    const engine = new FakeEngine(PROJECT, STACK, () => dryRun);
    let host: PluginHost;
    let schemaFromHost: string;

    beforeAll(async () => {
        requirePluginLayout();
        await engine.start();
        host = await startPluginHost({
            engineAddress: engine.address,
            env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ANTHROPIC_API_KEY: anthropicKey },
        });
        schemaFromHost = await getSchema(host.client);
    }, 120_000);

    afterAll(async () => {
        await host?.stop();
        await engine.stop();
    });

    /** A Construct call, and what the engine side saw during it. */
    async function constructOnce(name: string, inputs: Record<string, unknown>) {
        engine.reset();
        const response = await construct(host.client, request(name, inputs));
        return { response, seen: engine.record };
    }

    function request(name: string, inputs: Record<string, unknown>): ConstructRequest {
        const req = new ConstructRequest();
        req.setProject(PROJECT);
        req.setStack(STACK);
        req.setOrganization("organization");
        req.setDryrun(dryRun);
        req.setParallel(4);
        req.setMonitorendpoint(engine.address);
        req.setType(TYPE);
        req.setName(name);
        req.setParent(STACK_URN);
        req.setInputs(Struct.fromJavaScript(inputs as never));
        req.setAcceptsOutputValues(true);
        return req;
    }

    async function constructError(name: string, inputs: Record<string, unknown>): Promise<string> {
        engine.reset();
        const failure = await construct(host.client, request(name, inputs)).then(
            () => undefined,
            (err: ServiceError) => err,
        );
        if (failure === undefined) {
            throw new Error("Construct succeeded; a failure was expected");
        }
        return failure.details;
    }

    test("GetSchema answers the committed schema snapshot", () => {
        const committed = JSON.parse(fs.readFileSync(path.join(ROOT, SCHEMA_SNAPSHOT), "utf8"));
        expect(JSON.parse(schemaFromHost)).toEqual(committed);
    });

    test("GetPluginInfo reports the package version", async () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        expect(await getPluginVersion(host.client)).toBe(pkg.version);
    });

    describe("Construct, as for a Python or YAML program's CredProxySidecar", () => {
        beforeAll(() => {
            dryRun = false;
        });

        let state: Record<string, unknown>;
        let urn: string;
        let seen: EngineRecord;

        beforeAll(async () => {
            const result = await constructOnce("bottle-py", {
                bottle: {
                    tokens: [
                        { Kind: "anthropic", TokenRef: "ANTHROPIC_API_KEY" },
                        { Kind: "github", TokenRef: "GITHUB_TOKEN" },
                    ],
                },
                image: "cred-proxy:latest",
                port: 8081,
                tokenValues: { GITHUB_TOKEN: outputValue(githubToken, true) },
            });
            seen = result.seen;
            urn = result.response.getUrn();
            state = result.response.getState()?.toJavaScript() as Record<string, unknown>;
        }, 60_000);

        test("registers the component under the caller's parent, and returns its schema outputs", () => {
            expect(urn).toBe(`urn:pulumi:${STACK}::${PROJECT}::${TYPE}::bottle-py`);
            const component = seen.registrations.find((r) => r.type === TYPE);
            expect(component).toMatchObject({ name: "bottle-py", custom: false, parent: STACK_URN, inputs: {} });
            const schema = JSON.parse(schemaFromHost);
            expect(Object.keys(state).sort()).toEqual(Object.keys(schema.resources[TYPE].properties).sort());
            expect(state).toMatchObject({
                internalNetworkName: "bottle-py-internal",
                egressNetworkName: "bottle-py-egress",
                containerName: "bottle-py-cred-proxy",
                proxyUrl: "http://cred-proxy:8081",
                tokenEnvMap: { CRED_PROXY_TOKEN_0: "ANTHROPIC_API_KEY", CRED_PROXY_TOKEN_1: "GITHUB_TOKEN" },
                agentEnvironment: expect.objectContaining({
                    ANTHROPIC_BASE_URL: "http://cred-proxy:8081/anthropic",
                    GITHUB_API_URL: "http://cred-proxy:8081/gh-api",
                }),
            });
            expect(state.routes).toEqual([
                {
                    kind: "anthropic",
                    path: "/anthropic/",
                    upstream: "https://api.anthropic.com",
                    authScheme: "Bearer",
                    tokenEnv: "CRED_PROXY_TOKEN_0",
                    tokenRef: "ANTHROPIC_API_KEY",
                },
                {
                    kind: "github",
                    path: "/gh-api/",
                    upstream: "https://api.github.com",
                    authScheme: "Bearer",
                    tokenEnv: "CRED_PROXY_TOKEN_1",
                    tokenRef: "GITHUB_TOKEN",
                },
                {
                    kind: "github",
                    path: "/gh-git/",
                    upstream: "https://github.com",
                    authScheme: "Basic",
                    authUser: "x-access-token",
                    tokenEnv: "CRED_PROXY_TOKEN_1",
                    tokenRef: "GITHUB_TOKEN",
                },
            ]);
        });

        test("declares the networks and the proxy container as children of the component", () => {
            // Registration order depends on when each child's inputs resolve: compare by name.
            const children = seen.registrations.filter((r) => r.type !== TYPE).sort((a, b) => a.name.localeCompare(b.name));
            expect(children.map((r) => [r.type, r.name, r.parent])).toEqual([
                ["docker:index/network:Network", "bottle-py-egress", urn],
                ["docker:index/network:Network", "bottle-py-internal", urn],
                ["docker:index/container:Container", "bottle-py-proxy", urn],
            ]);
            expect(children[1].inputs).toMatchObject({ name: "bottle-py-internal", internal: true });
            expect(children[2].inputs).toMatchObject({ command: ["--port", "8081", "--routes", "/etc/cred-proxy/routes.json"] });
        });

        test("the token from the provider's environment and the secret input reach the container only as secrets", () => {
            const container = seen.registrations.find((r) => r.type === "docker:index/container:Container");
            expect(secretStrings(container?.inputs.envs)).toEqual([
                `CRED_PROXY_TOKEN_0=${anthropicKey}`,
                `CRED_PROXY_TOKEN_1=${githubToken}`,
            ]);
            // Debug logs aside: see EngineRecord.debugLogs (Pulumi's Node.js SDK, for any program).
            const everything = { registrations: seen.registrations, outputs: [...seen.outputs.values()], state, logs: seen.logs };
            for (const token of [anthropicKey, githubToken]) {
                expect(plaintextOccurrences(everything, token)).toEqual([]);
            }
        });
    });

    describe("Construct refuses, before declaring anything, what it cannot use", () => {
        beforeAll(() => {
            dryRun = true;
        });

        const tokens = [{ Kind: "github", TokenRef: "GITHUB_TOKEN" }];

        test("a manifest with a value still unknown in a preview", async () => {
            const details = await constructError("unknown-url", {
                bottle: { tokens: [{ Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: outputValue() }] },
                image: "cred-proxy:latest",
                tokenValues: { GITEA_TOKEN: outputValue(githubToken, true) },
            });
            expect(details).toContain('Invalid arguments for CredProxySidecar "unknown-url"');
            expect(details).toContain("args.bottle.tokens[0].Url: is an output");
            expect(details).toContain("must be a plain value known when the program runs");
            expect(engine.record.registrations).toEqual([]);
        });

        test("a whole manifest that is unknown", async () => {
            const details = await constructError("unknown-bottle", { bottle: unknownValue, image: "cred-proxy:latest" });
            expect(details).toContain("args.bottle: is unknown (a value computed during a preview)");
            expect(engine.record.registrations).toEqual([]);
        });

        test("token values passed as one secret map, whose keys it cannot see", async () => {
            const details = await constructError("secret-map", {
                bottle: { tokens },
                image: "cred-proxy:latest",
                tokenValues: { [specialSigKey]: specialSecretSig, value: { GITHUB_TOKEN: githubToken } },
            });
            expect(details).toContain("args.tokenValues: must be a map whose keys are known when the program runs");
            expect(details).not.toContain(githubToken);
            expect(engine.record.registrations).toEqual([]);
        });

        test("a TokenRef set neither in tokenValues nor in the provider's environment", async () => {
            const details = await constructError("no-token", {
                bottle: { tokens: [{ Kind: "npm", TokenRef: "NPM_TOKEN" }] },
                image: "cred-proxy:latest",
            });
            expect(details).toContain("args.bottle.tokens[0].TokenRef: NPM_TOKEN (for CRED_PROXY_TOKEN_0)");
            expect(details).toContain("set NPM_TOKEN in the deploying environment");
            expect(engine.record.registrations).toEqual([]);
        });

        test("(but a token value unknown in a preview is fine: it is only needed by the update)", async () => {
            const { response, seen } = await constructOnce("late-token", {
                bottle: { tokens },
                image: outputValue(),
                tokenValues: { GITHUB_TOKEN: outputValue(undefined, true) },
            });
            expect(response.getUrn()).toBe(`urn:pulumi:${STACK}::${PROJECT}::${TYPE}::late-token`);
            expect(seen.registrations.map((r) => r.type)).toContain("docker:index/container:Container");
        });

        test("a manifest the component refuses, reported by path as in TypeScript", async () => {
            const details = await constructError("bad-kind", { bottle: { tokens: [{ Kind: "gitlab", TokenRef: "X" }] }, image: "i" });
            expect(details).toContain("args.bottle.tokens[0].Kind");
            expect(engine.record.registrations).toEqual([]);
        });
    });
});
