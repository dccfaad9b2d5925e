/**
 * Two bottles side by side on one engine, each realised from its own CredProxySidecar
 * declaration: each agent gets its own proxy under the same alias `cred-proxy`, each proxy
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
    describeDocker,
    docker,
    httpFrom,
    resolveFrom,
    sweepLeftovers,
    type TestCa,
} from "./harness";
import { declareBottle, realiseBottle, teardownBottles, type Bottle } from "./harness/bottle";

const MANIFEST = { tokens: [{ Kind: "anthropic", TokenRef: "E2E_ANTHROPIC_KEY" }] };
const TOKENS = {
    a: { E2E_ANTHROPIC_KEY: fakeToken("bottle-a") },
    b: { E2E_ANTHROPIC_KEY: fakeToken("bottle-b") },
};

describeDocker("bottles side by side on one engine", () => {
    const run = new E2eRun();
    let ca: TestCa | undefined;
    const bottles: Record<"a" | "b", Bottle> = {} as Record<"a" | "b", Bottle>;
    const other = { a: "b", b: "a" } as const;

    beforeAll(async () => {
        await sweepLeftovers();
        const [tools, sidecar, testCa] = await Promise.all([buildToolsImage(), buildSidecarImage(), createTestCa(["api.anthropic.com"])]);
        ca = testCa;
        const image = await buildCaTrustingImage(run, sidecar, ca);
        // Declarations share Pulumi's mock runtime: one after the other. Realising runs in parallel.
        const declA = await declareBottle({ name: "bottle-a", slug: run.name("a"), manifest: MANIFEST, image, tokens: TOKENS.a });
        const declB = await declareBottle({ name: "bottle-b", slug: run.name("b"), manifest: MANIFEST, image, tokens: TOKENS.b });
        const [a, b] = await Promise.all([
            realiseBottle(run, declA, { toolsImage: tools, ca, tokens: TOKENS.a, prefix: "a" }),
            realiseBottle(run, declB, { toolsImage: tools, ca, tokens: TOKENS.b, prefix: "b" }),
        ]);
        bottles.a = a;
        bottles.b = b;
    }, 600_000);

    afterAll(() => teardownBottles(run, ca), 120_000);

    it("gives each bottle its own networks: both internal ones internal, none shared", async () => {
        const names = (["a", "b"] as const).flatMap((k) => [bottles[k].declaration.internalNetworkName, bottles[k].declaration.egressNetworkName]);
        expect(new Set(names).size).toBe(4);
        for (const k of ["a", "b"] as const) {
            const internal = await docker().getNetwork(bottles[k].declaration.internalNetworkName).inspect();
            expect(internal.Internal).toBe(true);
            const proxyNetworks = Object.keys((await containerOf(bottles[k].proxy).inspect()).NetworkSettings.Networks);
            const otherDecl = bottles[other[k]].declaration;
            expect(proxyNetworks).not.toContain(otherDecl.internalNetworkName);
            expect(proxyNetworks).not.toContain(otherDecl.egressNetworkName);
        }
    });

    it("lets each agent reach its own proxy as `cred-proxy`, which injects its own bottle's token", async () => {
        for (const k of ["a", "b"] as const) {
            const bottle = bottles[k];
            const ownIp = await containerIp(bottle.proxy, bottle.declaration.internalNetworkName);
            const resolved = await resolveFrom(bottle.agent, PROXY_ALIAS);
            expect(resolved).toEqual({ ok: true, addresses: [ownIp] });
            const r = await httpFrom(bottle.agent, `${bottle.declaration.agentEnvironment.ANTHROPIC_BASE_URL}/v1/models`);
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
            const d = theirs.declaration;
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
        for (const p of await Promise.all(probes)) expect(p).toEqual({ from: p.from, byName: false, byAddress: [false, false, false, false] });
    });

    it("keeps each proxy on its own bottle's upstream: the other bottle's fake is neither found nor reachable", async () => {
        const probes = (["a", "b"] as const).map(async (k) => {
            const mine = bottles[k];
            const theirs = bottles[other[k]];
            const ownFake = await containerIp(mine.upstream("api.anthropic.com").container, mine.declaration.egressNetworkName);
            const theirFake = await containerIp(theirs.upstream("api.anthropic.com").container, theirs.declaration.egressNetworkName);
            const [resolved, reached] = await Promise.all([
                resolveFrom(mine.proxy, "api.anthropic.com"),
                httpFrom(mine.proxy, `http://${theirFake}:443/`, { timeoutMs: 3000 }),
            ]);
            expect(resolved).toEqual({ ok: true, addresses: [ownFake] });
            expect(reached).toMatchObject({ ok: false });
        });
        await Promise.all(probes);
    });

    it("tears down both bottles completely", async () => {
        expect((await run.labelled()).containers).toHaveLength(6); // per bottle: proxy, agent, fake
        await run.teardown();
        expect(await run.labelled()).toEqual({ containers: [], networks: [] });
        expect(await run.labelledImages()).toEqual([]);
        expect(await docker().listNetworks({ filters: { name: [run.runId] } })).toEqual([]);
    }, 60_000);
});
