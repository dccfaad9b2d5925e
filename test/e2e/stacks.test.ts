/**
 * The project's own stacks with the real engines: every example bottle in stacks/bottles/ goes up
 * with `npm run bottle -- up <that file>`, serves every route with exactly the injected credential,
 * and goes away with `destroy`; a bad manifest and a missing token fail `pulumi up` itself (not
 * only the driver's checks) with the project's message, and nothing is created; an Anthropic token
 * of the other kind than `Auth` fails it on the health wait, the proxy's log naming the fix.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { credProxyRoutes, parseBottleManifest } from "../../components/core";
import { fakeToken } from "../helpers/fakeTokens";
import {
    E2eRun,
    buildCaTrustingImage,
    buildSidecarImage,
    buildToolsImage,
    containerLogs,
    createTestCa,
    describeEngine,
    httpFrom,
    mustSucceed,
    sweepLeftovers,
    type TestCa,
} from "./helpers";
import { BottleStacks, deployBottle, teardownBottles, type Bottle } from "./helpers/bottle";
import { expectedCredential } from "../helpers/credentials";

const BOTTLES_DIR = path.resolve(__dirname, "../../stacks/bottles");
const EXAMPLES = readdirSync(BOTTLES_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
        const manifestPath = path.join(BOTTLES_DIR, file);
        const manifest = YAML.parse(readFileSync(manifestPath, "utf8"));
        const refs = [...new Set((manifest.tokens as { TokenRef: string }[]).map((t) => t.TokenRef))];
        return {
            name: path.basename(file, path.extname(file)),
            manifestPath,
            manifest,
            tokens: Object.fromEntries(refs.map((r) => [r, fakeToken(r)])),
        };
    });
const HOSTS = [
    ...new Set(EXAMPLES.flatMap((e) => credProxyRoutes(parseBottleManifest(e.manifest)).map((r) => new URL(r.upstream).hostname))),
];
/** No stack trace: a frame line of Node's (`    at fn (file:line:col)`). */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

