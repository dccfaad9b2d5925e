/**
 * A bottle's proxy over its life, with the real engines: `docker restart` and a crash (the
 * declared restart policy) keep the bottle working; `up` of an unchanged bottle changes nothing;
 * a token rotated with `pulumi config set --secret --path tokens.<TokenRef>` shows as a container
 * replacement whose values are `[secret]`, replaces the container (deleted before it is created
 * again, as `deleteBeforeReplace` asks) and the new value is what the upstream gets; `destroy`
 * leaves nothing and `up` after it works again.
 *
 * One bottle serves the whole file, in order: restarts first, the replacement, then destroy.
 */
import { DEFAULT_ROUTES_PATH, PROXY_ALIAS } from "../../sidecar/contract";
import { fakeToken } from "../helpers/fakeTokens";
import {
    E2eRun,
    buildCaTrustingImage,
    buildSidecarImage,
    buildToolsImage,
    containerIp,
    containerOf,
    createTestCa,
    describeEngine,
    docker,
    execIn,
    httpFrom,
    processStatuses,
    readFileIn,
    resolveFrom,
    sleep,
    statIn,
    sweepLeftovers,
    waitHealthy,
    type HttpProbe,
    mustSucceed,
    type RunningContainer,
    type TestCa,
} from "./helpers";
import { BottleStacks, deployBottle, teardownBottles, proxyContainer, type Bottle } from "./helpers/bottle";

const GITEA_HOST = "gitea.e2e.test";
const MANIFEST = {
    tokens: [
        { Kind: "anthropic", TokenRef: "E2E_ANTHROPIC_KEY" },
        // A Gitea at the root of its origin, on a non-default port.
        { Kind: "gitea", TokenRef: "E2E_GITEA_TOKEN", Url: `https://${GITEA_HOST}:3000` },
    ],
};
const TOKENS = { E2E_ANTHROPIC_KEY: fakeToken("anthropic"), E2E_GITEA_TOKEN: fakeToken("gitea") };
const ROTATED = fakeToken("anthropic-rotated");

