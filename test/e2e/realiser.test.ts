/**
 * The realiser, proven on a real engine with a hand-written resource list in @pulumi/docker's
 * input shape (no component involved): what it creates has the user, file modes, capabilities,
 * limits, health and network isolation the inputs ask for, and it refuses inputs it does not
 * understand. Input validation is checked without an engine too.
 */
import {
    CONTAINER_TYPE,
    E2eRun,
    NETWORK_TYPE,
    canonical,
    changedKeys,
    Realised,
    RealisedContainer,
    RegisteredResource,
    buildToolsImage,
    containerIp,
    containerOf,
    describeDocker,
    docker,
    execIn,
    httpFrom,
    parseGoDuration,
    plan,
    processStatuses,
    resolveFrom,
    sweepLeftovers,
    unwrapSecrets,
    waitHealthy,
} from "./harness";
import { DEFAULT_PORT, DEFAULT_ROUTES_PATH, PROXY_ALIAS, PROXY_GID, PROXY_UID } from "../../sidecar/contract";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
/** How the mock runtime hands a secret input to newResource. */
const secret = <T>(value: T) => ({ [SIG]: SECRET, value });

const MB = 1024 * 1024;
const ROUTES = `${JSON.stringify({ routes: [] }, null, 2)}\n`;
const TOKEN = "test-token-value-0";

/** A tiny server standing in for the proxy: health, and who it runs as. */
const SERVER = `
const http = require("http");
const fs = require("fs");
http.createServer((req, res) => {
    if (req.url === "/healthz") { res.end("ok"); return; }
    if (req.url === "/whoami") {
        let routes;
        try { routes = fs.readFileSync(process.env.ROUTES_PATH, "utf8"); } catch (e) { routes = "ERR " + e.code; }
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), routes }));
        return;
    }
    res.statusCode = 404; res.end();
}).listen(Number(process.env.PORT), "0.0.0.0");
`;
const HEALTH = `require("http").get("http://127.0.0.1:" + process.env.PORT + "/healthz", (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))`;

function resources(run: E2eRun, image: string): RegisteredResource[] {
    const internal = run.name("internal");
    const egress = run.name("egress");
    return [
        {
            type: NETWORK_TYPE,
            name: "internal",
            id: "mock-internal-id",
            inputs: { name: internal, internal: true, driver: "bridge", labels: [{ label: "bottle", value: "e2e" }] },
        },
        { type: NETWORK_TYPE, name: "egress", inputs: { name: egress, internal: false, driver: "bridge" } },
        {
            type: CONTAINER_TYPE,
            name: "proxy",
            inputs: {
                name: run.name("proxy"),
                image,
                user: `${PROXY_UID}:${PROXY_GID}`,
                command: ["node", "-e", SERVER],
                // One secret element makes the whole list secret: it arrives wrapped as a whole.
                envs: secret([`CRED_PROXY_TOKEN_0=${TOKEN}`, `PORT=${DEFAULT_PORT}`, `ROUTES_PATH=${DEFAULT_ROUTES_PATH}`]),
                labels: [{ label: "bottle", value: "e2e" }],
                capabilities: { drops: ["ALL"] },
                securityOpts: ["no-new-privileges:true"],
                memory: 128,
                memorySwap: 128,
                cpuShares: 256,
                ulimits: [
                    { name: "nproc", soft: 512, hard: 512 },
                    { name: "nofile", soft: 1024, hard: 1024 },
                ],
                restart: "on-failure",
                maxRetryCount: 2,
                healthcheck: { tests: ["CMD", "node", "-e", HEALTH], interval: "1s", timeout: "3s", retries: 3, startPeriod: "2s" },
                init: true,
                tmpfs: { "/run/scratch": "rw,noexec,nosuid,size=8m" },
                logDriver: "json-file",
                logOpts: { "max-size": "1m", "max-file": "2" },
                // The internal network by the id the mock gave it, the egress one by name.
                networksAdvanced: [{ name: "mock-internal-id", aliases: [PROXY_ALIAS] }, { name: egress }],
                uploads: [
                    {
                        file: DEFAULT_ROUTES_PATH,
                        content: ROUTES,
                        permissions: "0600",
                        owner: String(PROXY_UID),
                        group: String(PROXY_GID),
                    },
                ],
                mustRun: true,
                wait: false,
                attach: false,
                destroyGraceSeconds: 5,
            },
        },
    ];
}