describeEngine("the project's stacks on the real engines", () => {
    const run = new E2eRun();
    const stacks = new BottleStacks(run);
    let ca: TestCa | undefined;
    let image: string;
    let tools: string;

    beforeAll(async () => {
        await sweepLeftovers();
        let sidecar: string;
        [tools, sidecar, ca] = await Promise.all([buildToolsImage(), buildSidecarImage(), createTestCa(HOSTS)]);
        image = await buildCaTrustingImage(run, sidecar, ca);
    }, 300_000);

    afterAll(() => teardownBottles(stacks, ca), 300_000);

    it.each(EXAMPLES.map((e) => [e.name, e]))(
        "deploys the example bottle %s: every route reaches its upstream with exactly its token; destroy removes it",
        async (_name, example) => {
            const spec = { ...example, name: `example-${example.name}`, image };
            const bottle: Bottle = await deployBottle(stacks, spec, { toolsImage: tools, ca: ca as TestCa, prefix: spec.name });
            expect(bottle.outputs.routes).toEqual(credProxyRoutes(parseBottleManifest(example.manifest)));
            for (const route of bottle.outputs.routes) {
                const target = `${route.path}e2e/probe`;
                const r = await httpFrom(bottle.agent, `${bottle.outputs.proxyUrl}${target}`, {
                    headers: { authorization: "Bearer agent-made-up" },
                });
                expect({ target, r }).toMatchObject({ target, r: { ok: true, status: 200 } });
                const upstream = new URL(route.upstream);
                const seen = (await bottle.upstream(upstream.hostname).requests()).pop();
                expect(seen?.url).toBe(`${upstream.pathname.replace(/\/$/, "")}/e2e/probe`);
                const credential = expectedCredential(route, example.tokens[route.tokenRef]);
                expect(seen?.headers[credential.header]).toBe(credential.value);
                expect(seen?.authorized).toBe(true);
            }
            expect(await run.removeContainers()).toEqual([]);
            mustSucceed("destroy", await stacks.destroy(spec));
            expect(await stacks.leftovers(spec.name)).toEqual({ containers: [], networks: [] });
        },
        300_000,
    );

    /** A stack made with `pulumi` itself, as an operator would: config set by hand, then `up`. */
    const handMadeStack = async (name: string, manifestPath: string) => {
        stacks.track(name);
        mustSucceed("stack init", await stacks.workspace.pulumi(["stack", "init", stacks.stack(name)]));
        for (const [key, value] of [
            ["cred-proxy:manifestPath", manifestPath],
            ["cred-proxy:image", image],
        ]) {
            mustSucceed("config set", await stacks.pulumi(name, ["config", "set", key, value]));
        }
    };

    it("fails pulumi up on a bad manifest with every problem by path, no stack trace, and creates nothing", async () => {
        const bad = path.join(stacks.workspace.stateDir, "..", `${run.runId}-bad.yaml`);
        writeFileSync(bad, "tokens:\n  - Kind: anthropc\n    TokenRef: ANTHROPIC_API_KEY\n  - Kind: gitea\n    TokenRef: 1BAD\n");
        await handMadeStack("bad-manifest", bad);
        const up = await stacks.pulumi("bad-manifest", ["up", "--yes", "--skip-preview"]);
        expect(up.code).not.toBe(0);
        const printed = `${up.stdout}\n${up.stderr}`;
        expect(printed).toMatch(/tokens\[0\]\.Kind: /);
        expect(printed).toMatch(/tokens\[1\]\.TokenRef: /);
        expect(printed).toMatch(/tokens\[1\]\.Url: is required for gitea entries/);
        expect(printed).not.toMatch(STACK_FRAME);
        expect(await stacks.leftovers("bad-manifest")).toEqual({ containers: [], networks: [] });
        const state = JSON.parse(mustSucceed("export", await stacks.pulumi("bad-manifest", ["stack", "export"])).stdout);
        expect(
            (state.deployment.resources ?? []).map((r: { type: string }) => r.type).filter((t: string) => t.startsWith("docker:")),
        ).toEqual([]);
    }, 120_000);

    it("fails pulumi up on a missing token naming the variable and the fixes, and creates nothing", async () => {
        const example = EXAMPLES[0];
        await handMadeStack("missing-token", example.manifestPath);
        // Every TokenRef but the first is set; the first is neither in the environment nor in config.
        const [missing, ...rest] = Object.keys(example.tokens);
        const env = Object.fromEntries(rest.map((r) => [r, example.tokens[r]]));
        const up = await stacks.pulumi("missing-token", ["up", "--yes", "--skip-preview"], { env });
        expect(up.code).not.toBe(0);
        const printed = `${up.stdout}\n${up.stderr}`;
        expect(printed).toContain(`${missing} (for CRED_PROXY_TOKEN_0) is not set; set ${missing} in the deploying environment`);
        expect(printed).toContain("pulumi config set --secret");
        expect(printed).not.toMatch(STACK_FRAME);
        for (const value of Object.values(example.tokens)) expect(printed).not.toContain(value);
        expect(await stacks.leftovers("missing-token")).toEqual({ containers: [], networks: [] });
    }, 120_000);

    it("fails pulumi up on the health wait when the Anthropic token is of the other kind: the proxy names the slot and the fix", async () => {
        // An OAuth token where the manifest declares an API key (Auth: api-key): the proxy refuses
        // to start, so the container never gets healthy and up fails, not the agent later.
        const manifest = { tokens: [{ Kind: "anthropic", TokenRef: "E2E_ANTHROPIC", Auth: "api-key" }] };
        const oauthToken = `sk-ant-oat01-${fakeToken("oauth")}`;
        const spec = { name: "wrong-kind", manifest, tokens: { E2E_ANTHROPIC: oauthToken }, image };
        const up = await stacks.up(spec);
        expect(up.code).not.toBe(0);
        const printed = `${up.stdout}\n${up.stderr}`;
        expect(printed).toMatch(/healthy|health/i);
        expect(printed).not.toContain(oauthToken);
        const [container] = (await stacks.leftovers("wrong-kind")).containers;
        const logs = container === undefined ? "" : await containerLogs(container);
        expect(logs).toContain("token slot CRED_PROXY_TOKEN_0 (route /anthropic/) holds an Anthropic OAuth token (sk-ant-oat...)");
        expect(logs).toContain("set Auth: oauth");
        expect(logs).not.toContain(oauthToken);
        expect(logs).not.toMatch(STACK_FRAME);
        mustSucceed("destroy", await stacks.destroy(spec));
        expect(await stacks.leftovers("wrong-kind")).toEqual({ containers: [], networks: [] });
    }, 240_000);
});