describeEngine("a bottle's proxy over its life", () => {
    const run = new E2eRun();
    const stacks = new BottleStacks(run);
    let ca: TestCa | undefined;
    let image: string;
    let bottle: Bottle;
    /** The proxy container as it is now (the replacement test swaps it). */
    let proxy: RunningContainer;
    let tools: string;
    const spec = () => ({ name: "life", manifest: MANIFEST, tokens: TOKENS, image });
    const anthropic = (): Promise<HttpProbe> => httpFrom(bottle.agent, `${bottle.outputs.agentEnvironment.ANTHROPIC_BASE_URL}/v1/models`);
    const gitea = (): Promise<HttpProbe> => httpFrom(bottle.agent, `${bottle.outputs.proxyUrl}/gitea/${GITEA_HOST}:3000/api/v1/version`);
    const status = (p: HttpProbe) => (p.ok ? p.status : p.error);
    /** Poll the anthropic route from the agent until it answers 200 (the proxy starts in well under a second). */
    const servingAgain = async (timeoutMs = 20_000): Promise<void> => {
        const deadline = Date.now() + timeoutMs;
        let last: HttpProbe;
        do {
            last = await anthropic();
            if (last.ok && last.status === 200) return;
            await sleep(200);
        } while (Date.now() < deadline);
        throw new Error(`the bottle did not serve again within ${timeoutMs} ms: ${JSON.stringify(last)}`);
    };

    beforeAll(async () => {
        await sweepLeftovers();
        let sidecar: string;
        let testCa: TestCa;
        [tools, sidecar, testCa] = await Promise.all([
            buildToolsImage(),
            buildSidecarImage(),
            createTestCa(["api.anthropic.com", GITEA_HOST]),
        ]);
        ca = testCa;
        image = await buildCaTrustingImage(run, sidecar, ca);
        bottle = await deployBottle(stacks, spec(), { toolsImage: tools, ca, prefix: "life" });
        proxy = bottle.proxy;
    }, 600_000);

    afterAll(() => teardownBottles(stacks, ca), 300_000);

    it("serves both routes to begin with", async () => {
        expect(status(await anthropic())).toBe(200);
        expect(status(await gitea())).toBe(200);
        const [seen] = (await bottle.upstream(GITEA_HOST).requests()).slice(-1);
        expect(seen).toMatchObject({
            url: "/api/v1/version",
            headers: { host: `${GITEA_HOST}:3000`, authorization: `token ${TOKENS.E2E_GITEA_TOKEN}` },
        });
    });

    it("keeps the bottle working across `docker restart`, routes file and all", async () => {
        const before = await containerOf(proxy).inspect();
        const started = Date.now();
        await containerOf(proxy).restart();
        // The server stops on SIGTERM (through docker-init) rather than being killed after the
        // engine's 10 s grace period.
        expect(Date.now() - started).toBeLessThan(8_000);
        await servingAgain();
        const after = await containerOf(proxy).inspect();
        expect(after.Id).toBe(before.Id);
        expect(after.State.StartedAt).not.toBe(before.State.StartedAt);
        expect(await statIn(proxy, DEFAULT_ROUTES_PATH)).toEqual({ mode: 0o444, uid: 0, gid: 0, isFile: true });
        expect(await readFileIn(proxy, DEFAULT_ROUTES_PATH)).toBe(bottle.outputs.routesFile);
        expect(status(await gitea())).toBe(200);
        await waitHealthy(proxy, 30_000);
    }, 60_000);

    it("is brought back by the declared restart policy when the server process dies", async () => {
        const before = await containerOf(proxy).inspect();
        expect(before.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
        // PID 1 is docker-init (`init: true`); the server is its child.
        const server = (await processStatuses(proxy)).find((s) => s.PPid === "1" && s.Cmdline.startsWith("node /app/sidecar/main.js"));
        expect(server).toBeDefined();
        // The proxy's own uid may signal its own process; no capability is needed.
        // (The exec itself may die with the container: 137.)
        const kill = await execIn(proxy, ["node", "-e", `process.kill(${Number(server?.Pid)}, "SIGKILL")`]);
        expect([0, 137]).toContain(kill.exitCode);
        // docker-init exits with its child, the container stops, and the engine starts it again.
        const deadline = Date.now() + 20_000;
        let after = await containerOf(proxy).inspect();
        while (after.RestartCount === before.RestartCount && Date.now() < deadline) {
            await sleep(100);
            after = await containerOf(proxy).inspect();
        }
        expect(after.RestartCount).toBe(before.RestartCount + 1);
        expect(after.Id).toBe(before.Id);
        await servingAgain();
    }, 60_000);

    it("changes nothing when an unchanged bottle is deployed again", async () => {
        const again = mustSucceed("up again", await stacks.up(spec()));
        expect(again.stdout).toMatch(/5 unchanged/);
        expect(again.stdout).not.toMatch(/\b(replaced|updated|created|deleted)\b/);
        expect((await proxyContainer(bottle.outputs.containerName)).id).toBe(proxy.id);
    }, 120_000);

    it("rotates a token set with `pulumi config set --secret --path`: a replacement shown as [secret], deleted first, the new value injected", async () => {
        const upstream = bottle.upstream("api.anthropic.com");
        // The service rotates the key: the value the running proxy holds is now refused there.
        await upstream.expect({ header: "authorization", value: `Bearer ${ROTATED}` });
        const refused = await anthropic();
        expect(status(refused)).toBe(401);
        expect(JSON.parse((refused as { body: string }).body)).toMatchObject({ authorized: false });

        // The value goes on stdin: never on a command line.
        mustSucceed(
            "config set",
            await stacks.pulumi("life", ["config", "set", "--secret", "--path", "tokens.E2E_ANTHROPIC_KEY"], { input: ROTATED }),
        );
        const preview = mustSucceed(
            "preview",
            await stacks.workspace.bottle(
                ["preview", stacks.manifestFile(spec()), "--stack", stacks.stack("life"), "--slug", stacks.stack("life")],
                { env: TOKENS },
            ),
        );
        expect(preview.stdout).toMatch(/\+-\s*docker:index\/container:Container: \(replace\)/);
        expect(preview.stdout).toMatch(/~ envs: \[\s+~ \[0\]: \[secret\] => \[secret\]/);
        expect(preview.stdout).toMatch(/\+-1 to replace/);
        expect(preview.stdout).not.toContain(ROTATED);

        const oldId = proxy.id;
        // The old value is still in the environment: the config secret wins over it.
        const up = mustSucceed("up", await stacks.up(spec()));
        expect(up.stdout).toMatch(/\+-1 replaced/);
        expect(up.stdout).toMatch(/4 unchanged/);
        proxy = await proxyContainer(bottle.outputs.containerName);
        expect(proxy.id).not.toBe(oldId);
        await expect(docker().getContainer(oldId).inspect()).rejects.toMatchObject({ statusCode: 404 });
        const info = await containerOf(proxy).inspect();
        expect(info.Name).toBe(`/${bottle.outputs.containerName}`);
        expect(info.State.Health?.Status).toBe("healthy");

        // The agent was not touched: its `cred-proxy` now is the new container.
        const resolved = await resolveFrom(bottle.agent, PROXY_ALIAS);
        expect(resolved).toEqual({ ok: true, addresses: [await containerIp(proxy, bottle.outputs.internalNetworkName)] });
        expect(status(await anthropic())).toBe(200);
        const [last] = (await upstream.requests()).slice(-1);
        expect(last.headers.authorization).toBe(`Bearer ${ROTATED}`);
        expect(status(await gitea())).toBe(200); // the unchanged token still works

        expect(info.Config.Env).toContain(`CRED_PROXY_TOKEN_0=${ROTATED}`);
        expect(JSON.stringify(info)).not.toContain(TOKENS.E2E_ANTHROPIC_KEY);
        const state = mustSucceed("export", await stacks.pulumi("life", ["stack", "export"]));
        for (const token of [ROTATED, ...Object.values(TOKENS)]) {
            expect(state.stdout).not.toContain(token);
            expect(stacks.workspace.printed.join("\n")).not.toContain(token);
        }
    }, 240_000);

    it("destroy leaves no container or network, and up after destroy brings the bottle back", async () => {
        expect(await run.removeContainers()).toEqual([]); // the agent and fakes sit on the bottle's networks
        const destroyed = mustSucceed("destroy", await stacks.destroy(spec()));
        expect(destroyed.stdout).toMatch(/- 5 deleted/);
        expect(await stacks.leftovers()).toEqual({ containers: [], networks: [] });

        bottle = await deployBottle(
            stacks,
            { ...spec(), tokens: { ...TOKENS, E2E_ANTHROPIC_KEY: ROTATED } },
            { toolsImage: tools, ca: ca as TestCa, prefix: "life-again" },
        );
        expect(bottle.upOutput.stdout).toMatch(/\+ 5 created/);
        proxy = bottle.proxy;
        expect((await containerOf(proxy).inspect()).State.Health?.Status).toBe("healthy");
        expect(status(await anthropic())).toBe(200);
        expect(status(await gitea())).toBe(200);
    }, 240_000);
});
