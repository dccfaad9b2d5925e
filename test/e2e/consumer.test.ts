/**
 * examples/consumer, a program of its own that imports CredProxySidecar from the
 * built cred-proxy package and passes in networks it creates itself, through a real `pulumi up`
 * and `pulumi destroy` on a real Docker engine. It runs from a temporary copy of the example whose
 * node_modules link to this repository, under a bottle name of its own.
 */
import { rmSync } from "node:fs";
import { fakeToken } from "../helpers/fakeTokens";
import { docker } from "./helpers/engine";
import { containerOf, httpFrom } from "./helpers/containers";
import { buildSidecarImage } from "./helpers/images";
import {
    buildIdleAgentImage,
    copyExample,
    dockerNamesWithPrefix,
    linkNodeModules,
    removeDockerNamesWithPrefix,
    uniqueSlug,
    deployExample,
    destroyExample,
    type ExportedResource,
} from "./helpers/programCopy";
import { mustSucceed } from "../helpers/commands";
import { describeEngine, PulumiWorkspace } from "./helpers/pulumiCli";

const STACK = "e2e";

describeEngine("examples/consumer under the real Pulumi engine, with networks it creates itself", () => {
    const slug = uniqueSlug("consumer");
    const anthropicKey = fakeToken("anthropic");
    const githubToken = fakeToken("github-config");
    // ANTHROPIC_API_KEY is read from the environment `pulumi up` runs in, as the example says.
    const tokenEnv = { ANTHROPIC_API_KEY: anthropicKey };
    let workspace: PulumiWorkspace;
    let dir: string | undefined;
    let outputs: Record<string, unknown>;
    let resources: ExportedResource[];
    let exported: string;
    let stackCreated = false;

    const pulumi = (args: string[], input?: string) => workspace.pulumi(args, { cwd: dir, env: tokenEnv, input, timeoutMs: 240_000 });

    beforeAll(async () => {
        workspace = new PulumiWorkspace();
        const [proxyImage, agentImage] = await Promise.all([buildSidecarImage(), buildIdleAgentImage()]);
        dir = copyExample("consumer", slug);
        linkNodeModules(dir);
        // The stack file stays in the temporary copy; the secret goes on stdin.
        ({ outputs, exported, resources } = await deployExample(
            pulumi,
            STACK,
            { githubToken, proxyImage, agentImage },
            () => (stackCreated = true),
        ));
    }, 420_000);

    afterAll(async () => {
        try {
            await destroyExample(pulumi, STACK, stackCreated);
        } finally {
            await removeDockerNamesWithPrefix(slug);
            if (dir) rmSync(dir, { recursive: true, force: true });
            workspace?.dispose();
        }
    }, 240_000);

    const ofType = (type: string) => resources.filter((r) => r.type === type);

    test("deploys the consumer's two networks, the component with its proxy, and the agent", () => {
        expect(outputs).toMatchObject({
            internalNetworkName: `${slug}-internal`,
            egressNetworkName: `${slug}-egress`,
            proxyContainerName: `${slug}-cred-proxy`,
            agentContainerName: `${slug}-agent`,
            proxyUrl: "http://cred-proxy:8080",
        });
        const [component] = ofType("cred-proxy:index:CredProxySidecar");
        expect(component).toBeDefined();
        // The networks are the program's own (children of the stack); the component, given their
        // names, created none: its only child is the proxy container.
        const networks = ofType("docker:index/network:Network");
        expect(networks.map((n) => n.outputs!.name).sort()).toEqual([`${slug}-egress`, `${slug}-internal`]);
        for (const network of networks) expect(network.parent).toMatch(/::pulumi:pulumi:Stack::/);
        expect(resources.filter((r) => r.parent === component.urn).map((r) => r.type)).toEqual(["docker:index/container:Container"]);
    });

    test("the internal network is internal and has no address on the host", async () => {
        const internal = await docker().getNetwork(`${slug}-internal`).inspect();
        expect(internal.Internal).toBe(true);
        expect(internal.Options).toMatchObject({ "com.docker.network.bridge.inhibit_ipv4": "true" });
        const egress = await docker().getNetwork(`${slug}-egress`).inspect();
        expect(egress.Internal).toBe(false);
    });

    test("the proxy is healthy, on both networks, as cred-proxy on the internal one; it holds both tokens", async () => {
        const proxy = await containerOf(`${slug}-cred-proxy`).inspect();
        expect(proxy.State.Health?.Status).toBe("healthy");
        const networks = proxy.NetworkSettings.Networks;
        expect(Object.keys(networks).sort()).toEqual([`${slug}-egress`, `${slug}-internal`]);
        expect(networks[`${slug}-internal`].Aliases).toContain("cred-proxy");
        // The environment token and the config secret both reached the container, and only it.
        expect(proxy.Config.Env).toEqual(
            expect.arrayContaining([`CRED_PROXY_TOKEN_0=${anthropicKey}`, `CRED_PROXY_TOKEN_1=${githubToken}`]),
        );
    });

    test("the agent is on the internal network only, has no token, and reaches the proxy by name", async () => {
        const agent = await containerOf(`${slug}-agent`).inspect();
        expect(agent.State.Running).toBe(true);
        expect(Object.keys(agent.NetworkSettings.Networks)).toEqual([`${slug}-internal`]);
        expect(agent.Config.Env).toEqual(expect.arrayContaining(["ANTHROPIC_BASE_URL=http://cred-proxy:8080/anthropic"]));
        for (const value of [anthropicKey, githubToken]) expect(JSON.stringify(agent.Config.Env)).not.toContain(value);
        const health = await httpFrom(`${slug}-agent`, "http://cred-proxy:8080/healthz");
        expect(health).toMatchObject({ ok: true, status: 200 });
    });

    test("no token appears in the stack's state or in anything pulumi printed", () => {
        for (const value of [anthropicKey, githubToken]) {
            expect(exported).not.toContain(value);
            expect(workspace.printed.filter((text) => text.includes(value))).toEqual([]);
        }
    });

    test("pulumi destroy removes every container and network; the stack is removed", async () => {
        mustSucceed("pulumi destroy", await pulumi(["destroy", "--yes", "--non-interactive"]));
        expect(await dockerNamesWithPrefix(slug)).toEqual({ containers: [], networks: [] });
        mustSucceed("stack rm", await pulumi(["stack", "rm", "--yes", STACK]));
        stackCreated = false;
        for (const value of [anthropicKey, githubToken]) {
            expect(workspace.printed.filter((text) => text.includes(value))).toEqual([]);
        }
    }, 240_000);
});