describe("realiser input handling (no engine needed)", () => {
    const base = (inputs: Record<string, unknown>): RegisteredResource[] => [
        { type: CONTAINER_TYPE, name: "c", inputs: { name: "c", image: "img:1", ...inputs } },
    ];

    it("unwraps secrets recursively", () => {
        expect(unwrapSecrets({ a: secret(["x", secret("y")]), b: [secret({ c: 1 })], d: "plain" })).toEqual({
            a: ["x", "y"],
            b: [{ c: 1 }],
            d: "plain",
        });
    });

    it("throws on an input key it does not understand, naming it, at any depth", () => {
        expect(() => plan(base({ bogusKey: true }))).toThrow(/"c"\.bogusKey: input not understood/);
        expect(() => plan(base({ uploads: [{ file: "/f", content: "x", mystery: 1 }] }))).toThrow(/uploads\[0\]\.mystery/);
        expect(() => plan(base({ healthcheck: { tests: ["CMD", "true"], startInterval: "1s" } }))).toThrow(/healthcheck\.startInterval/);
        expect(() => plan(base({ networksAdvanced: [{ name: "n", macAddress: "x" }] }))).toThrow(/networksAdvanced\[0\]\.macAddress/);
        expect(() => plan([{ type: NETWORK_TYPE, name: "n", inputs: { name: "n", ipamSomething: 1 } }])).toThrow(/ipamSomething/);
        expect(() => plan(base({ ports: [{ internal: 80 }] }))).toThrow(/\.ports: input not understood/);
    });

    it("accepts the deliberate no-ops only with values that are no-ops", () => {
        expect(() => plan(base({ attach: false, logs: false, destroyGraceSeconds: 3, removeVolumes: true }))).not.toThrow();
        expect(() => plan(base({ attach: true }))).toThrow(/attach: value true is not supported/);
    });

    it("refuses resource types it does not know unless told to skip them", () => {
        const list: RegisteredResource[] = [{ type: "cred-proxy:index:CredProxySidecar", name: "x", inputs: {} }];
        expect(() => plan(list)).toThrow(/resource type not understood/);
        expect(plan(list, { ignoreTypes: ["cred-proxy:index:CredProxySidecar"] })).toEqual({ networks: [], containers: [] });
    });

    it("refuses unresolved Pulumi values (unknowns, assets)", () => {
        expect(() => plan(base({ user: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }))).toThrow(/unknown/);
        expect(() => plan(base({ labels: [{ label: "a", value: { [SIG]: "c44067f5952c0a294b673a41bacd8c17", text: "x" } }] }))).toThrow(
            /special value/,
        );
    });

    it("translates units and shapes as the provider does", () => {
        const p = plan(
            base({
                memory: 64,
                memorySwap: -1,
                shmSize: 16,
                cpus: "0.5",
                healthcheck: { tests: ["CMD", "true"], interval: "1m30s", timeout: "500ms", retries: 2 },
                labels: [{ label: "k", value: "v" }],
                uploads: [
                    { file: "/a/b", content: "hi", executable: true },
                    { file: "/c", contentBase64: Buffer.from([0, 1]).toString("base64"), permissions: "0640", owner: "7", group: "8" },
                ],
                envs: secret(["A=1"]),
            }),
            { labels: { "run-label": "r1" } },
        ).containers[0];
        expect(p.options.HostConfig?.Memory).toBe(64 * MB);
        expect(p.options.HostConfig?.MemorySwap).toBe(-1);
        expect(p.options.HostConfig?.ShmSize).toBe(16 * MB);
        expect(p.options.HostConfig?.NanoCpus).toBe(5e8);
        expect(p.options.Healthcheck).toEqual({ Test: ["CMD", "true"], Interval: 90e9, Timeout: 5e8, Retries: 2, StartPeriod: undefined });
        expect(p.options.Labels).toMatchObject({ k: "v", "run-label": "r1", "cred-proxy.e2e.resource": "c" });
        expect(p.options.Env).toEqual(["A=1"]);
        expect(p.uploads.map((u) => [u.file, u.mode, u.uid, u.gid, u.content.toString("hex")])).toEqual([
            ["/a/b", 0o744, 0, 0, Buffer.from("hi").toString("hex")],
            ["/c", 0o640, 7, 8, "0001"],
        ]);
        expect(() => parseGoDuration("x", "10 s")).toThrow(/not a duration/);
    });

    it("compares inputs key by key in a canonical form (for realising again)", () => {
        expect(canonical({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
        expect(changedKeys({ a: { x: 1, y: 2 }, b: [1, 2], c: null }, { a: { y: 2, x: 1 }, b: [2, 1], d: undefined })).toEqual(["b"]);
    });
});

describeDocker("realiser on a real engine", () => {
    const run = new E2eRun();
    let tools: string;
    let realised: Realised;
    let proxy: RealisedContainer;
    let agent: RealisedContainer;
    let upstream: RealisedContainer;

    beforeAll(async () => {
        await sweepLeftovers();
        tools = await buildToolsImage();
        realised = await run.realise(resources(run, tools));
        proxy = realised.container("proxy");
        await waitHealthy(proxy, 60_000);
        // An agent on the internal network only, and a fake upstream on the egress network only.
        agent = await run.runContainer({
            image: tools,
            name: "agent",
            user: `${PROXY_UID + 1}:${PROXY_GID + 1}`,
            cmd: ["node", "-e", "setInterval(() => {}, 1 << 30)"],
            networks: [{ name: run.name("internal") }],
        });
        upstream = await run.runContainer({
            image: tools,
            name: "upstream",
            user: "10002:10002",
            cmd: ["node", "-e", SERVER],
            env: [`PORT=${DEFAULT_PORT}`, "ROUTES_PATH=/nonexistent"],
            networks: [{ name: run.name("egress"), aliases: ["fake-upstream"] }],
        });
    }, 600_000);

    afterAll(async () => {
        await run.teardown();
    }, 120_000);

    it("creates the networks with the declared settings and the run label", async () => {
        const internal = await docker().getNetwork(realised.network("internal").id).inspect();
        const egress = await docker().getNetwork(realised.network("egress").id).inspect();
        expect(internal).toMatchObject({ Name: run.name("internal"), Internal: true, Driver: "bridge" });
        expect(internal.Labels).toMatchObject({ bottle: "e2e", "cred-proxy.e2e.run": run.runId });
        expect(egress).toMatchObject({ Name: run.name("egress"), Internal: false });
    });

    it("creates the container with the declared limits, security options and logging", async () => {
        const info = await containerOf(proxy).inspect();
        const hc = info.HostConfig;
        expect(info.Config.User).toBe(`${PROXY_UID}:${PROXY_GID}`);
        expect(info.Config.Labels).toMatchObject({ bottle: "e2e", "cred-proxy.e2e.run": run.runId });
        expect(hc.CapDrop).toEqual(["ALL"]);
        expect(hc.SecurityOpt).toEqual(["no-new-privileges:true"]);
        expect(hc.Memory).toBe(128 * MB);
        expect(hc.MemorySwap).toBe(128 * MB);
        expect(hc.CpuShares).toBe(256);
        expect(hc.Ulimits).toEqual(
            expect.arrayContaining([
                { Name: "nproc", Soft: 512, Hard: 512 },
                { Name: "nofile", Soft: 1024, Hard: 1024 },
            ]),
        );
        expect(hc.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 2 });
        expect(hc.Init).toBe(true);
        expect(hc.Tmpfs).toEqual({ "/run/scratch": "rw,noexec,nosuid,size=8m" });
        expect(hc.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "1m", "max-file": "2" } });
        expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual([run.name("egress"), run.name("internal")].sort());
        expect(info.NetworkSettings.Networks[run.name("internal")].Aliases).toContain(PROXY_ALIAS);
        expect(info.State.Health?.Status).toBe("healthy");
    });

    it("runs every process as uid/gid 10001, with no capabilities and no_new_privs", async () => {
        const statuses = await processStatuses(proxy);
        expect(statuses.length).toBeGreaterThanOrEqual(2); // docker-init and the server (and our exec)
        for (const s of statuses) {
            expect(s.Uid.split(/\s+/)).toEqual(Array(4).fill(String(PROXY_UID)));
            expect(s.Gid.split(/\s+/)).toEqual(Array(4).fill(String(PROXY_GID)));
            expect(s.CapEff).toBe("0000000000000000");
            expect(s.CapPrm).toBe("0000000000000000");
            expect(s.CapBnd).toBe("0000000000000000");
            expect(s.NoNewPrivs).toBe("1");
        }
        const who = await httpFrom(proxy, `http://127.0.0.1:${DEFAULT_PORT}/whoami`);
        expect(who).toMatchObject({ ok: true, status: 200 });
        expect(JSON.parse((who as { body: string }).body)).toMatchObject({ uid: PROXY_UID, gid: PROXY_GID });
    });

    it("applies the nproc and nofile ulimits inside the container", async () => {
        const r = await execIn(proxy, ["node", "-e", "process.stdout.write(require('fs').readFileSync('/proc/1/limits', 'utf8'))"]);
        expect(r.stdout).toMatch(/Max processes\s+512\s+512/);
        expect(r.stdout).toMatch(/Max open files\s+1024\s+1024/);
    });

    it("uploads the file with mode 0600 and owner 10001:10001, readable by the server only", async () => {
        const stat = await execIn(proxy, [
            "node",
            "-e",
            `const s = require("fs").statSync(${JSON.stringify(DEFAULT_ROUTES_PATH)}); process.stdout.write(JSON.stringify({ mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, file: s.isFile() }))`,
        ]);
        expect(JSON.parse(stat.stdout)).toEqual({ mode: 0o600, uid: PROXY_UID, gid: PROXY_GID, file: true });
        const who = await httpFrom(proxy, `http://127.0.0.1:${DEFAULT_PORT}/whoami`);
        expect(JSON.parse((who as { body: string }).body).routes).toBe(ROUTES);
        // Another uid (the exec runs as 10002) gets EACCES.
        const other = await execIn(proxy, ["node", "-e", `require("fs").readFileSync(${JSON.stringify(DEFAULT_ROUTES_PATH)})`], {
            user: "10002:10002",
        });
        expect(other.exitCode).not.toBe(0);
        expect(other.stderr).toMatch(/EACCES/);
    });

    it("passes the unwrapped secret envs to the process", async () => {
        const r = await execIn(proxy, ["node", "-e", "process.stdout.write(process.env.CRED_PROXY_TOKEN_0 || 'unset')"]);
        expect(r.stdout).toBe(TOKEN);
    });

    it("is reachable by its alias from another container on the internal network", async () => {
        const r = await httpFrom(agent, `http://${PROXY_ALIAS}:${DEFAULT_PORT}/healthz`);
        expect(r).toMatchObject({ ok: true, status: 200, body: "ok" });
    });

    it("keeps an internal-only container away from a container on the egress network only", async () => {
        // Positive control: the proxy (on both networks) reaches the upstream by its alias.
        const control = await httpFrom(proxy, `http://fake-upstream:${DEFAULT_PORT}/healthz`);
        expect(control).toMatchObject({ ok: true, status: 200 });
        const ip = await containerIp(upstream, run.name("egress"));
        // Negative probes in parallel (each waits for a DNS or connect timeout). Unknown names are
        // only ever looked up from the internal network: there Docker's DNS does not forward them.
        const [nameFromAgent, ipFromAgent, proxyAliasFromAgent] = await Promise.all([
            // The agent cannot resolve the upstream's alias...
            resolveFrom(agent, "fake-upstream"),
            // ...nor reach its address.
            httpFrom(agent, `http://${ip}:${DEFAULT_PORT}/healthz`, { timeoutMs: 3000 }),
            // (control: the agent does resolve the proxy's alias)
            resolveFrom(agent, PROXY_ALIAS),
        ]);
        expect(nameFromAgent.ok).toBe(false);
        expect(ipFromAgent).toMatchObject({ ok: false });
        expect(proxyAliasFromAgent.ok).toBe(true);
        // The alias belongs to the internal network only.
        const info = await containerOf(proxy).inspect();
        expect(info.NetworkSettings.Networks[run.name("egress")].Aliases ?? []).not.toContain(PROXY_ALIAS);
    });

    it("joins a network the program did not declare, and refuses one that does not exist", async () => {
        const shared = await run.createNetwork({ name: run.name("shared"), internal: true });
        const joined = await run.realise([
            {
                type: CONTAINER_TYPE,
                name: "joiner",
                inputs: {
                    name: run.name("joiner"),
                    image: tools,
                    user: "10003:10003",
                    command: ["node", "-e", "setInterval(() => {}, 1 << 30)"],
                    networksAdvanced: [{ name: shared.name, aliases: ["joiner"] }],
                },
            },
        ]);
        const info = await containerOf(joined.container("joiner")).inspect();
        expect(Object.keys(info.NetworkSettings.Networks)).toEqual([shared.name]);
        await expect(
            run.realise([
                { type: NETWORK_TYPE, name: "never", inputs: { name: run.name("never") } },
                {
                    type: CONTAINER_TYPE,
                    name: "lost",
                    inputs: { name: run.name("lost"), image: tools, networksAdvanced: [{ name: run.name("no-such-network") }] },
                },
            ]),
        ).rejects.toThrow(/network .*no-such-network is neither declared nor on the engine/);
        expect(await docker().listNetworks({ filters: { name: [run.name("never")] } })).toEqual([]);
    });

    it("realising again keeps what is unchanged and replaces a changed container, deleting first only when asked", async () => {
        const swap = (version: string, opts: { deleteBeforeReplace: boolean; named?: boolean }): RegisteredResource[] => [
            { type: NETWORK_TYPE, name: "swapnet", inputs: { name: run.name("swapnet"), internal: true } },
            {
                type: CONTAINER_TYPE,
                name: opts.named === false ? "autoswap" : "swap",
                deleteBeforeReplace: opts.deleteBeforeReplace,
                inputs: {
                    ...(opts.named === false ? {} : { name: run.name("swap") }),
                    image: tools,
                    user: "10004:10004",
                    command: ["node", "-e", "setInterval(() => {}, 1 << 30)"],
                    envs: secret([`VERSION=${version}`]),
                    networksAdvanced: [{ name: run.name("swapnet") }],
                },
            },
        ];
        const env = async (c: RealisedContainer) => (await containerOf(c).inspect()).Config.Env;
        const first = (await run.realise(swap("1", { deleteBeforeReplace: true }))).container("swap");
        const same = await run.realise(swap("1", { deleteBeforeReplace: true }));
        expect(same.actions.map((a) => a.action)).toEqual(["same", "same"]);
        expect(same.container("swap").id).toBe(first.id);

        // A fixed name without deleteBeforeReplace: the new container is created first and collides
        // on the name, as with the real provider; the old one is left running.
        await expect(run.realise(swap("2", { deleteBeforeReplace: false }))).rejects.toThrow(/Conflict|already in use/);
        expect((await containerOf(first).inspect()).State.Running).toBe(true);

        const replaced = await run.realise(swap("2", { deleteBeforeReplace: true }));
        expect(replaced.actions.map((a) => [a.resourceName, a.action, a.order])).toEqual([
            ["swapnet", "same", undefined],
            ["swap", "replace", "delete-first"],
        ]);
        expect(replaced.container("swap").id).not.toBe(first.id);
        await expect(docker().getContainer(first.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
        expect(await env(replaced.container("swap"))).toContain("VERSION=2");

        // An auto-named container is replaced create-first (new name), then the old one is deleted.
        const auto1 = (await run.realise(swap("1", { deleteBeforeReplace: false, named: false }))).container("autoswap");
        const auto2 = await run.realise(swap("2", { deleteBeforeReplace: false, named: false }));
        expect(auto2.actions[1]).toMatchObject({ action: "replace", order: "create-first" });
        expect(auto2.container("autoswap").name).not.toBe(auto1.name);
        await expect(docker().getContainer(auto1.id).inspect()).rejects.toMatchObject({ statusCode: 404 });

        // Not modelled, so refused before anything changes: in-place updates and network changes.
        const withInputs = (type: string, extra: Record<string, unknown>) =>
            swap("2", { deleteBeforeReplace: true }).map((r) => (r.type === type ? { ...r, inputs: { ...r.inputs, ...extra } } : r));
        await expect(run.realise(withInputs(CONTAINER_TYPE, { restart: "always" }))).rejects.toThrow(/restart changed, which the provider updates in place/);
        await expect(run.realise(withInputs(NETWORK_TYPE, { internal: false }))).rejects.toThrow(/replacing a network .* is not modelled/);
        expect(replaced.container("swap").id).toBe((await containerOf(replaced.container("swap")).inspect()).Id);
    }, 60_000);

    it("throws on an unknown input key before creating anything", async () => {
        const list: RegisteredResource[] = resources(run, tools).map((r) => ({
            ...r,
            inputs: { ...r.inputs, name: `${String(r.inputs.name)}-again` },
        }));
        list[2].inputs.someNewProviderInput = "x";
        await expect(run.realise(list)).rejects.toThrow(/"proxy"\.someNewProviderInput: input not understood/);
        const nets = await docker().listNetworks({ filters: { name: [`${run.name("internal")}-again`] } });
        expect(nets).toEqual([]);
    });

    it("teardown removes every container and network carrying the run label", async () => {
        // proxy, agent, upstream, joiner, swap, autoswap; internal, egress, shared, swapnet
        expect((await run.labelled()).containers).toHaveLength(6);
        expect((await run.labelled()).networks).toHaveLength(4);
        await run.teardown();
        expect(await run.labelled()).toEqual({ containers: [], networks: [] });
        const byName = await docker().listNetworks({ filters: { name: [run.runId] } });
        expect(byName).toEqual([]);
        await run.teardown(); // idempotent
    }, 60_000);
});
