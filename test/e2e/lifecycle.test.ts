/**
 * A bottle's proxy over its life on a real engine: `docker restart` and a crash (the declared
 * restart policy) keep the bottle working; realising an unchanged declaration changes nothing;
 * changing a token value replaces the container, deleted before it is created again as
 * `deleteBeforeReplace` asks, and the new value is what the upstream gets (the old one is
 * rejected there).
 *
 * One bottle serves the whole file, in order: restarts first, the replacement last.
 */
import { DEFAULT_ROUTES_PATH, PROXY_ALIAS, PROXY_GID, PROXY_UID } from "../../sidecar/contract";
import { fakeToken } from "../helpers/fakeTokens";
import {
    E2eRun,
    buildCaTrustingImage,
    buildSidecarImage,
    buildToolsImage,
    containerIp,
    containerOf,
    createTestCa,
    describeDocker,
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
    type RealisedContainer,
    type TestCa,
} from "./harness";
import { COMPONENT_TYPE, declareBottle, realiseBottle, teardownBottles, type Bottle, type BottleDeclaration } from "./harness/bottle";

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

describeDocker("a bottle's proxy over its life", () => {
    const run = new E2eRun();
    let ca: TestCa | undefined;
    let image: string;
    let bottle: Bottle;
    /** The proxy container as it is now (the replacement test swaps it). */
    let proxy: RealisedContainer;

    const declare = (tokens: Record<string, string>): Promise<BottleDeclaration> =>
        declareBottle({ name: "life", slug: run.name("life"), manifest: MANIFEST, image, tokens });
    const anthropic = (): Promise<HttpProbe> => httpFrom(bottle.agent, `${bottle.declaration.agentEnvironment.ANTHROPIC_BASE_URL}/v1/models`);
    const gitea = (): Promise<HttpProbe> => httpFrom(bottle.agent, `${bottle.declaration.proxyUrl}/gitea/${GITEA_HOST}:3000/api/v1/version`);
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
        const [tools, sidecar, testCa] = await Promise.all([buildToolsImage(), buildSidecarImage(), createTestCa(["api.anthropic.com", GITEA_HOST])]);
        ca = testCa;
        image = await buildCaTrustingImage(run, sidecar, ca);
        bottle = await realiseBottle(run, await declare(TOKENS), { toolsImage: tools, ca, tokens: TOKENS, prefix: "life" });
        proxy = bottle.proxy;
    }, 600_000);

    afterAll(() => teardownBottles(run, ca), 120_000);

    it("serves both routes to begin with", async () => {
        expect(status(await anthropic())).toBe(200);
        expect(status(await gitea())).toBe(200);
        const [seen] = (await bottle.upstream(GITEA_HOST).requests()).slice(-1);
        expect(seen).toMatchObject({ url: "/api/v1/version", headers: { host: `${GITEA_HOST}:3000`, authorization: `token ${TOKENS.E2E_GITEA_TOKEN}` } });
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
        expect(await statIn(proxy, DEFAULT_ROUTES_PATH)).toEqual({ mode: 0o600, uid: PROXY_UID, gid: PROXY_GID, isFile: true });
        expect(await readFileIn(proxy, DEFAULT_ROUTES_PATH)).toBe(bottle.declaration.routesFile);
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

    it("changes nothing when the same declaration is realised again", async () => {
        const again = await run.realise((await declare(TOKENS)).registered, { ignoreTypes: [COMPONENT_TYPE] });
        expect(again.actions.map((a) => a.action)).toEqual(["same", "same", "same"]);
        expect(again.container(bottle.declaration.containerName).id).toBe(proxy.id);
    });

    it("replaces the container when a token changes, deleting it first, and injects the new value", async () => {
        const upstream = bottle.upstream("api.anthropic.com");
        // The service rotates the key: the value the running proxy holds is now refused there.
        await upstream.expect(`Bearer ${ROTATED}`);
        const refused = await anthropic();
        expect(status(refused)).toBe(401);
        expect(JSON.parse((refused as { body: string }).body)).toMatchObject({ authorized: false });

        const declaration = await declare({ ...TOKENS, E2E_ANTHROPIC_KEY: ROTATED });
        const container = declaration.registered.find((r) => r.name === "life-proxy");
        expect(container?.deleteBeforeReplace).toBe(true);
        const oldId = proxy.id;
        const realised = await run.realise(declaration.registered, { ignoreTypes: [COMPONENT_TYPE] });
        // Networks register in whichever order their inputs resolve; compare by name.
        const actions = realised.actions.map((a) => [a.resourceName, a.action, a.order]);
        expect(actions.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
            ["life-egress", "same", undefined],
            ["life-internal", "same", undefined],
            ["life-proxy", "replace", "delete-first"],
        ]);
        proxy = realised.container(declaration.containerName);
        expect(proxy.id).not.toBe(oldId);
        await expect(docker().getContainer(oldId).inspect()).rejects.toMatchObject({ statusCode: 404 });
        const info = await containerOf(proxy).inspect();
        expect(info.Name).toBe(`/${declaration.containerName}`);
        expect(info.State.Health?.Status).toBe("healthy");

        // The agent was not touched: its `cred-proxy` now is the new container.
        const resolved = await resolveFrom(bottle.agent, PROXY_ALIAS);
        expect(resolved).toEqual({ ok: true, addresses: [await containerIp(proxy, declaration.internalNetworkName)] });
        expect(status(await anthropic())).toBe(200);
        const [last] = (await upstream.requests()).slice(-1);
        expect(last.headers.authorization).toBe(`Bearer ${ROTATED}`);
        expect(status(await gitea())).toBe(200); // the unchanged token still works

        expect(info.Config.Env).toContain(`CRED_PROXY_TOKEN_0=${ROTATED}`);
        const labelled = await run.labelled();
        for (const id of labelled.containers) {
            expect(JSON.stringify(await docker().getContainer(id).inspect())).not.toContain(TOKENS.E2E_ANTHROPIC_KEY);
        }
    }, 120_000);

    it("tears down everything, the replacement included", async () => {
        expect((await run.labelled()).containers).toHaveLength(2 + bottle.upstreams.length);
        await run.teardown();
        expect(await run.labelled()).toEqual({ containers: [], networks: [] });
        expect(await run.labelledImages()).toEqual([]);
    }, 60_000);
});
