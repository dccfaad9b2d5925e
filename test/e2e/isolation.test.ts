/**
 * Two bottles side by side on one engine, each its own stack deployed by `pulumi up` (the two
 * `npm run bottle -- up` run at the same time): each agent gets its own proxy under the same alias `cred-proxy`, each proxy
 * injects its own bottle's token, and nothing of one bottle is reachable from the other, by name
 * or by address.
 */
import { DEFAULT_PORT, PROXY_ALIAS } from "../../sidecar/contract";
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
    httpFrom,
    resolveFrom,
    sweepLeftovers,
    type TestCa,
} from "./helpers";
import { BottleStacks, deployBottle, teardownBottles, type Bottle } from "./helpers/bottle";

const MANIFEST = { tokens: [{ Kind: "anthropic", TokenRef: "E2E_ANTHROPIC_KEY" }] };
const TOKENS = {
    a: { E2E_ANTHROPIC_KEY: fakeToken("bottle-a") },
    b: { E2E_ANTHROPIC_KEY: fakeToken("bottle-b") },
};

describeEngine("bottles side by side on one engine", () => {
    const run = new E2eRun();
    const stacks = new BottleStacks(run);
    let ca: TestCa | undefined;
    const bottles: Record<"a" | "b", Bottle> = {} as Record<"a" | "b", Bottle>;
    const other = { a: "b", b: "a" } as const;

    beforeAll(async () => {
        await sweepLeftovers();
        const [tools, sidecar, testCa] = await Promise.all([buildToolsImage(), buildSidecarImage(), createTestCa(["api.anthropic.com"])]);
        ca = testCa;
        const image = await buildCaTrustingImage(run, sidecar, ca);
        const [a, b] = await Promise.all([
            deployBottle(stacks, { name: "a", manifest: MANIFEST, tokens: TOKENS.a, image }, { toolsImage: tools, ca, prefix: "a" }),
            deployBottle(stacks, { name: "b", manifest: MANIFEST, tokens: TOKENS.b, image }, { toolsImage: tools, ca, prefix: "b" }),
        ]);
        bottles.a = a;
        bottles.b = b;
    }, 600_000);

    afterAll(() => teardownBottles(stacks, ca), 300_000);

    it("gives each bottle its own networks: both internal ones internal, none shared", async () => {
        const names = (["a", "b"] as const).flatMap((k) => [bottles[k].outputs.internalNetworkName, bottles[k].outputs.egressNetworkName]);
        expect(new Set(names).size).toBe(4);
        for (const k of ["a", "b"] as const) {
            const internal = await docker().getNetwork(bottles[k].outputs.internalNetworkName).inspect();
            expect(internal.Internal).toBe(true);
            const proxyNetworks = Object.keys((await containerOf(bottles[k].proxy).inspect()).NetworkSettings.Networks);
            const otherDecl = bottles[other[k]].outputs;
            expect(proxyNetworks).not.toContain(otherDecl.internalNetworkName);
            expect(proxyNetworks).not.toContain(otherDecl.egressNetworkName);
        }
    });

    it("lets each agent reach its own proxy as `cred-proxy`, which injects its own bottle's token", async () => {
        for (const k of ["a", "b"] as const) {
            const bottle = bottles[k];
            const ownIp = await containerIp(bottle.proxy, bottle.outputs.internalNetworkName);
            const resolved = await resolveFrom(bottle.agent, PROXY_ALIAS);
            expect(resolved).toEqual({ ok: true, addresses: [ownIp] });
            const r = await httpFrom(bottle.agent, `${bottle.outputs.agentEnvironment.ANTHROPIC_BASE_URL}/v1/models`);
            expect(r).toMatchObject({ ok: true, status: 200 });
            expect(JSON.parse((r as { body: string }).body)).toMatchObject({ authorized: true });
            const seen = await bottle.upstream("api.anthropic.com").requests();
            expect(seen.map((s) => s.headers.authorization)).toEqual([`Bearer ${TOKENS[k].E2E_ANTHROPIC_KEY}`]);
        }
    });

    it("keeps each agent away from the other bottle's proxy, agent and fake upstream, by name and by address", async () => {
        const probes = (["a", "b"] as const).map(async (k) => {
            const mine = bottles[k];
            const theirs = bottles[other[k]];
            const d = theirs.outputs;
            const targets = [
                `${await containerIp(theirs.proxy, d.internalNetworkName)}:${DEFAULT_PORT}`,
                `${await containerIp(theirs.proxy, d.egressNetworkName)}:${DEFAULT_PORT}`,
                `${await containerIp(theirs.agent, d.internalNetworkName)}:${DEFAULT_PORT}`,
                `${await containerIp(theirs.upstream("api.anthropic.com").container, d.egressNetworkName)}:443`,
            ];
            const [byName, ...byAddress] = await Promise.all([
                resolveFrom(mine.agent, d.containerName),
                ...targets.map((t) => httpFrom(mine.agent, `http://${t}/`, { timeoutMs: 3000 })),
            ]);
            return { from: k, byName: byName.ok, byAddress: byAddress.map((p) => p.ok) };
        });
        for (const p of await Promise.all(probes))
            expect(p).toEqual({ from: p.from, byName: false, byAddress: [false, false, false, false] });
    });

    it("keeps each proxy on its own bottle's upstream: the other bottle's fake is neither found nor reachable", async () => {
        const probes = (["a", "b"] as const).map(async (k) => {
            const mine = bottles[k];
            const theirs = bottles[other[k]];
            const ownFake = await containerIp(mine.upstream("api.anthropic.com").container, mine.outputs.egressNetworkName);
            const theirFake = await containerIp(theirs.upstream("api.anthropic.com").container, theirs.outputs.egressNetworkName);
            const [resolved, reached] = await Promise.all([
                resolveFrom(mine.proxy, "api.anthropic.com"),
                httpFrom(mine.proxy, `http://${theirFake}:443/`, { timeoutMs: 3000 }),
            ]);
            expect(resolved).toEqual({ ok: true, addresses: [ownFake] });
            expect(reached).toMatchObject({ ok: false });
        });
        await Promise.all(probes);
    });

    it("destroys both bottles completely", async () => {
        expect((await run.labelled()).containers).toHaveLength(6); // per bottle: proxy, agent, fake
        await stacks.teardown();
        expect(await stacks.leftovers()).toEqual({ containers: [], networks: [] });
        await run.teardown();
        expect(await run.labelled()).toEqual({ containers: [], networks: [] });
        expect(await run.labelledImages()).toEqual([]);
        expect(await docker().listNetworks({ filters: { name: [run.runId] } })).toEqual([]);
    }, 180_000);
});
