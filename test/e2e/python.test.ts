/**
 * examples/python through a real `pulumi up` and `pulumi destroy`, using
 * CredProxySidecar through a Python SDK generated from the schema the running package serves, in
 * a virtualenv with `pulumi` and `pulumi-docker` from PyPI.
 *
 * What differs from `pulumi package add ../..` and why (the engine built here has language hosts
 * from sdk v3.68.0, see engine/README.md):
 * - the Node.js host has no RunPlugin, so the package cannot run as a source-based plugin; it runs
 *   through `pulumi-resource-cred-proxy`, a two-line shim doing what RunPlugin does (`node
 *   run-plugin <repo>`), loaded with `plugins.providers` in the copy's Pulumi.yaml;
 * - the Python host has no GeneratePackage, so `pulumi package get-schema <shim>` fetches the schema
 *   from the running plugin and Pulumi's own Python generator at the engine's version (pysdkgen)
 *   writes `sdks/cred-proxy`, which is appended to requirements.txt as `package add` does;
 * - runtime options are ignored, so the virtualenv is activated by PATH.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fakeToken } from "../helpers/fakeTokens";
import { docker } from "./helpers/engine";
import { containerOf, httpFrom } from "./helpers/containers";
import { buildSidecarImage } from "./helpers/images";
import {
    buildIdleAgentImage,
    copyExample,
    createVirtualenv,
    dockerNamesWithPrefix,
    pythonSdkGenerator,
    removeDockerNamesWithPrefix,
    uniqueSlug,
    useLocalProviderPlugin,
    writePluginShim,
    deployExample,
    destroyExample,
    type ExportedResource,
} from "./helpers/programCopy";
import { mustSucceed, runChecked } from "../helpers/commands";
import { describeEngine, PulumiWorkspace } from "./helpers/pulumiCli";

const STACK = "e2e";

describeEngine("examples/python under the real Pulumi engine, through the generated Python SDK", () => {
    const slug = uniqueSlug("python");
    const anthropicKey = fakeToken("anthropic");
    const githubToken = fakeToken("github-config");
    let workspace: PulumiWorkspace;
    let dir: string | undefined;
    let pluginBin: string | undefined;
    let env: Record<string, string>;
    let schema: { name: string; resources: Record<string, unknown> };
    let outputs: Record<string, unknown>;
    let resources: ExportedResource[];
    let exported: string;
    let stackCreated = false;

    const pulumi = (args: string[], input?: string) => workspace.pulumi(args, { cwd: dir, env, input, timeoutMs: 240_000 });

    beforeAll(async () => {
        workspace = new PulumiWorkspace();
        const [proxyImage, agentImage, generator] = await Promise.all([buildSidecarImage(), buildIdleAgentImage(), pythonSdkGenerator()]);
        dir = copyExample("python", slug);
        pluginBin = writePluginShim();
        env = { ANTHROPIC_API_KEY: anthropicKey };

        // The SDK, from the schema the plugin answers over GetSchema (not the committed snapshot).
        const shim = path.join(pluginBin, "pulumi-resource-cred-proxy");
        const got = mustSucceed("package get-schema", await workspace.pulumi(["package", "get-schema", shim], { cwd: dir }));
        schema = JSON.parse(got.stdout);
        const schemaFile = path.join(dir, "cred-proxy.schema.json");
        writeFileSync(schemaFile, got.stdout);
        mkdirSync(path.join(dir, "sdks"));
        await runChecked(generator, [schemaFile, path.join(dir, "sdks", "cred-proxy")]);
        appendFileSync(path.join(dir, "requirements.txt"), "sdks/cred-proxy\n");
        useLocalProviderPlugin(dir, "cred-proxy", pluginBin);

        const venvBin = await createVirtualenv(dir);
        env.PATH = `${venvBin}${path.delimiter}${workspace.env().PATH}`;
        env.VIRTUAL_ENV = path.dirname(venvBin);

        // The stack file stays in the temporary copy; the secret goes on stdin.
        ({ outputs, exported, resources } = await deployExample(
            pulumi,
            STACK,
            { githubToken, proxyImage, agentImage },
            () => (stackCreated = true),
        ));
    }, 600_000);

    afterAll(async () => {
        try {
            await destroyExample(pulumi, STACK, stackCreated);
        } finally {
            await removeDockerNamesWithPrefix(slug);
            for (const folder of [dir, pluginBin]) if (folder) rmSync(folder, { recursive: true, force: true });
            workspace?.dispose();
        }
    }, 240_000);

    test("the running plugin serves the package schema the SDK is generated from", () => {
        expect(schema.name).toBe("cred-proxy");
        expect(Object.keys(schema.resources)).toEqual(["cred-proxy:index:CredProxySidecar"]);
    });

    test("deploys the component, its networks and proxy, and the Python program's agent", () => {
        expect(outputs).toMatchObject({
            agentContainerName: `${slug}-agent`,
            internalNetworkName: `${slug}-internal`,
            proxyUrl: "http://cred-proxy:8080",
        });
        expect(outputs.agentEnvironment).toMatchObject({
            ANTHROPIC_BASE_URL: "http://cred-proxy:8080/anthropic",
            // bottle.yaml's Auth: api-key, forwarded by the Python program.
            ANTHROPIC_API_KEY: "injected-by-cred-proxy",
            GIT_CONFIG_VALUE_0: "https://github.com/",
        });
        const [component] = resources.filter((r) => r.type === "cred-proxy:index:CredProxySidecar");
        expect(component).toBeDefined();
        // Constructed by the Node.js plugin (a remote component): the networks and the proxy are its children.
        expect(
            resources
                .filter((r) => r.parent === component.urn)
                .map((r) => r.type)
                .sort(),
        ).toEqual(["docker:index/container:Container", "docker:index/network:Network", "docker:index/network:Network"]);
    });

    test("the proxy is healthy and holds both tokens; the internal network is internal", async () => {
        const proxy = await containerOf(`${slug}-cred-proxy`).inspect();
        expect(proxy.State.Health?.Status).toBe("healthy");
        expect(Object.keys(proxy.NetworkSettings.Networks).sort()).toEqual([`${slug}-egress`, `${slug}-internal`]);
        // From the plugin's environment (inherited from `pulumi up`) and from the config secret.
        expect(proxy.Config.Env).toEqual(
            expect.arrayContaining([`CRED_PROXY_TOKEN_0=${anthropicKey}`, `CRED_PROXY_TOKEN_1=${githubToken}`]),
        );
        const internal = await docker().getNetwork(`${slug}-internal`).inspect();
        expect(internal.Internal).toBe(true);
    });

    test("the agent is on the internal network only, has no token, and reaches the proxy by name", async () => {
        const agent = await containerOf(`${slug}-agent`).inspect();
        expect(agent.State.Running).toBe(true);
        expect(Object.keys(agent.NetworkSettings.Networks)).toEqual([`${slug}-internal`]);
        for (const value of [anthropicKey, githubToken]) expect(JSON.stringify(agent.Config.Env)).not.toContain(value);
        expect(await httpFrom(`${slug}-agent`, "http://cred-proxy:8080/healthz")).toMatchObject({ ok: true, status: 200 });
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
    }, 240_000);
});
