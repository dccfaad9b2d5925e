/**
 * One bottle deployed by the real engines: `npm run bottle -- up` of this project's stack program
 * with the real Pulumi CLI and Docker provider, the proxy image from sidecar/Dockerfile. It starts
 * healthy and unprivileged; an agent on the internal network reaches every route kind (anthropic
 * with an API key, github api + git, a read-only gitea with a port, npm, and an http entry with a
 * header of its own) through it, fake upstreams on the egress network receive exactly the right
 * credential in the right header, a real git client clones and pushes through /gh-git/ and is
 * refused a push on the read-only route, with nothing but the exported agent environment; the
 * engine finds no drift right after `up`, and no token shows up anywhere but in the proxy's
 * environment: not in the state, not in anything Pulumi printed.
 *
 * One bottle serves the whole file: the tests only read from it or add traffic to it, until the
 * last one destroys it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_PORT, DEFAULT_ROUTES_PATH, PROXY_ALIAS, PROXY_GID, PROXY_UID } from "../../sidecar/contract";
import { fakeToken } from "../helpers/fakeTokens";
import {
    E2eRun,
    TEST_CA_ENV,
    buildCaTrustingImage,
    buildSidecarImage,
    buildToolsImage,
    containerIp,
    containerLogs,
    containerOf,
    createTestCa,
    describeEngine,
    docker,
    execIn,
    httpFrom,
    mustSucceed,
    processStatuses,
    rawHttpFrom,
    rawStatus,
    readFileIn,
    resolveFrom,
    statIn,
    sweepLeftovers,
    type RecordedRequest,
    type TestCa,
} from "./helpers";
import { BottleStacks, deployBottle, teardownBottles, type Bottle } from "./helpers/bottle";

const GITEA_HOST = "gitea.e2e.test";
const GITEA_URL = `https://${GITEA_HOST}:3000/git`;
// A GitLab, reached through an http entry: its API takes the bare token in PRIVATE-TOKEN.
const GITLAB_HOST = "gitlab.e2e.test";
const HOSTS = ["api.anthropic.com", "api.github.com", "github.com", "registry.npmjs.org", GITEA_HOST, GITLAB_HOST];
const MANIFEST = {
    tokens: [
        { Kind: "anthropic", TokenRef: "E2E_ANTHROPIC_KEY", Auth: "api-key" },
        { Kind: "github", TokenRef: "E2E_GITHUB_TOKEN" },
        { Kind: "gitea", TokenRef: "E2E_GITEA_TOKEN", Url: GITEA_URL, Access: "read-only" },
        { Kind: "npm", TokenRef: "E2E_NPM_TOKEN" },
        { Kind: "http", TokenRef: "E2E_GITLAB_TOKEN", Url: `https://${GITLAB_HOST}/api/v4`, Header: "PRIVATE-TOKEN", Scheme: "none" },
    ],
};
// Fresh per run and only ever in memory (and, through the component, in the proxy's envs). The
// key has an API key's prefix: the proxy checks it against `Auth` at start.
const TOKENS: Record<string, string> = {
    E2E_ANTHROPIC_KEY: `sk-ant-api03-${fakeToken("anthropic")}`,
    E2E_GITHUB_TOKEN: fakeToken("github"),
    E2E_GITEA_TOKEN: fakeToken("gitea"),
    E2E_NPM_TOKEN: fakeToken("npm"),
    E2E_GITLAB_TOKEN: fakeToken("gitlab"),
};
/** Every header a credential travels in on some route of this bottle. */
const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "private-token"];
const ALL_TOKENS = Object.values(TOKENS);
const AGENT_CREDENTIALS = {
    authorization: "Bearer agent-supplied-credential",
    "x-api-key": "sk-agent-supplied",
    "private-token": "agent-supplied",
    cookie: "session=agent",
};
const GH_GIT_BASIC = `Basic ${Buffer.from(`x-access-token:${TOKENS.E2E_GITHUB_TOKEN}`).toString("base64")}`;

const containsToken = (text: string) => ALL_TOKENS.filter((t) => text.includes(t));

describeEngine("a bottle deployed by pulumi up", () => {
    const run = new E2eRun();
    const stacks = new BottleStacks(run);
    let ca: TestCa | undefined;
    let sidecarImage: string;
    let proxyImage: string;
    let bottle: Bottle;
    /** Everything the agent got back, to search for tokens at the end. */
    const seen: string[] = [];

    const agentHttp = async (url: string, opts: Parameters<typeof httpFrom>[2] = {}) => {
        const r = await httpFrom(bottle.agent, url, opts);
        seen.push(JSON.stringify(r));
        return r;
    };
    const agentRaw = async (request: string) => {
        const r = await rawHttpFrom(bottle.agent, PROXY_ALIAS, DEFAULT_PORT, request);
        seen.push(JSON.stringify(r));
        return r;
    };
    const agentGit = async (args: string[], env: string[] = []) => {
        const r = await execIn(bottle.agent, ["git", ...args], { env: ["GIT_TERMINAL_PROMPT=0", ...env], timeoutMs: 60_000 });
        seen.push(r.stdout, r.stderr);
        return r;
    };
    const lastRequest = async (host: string, url: string): Promise<RecordedRequest> => {
        const hits = (await bottle.upstream(host).requests()).filter((r) => r.url === url);
        expect(hits.length).toBeGreaterThan(0);
        return hits[hits.length - 1];
    };

    beforeAll(async () => {
        await sweepLeftovers();
        const [tools, sidecar, testCa] = await Promise.all([buildToolsImage(), buildSidecarImage(), createTestCa(HOSTS)]);
        ca = testCa;
        sidecarImage = sidecar;
        proxyImage = await buildCaTrustingImage(run, sidecar, ca);
        bottle = await deployBottle(
            stacks,
            { name: "bottle", manifest: MANIFEST, tokens: TOKENS, image: proxyImage },
            { toolsImage: tools, ca, prefix: "bottle" },
        );
    }, 600_000);

    afterAll(() => teardownBottles(stacks, ca), 300_000);

    it("creates what the component declares: an internal and an egress network, and the proxy, healthy", async () => {
        const d = bottle.outputs;
        // The stack, the component, two networks and the container; nothing else.
        expect(bottle.upOutput.stdout).toMatch(/Resources:\s+\+ 5 created\b/);
        const internal = await docker().getNetwork(d.internalNetworkName).inspect();
        const egress = await docker().getNetwork(d.egressNetworkName).inspect();
        expect(internal).toMatchObject({ Name: `${run.name("bottle")}-internal`, Internal: true });
        expect(egress).toMatchObject({ Name: `${run.name("bottle")}-egress`, Internal: false });
        const info = await containerOf(bottle.proxy).inspect();
        expect(info.Name).toBe(`/${run.name("bottle")}-cred-proxy`);
        expect(info.Config.Image).toBe(proxyImage);
        expect(info.Config.User).toBe(`${PROXY_UID}:${PROXY_GID}`);
        expect(info.Config.Entrypoint).toEqual(["node", "/app/sidecar/main.js"]);
        expect(info.Config.Cmd).toEqual(["--port", String(DEFAULT_PORT), "--routes", DEFAULT_ROUTES_PATH]);
        expect(info.State.Health?.Status).toBe("healthy");
        expect(info.NetworkSettings.Networks[d.internalNetworkName].Aliases).toContain(PROXY_ALIAS);
        expect(info.NetworkSettings.Networks[d.egressNetworkName].Aliases ?? []).not.toContain(PROXY_ALIAS);
        expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual([d.egressNetworkName, d.internalNetworkName].sort());
        expect(await httpFrom(bottle.agent, `${d.proxyUrl}/healthz`)).toMatchObject({ ok: true, status: 200 });
    });

    it("runs the image built from sidecar/Dockerfile, which the test changes only by trusting its CA", async () => {
        const base = (await docker().getImage(sidecarImage).inspect()).Config;
        const derived = (await docker().getImage(proxyImage).inspect()).Config;
        for (const key of ["User", "Entrypoint", "Cmd", "Healthcheck", "WorkingDir", "ExposedPorts"] as const) {
            expect(derived[key]).toEqual(base[key]);
        }
        expect(derived.Env).toEqual([...base.Env, TEST_CA_ENV]);
    });

    it("runs every process as uid/gid 10001 with no capabilities; the routes file is root's, read-only, and the declared one", async () => {
        const statuses = await processStatuses(bottle.proxy);
        expect(statuses.map((s) => s.Cmdline)).toEqual(expect.arrayContaining([expect.stringContaining("/app/sidecar/main.js")]));
        for (const s of statuses) {
            expect(s.Uid.split(/\s+/)).toEqual(Array(4).fill(String(PROXY_UID)));
            expect(s.Gid.split(/\s+/)).toEqual(Array(4).fill(String(PROXY_GID)));
            expect([s.CapEff, s.CapPrm, s.CapBnd]).toEqual(Array(3).fill("0000000000000000"));
            expect(s.NoNewPrivs).toBe("1");
        }
        expect(await statIn(bottle.proxy, DEFAULT_ROUTES_PATH)).toEqual({ mode: 0o444, uid: 0, gid: 0, isFile: true });
        expect(await readFileIn(bottle.proxy, DEFAULT_ROUTES_PATH)).toBe(bottle.outputs.routesFile);
        const write = await execIn(bottle.proxy, [
            "node",
            "-e",
            `require("fs").appendFileSync(${JSON.stringify(DEFAULT_ROUTES_PATH)}, " ")`,
        ]);
        expect(write.exitCode).not.toBe(0);
        expect(write.stderr).toMatch(/EACCES/);
    });

    it("serves every route kind to the agent; each upstream gets its own credential in its header, never the agent's", async () => {
        const d = bottle.outputs;
        const env = d.agentEnvironment;
        const giteaRoute = d.routes.find((r) => r.kind === "gitea");
        const body = JSON.stringify({ model: "claude-test", max_tokens: 8, messages: [{ role: "user", content: "hi" }] });
        const cases = [
            {
                url: `${env.ANTHROPIC_BASE_URL}/v1/messages`,
                method: "POST",
                body,
                host: "api.anthropic.com",
                target: "/v1/messages",
                // An API key: in x-api-key, and no Authorization at all.
                credential: ["x-api-key", TOKENS.E2E_ANTHROPIC_KEY],
            },
            {
                url: `${env.GITHUB_API_URL}/user/repos?per_page=5`,
                host: "api.github.com",
                target: "/user/repos?per_page=5",
                credential: ["authorization", `Bearer ${TOKENS.E2E_GITHUB_TOKEN}`],
            },
            { url: `${d.proxyUrl}/gh-git/org/repo`, host: "github.com", target: "/org/repo", credential: ["authorization", GH_GIT_BASIC] },
            {
                url: `${env.NPM_CONFIG_REGISTRY}left-pad`,
                host: "registry.npmjs.org",
                target: "/left-pad",
                credential: ["authorization", `Bearer ${TOKENS.E2E_NPM_TOKEN}`],
            },
            {
                // A read on the read-only route.
                url: `${d.proxyUrl}${giteaRoute?.path}api/v1/user`,
                host: GITEA_HOST,
                hostHeader: `${GITEA_HOST}:3000`,
                target: "/git/api/v1/user",
                credential: ["authorization", `token ${TOKENS.E2E_GITEA_TOKEN}`],
            },
            {
                url: `${d.proxyUrl}/http/${GITLAB_HOST}/user`,
                host: GITLAB_HOST,
                target: "/api/v4/user",
                credential: ["private-token", TOKENS.E2E_GITLAB_TOKEN],
            },
        ];
        expect(giteaRoute?.path).toBe(`/gitea/${GITEA_HOST}:3000/`);
        expect(d.routes.map((r) => r.kind).sort()).toEqual(["anthropic", "gitea", "github", "github", "http", "npm"]);
        for (const c of cases) {
            const headers: Record<string, string> = { ...AGENT_CREDENTIALS, ...(c.body ? { "content-type": "application/json" } : {}) };
            const r = await agentHttp(c.url, { method: c.method ?? "GET", headers, body: c.body });
            expect({ url: c.url, r }).toMatchObject({ url: c.url, r: { ok: true, status: 200 } });
            const answer = JSON.parse((r as { body: string }).body);
            const upstreamName = bottle.upstream(c.host).spec.name;
            expect(answer).toMatchObject({ authorized: true, upstream: upstreamName, target: c.target, host: c.hostHeader ?? c.host });
            const seenUpstream = await lastRequest(c.host, c.target);
            const [header, value] = c.credential;
            const sent = Object.fromEntries(CREDENTIAL_HEADERS.map((h) => [h, seenUpstream.headers[h]]));
            expect(sent).toEqual(Object.fromEntries(CREDENTIAL_HEADERS.map((h) => [h, h === header ? value : undefined])));
            expect(seenUpstream.servername).toBe(c.host);
            expect(seenUpstream.headers.cookie).toBeUndefined();
            if (c.body) expect(seenUpstream.bodyBytes).toBe(Buffer.byteLength(c.body));
        }
    });

    it("refuses writes on the read-only gitea route with a 403 naming the rule, before the Gitea sees them", async () => {
        const gitea = bottle.upstream(GITEA_HOST);
        const giteaPath = bottle.outputs.routes.find((r) => r.kind === "gitea")?.path;
        const before = (await gitea.requests()).length;
        for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
            const r = await agentHttp(`${bottle.outputs.proxyUrl}${giteaPath}api/v1/user/repos`, {
                method,
                headers: { "content-type": "application/json" },
                body: '{"name":"x"}',
            });
            expect({ method, r }).toMatchObject({ method, r: { ok: true, status: 403 } });
            const answer = JSON.parse((r as { body: string }).body) as { error: { type: string; message: string } };
            expect(answer.error.type).toBe("forbidden");
            expect(answer.error.message).toBe(`${method} is refused on a read-only route; it forwards GET, HEAD, OPTIONS and git fetches`);
        }
        expect((await gitea.requests()).length).toBe(before);
        const lines = (await containerLogs(bottle.proxy)).split("\n").filter((l) => l.includes('"reason":"read_only"'));
        expect(lines.length).toBeGreaterThanOrEqual(4);
        for (const l of lines)
            expect(JSON.parse(l)).toMatchObject({ route: giteaPath, status: 403, outcome: "refused", reason: "read_only" });
    });

    /** Clones `repo` into `dir` with the agent's environment and commits a file to the clone. */
    const cloneAndCommit = async (repo: string, dir: string) => {
        expect(await agentGit(["clone", repo, dir])).toMatchObject({ exitCode: 0 });
        expect(await readFileIn(bottle.agent, `${dir}/README.md`)).toMatch(/seeded by/);
        const write = await execIn(bottle.agent, [
            "node",
            "-e",
            `require('fs').writeFileSync('${dir}/agent.txt', 'pushed through cred-proxy\\n')`,
        ]);
        expect(write.exitCode).toBe(0);
        const identity = ["-c", "user.name=Agent", "-c", "user.email=agent@bottle.e2e.test"];
        expect(await agentGit(["-C", dir, "add", "agent.txt"])).toMatchObject({ exitCode: 0 });
        expect(await agentGit(["-C", dir, ...identity, "commit", "-q", "-m", "agent change"])).toMatchObject({ exitCode: 0 });
    };

    it("lets a real git client clone and push github.com through /gh-git/ (Basic, x-access-token) with only the agent environment", async () => {
        await cloneAndCommit("https://github.com/org/repo.git", "/tmp/github-clone");
        expect(await agentGit(["-C", "/tmp/github-clone", "push", "origin", "HEAD:main"])).toMatchObject({ exitCode: 0 });

        const github = bottle.upstream("github.com");
        const log = await execIn(github.container, ["git", "--git-dir=/tmp/git-root/org/repo.git", "log", "-1", "--format=%s", "main"]);
        expect(log.stdout.trim()).toBe("agent change");
        const gitRequests = (await github.requests()).filter((r) => r.url.startsWith("/org/repo.git/"));
        expect(gitRequests.map((r) => `${r.method} ${r.url.split("?")[0]}`)).toEqual(
            expect.arrayContaining([
                "GET /org/repo.git/info/refs",
                "POST /org/repo.git/git-upload-pack",
                "POST /org/repo.git/git-receive-pack",
            ]),
        );
        // github.com takes a token for git only as the password of Basic, user x-access-token.
        for (const r of gitRequests) expect([r.headers.authorization, r.authorized]).toEqual([GH_GIT_BASIC, true]);
    });

    it("lets git clone through the read-only gitea route and refuses its push there, before the Gitea sees it", async () => {
        await cloneAndCommit(`${GITEA_URL}/org/repo.git`, "/tmp/gitea-clone");
        const push = await agentGit(["-C", "/tmp/gitea-clone", "push", "origin", "HEAD:main"]);
        expect(push.exitCode).not.toBe(0);
        expect(push.stderr).toMatch(/403/);

        const gitea = bottle.upstream(GITEA_HOST);
        const log = await execIn(gitea.container, ["git", "--git-dir=/tmp/git-root/org/repo.git", "log", "-1", "--format=%s", "main"]);
        expect(log.stdout.trim()).toBe("seed");
        const gitRequests = (await gitea.requests()).filter((r) => r.url.startsWith("/git/org/repo.git/"));
        expect(gitRequests.map((r) => `${r.method} ${r.url}`)).toEqual(
            expect.arrayContaining(["GET /git/org/repo.git/info/refs?service=git-upload-pack", "POST /git/org/repo.git/git-upload-pack"]),
        );
        expect(gitRequests.filter((r) => r.url.includes("receive-pack"))).toEqual([]);
        for (const r of gitRequests) expect([r.headers.authorization, r.authorized]).toEqual([`token ${TOKENS.E2E_GITEA_TOKEN}`, true]);
    });

    it("gives the agent no way to the upstreams but the proxy: neither by name nor by address", async () => {
        const egress = bottle.outputs.egressNetworkName;
        const agentInfo = await containerOf(bottle.agent).inspect();
        expect(Object.keys(agentInfo.NetworkSettings.Networks)).toEqual([bottle.outputs.internalNetworkName]);
        const probes = bottle.upstreams.map(async (u) => {
            const ip = await containerIp(u.container, egress);
            const [byName, byAddress] = await Promise.all([
                resolveFrom(bottle.agent, u.spec.host),
                httpFrom(bottle.agent, `http://${ip}:${u.spec.port ?? 443}/`, { timeoutMs: 3000 }),
            ]);
            // Positive control: the proxy, on the egress network, resolves the name to that fake.
            const fromProxy = await resolveFrom(bottle.proxy, u.spec.host);
            return {
                host: u.spec.host,
                byName: byName.ok,
                byAddress: byAddress.ok,
                proxyFindsFake: fromProxy.ok && fromProxy.addresses.includes(ip),
            };
        });
        const proxyEgressIp = await containerIp(bottle.proxy, egress);
        const [results, viaProxyEgress, direct] = await Promise.all([
            Promise.all(probes),
            httpFrom(bottle.agent, `http://${proxyEgressIp}:${DEFAULT_PORT}/healthz`, { timeoutMs: 3000 }),
            // Without the exported git rewrites the same clone has nowhere to go.
            agentGit(
                ["clone", `${GITEA_URL}/org/repo.git`, "/tmp/direct-clone"],
                ["GIT_CONFIG_COUNT=0", "RES_OPTIONS=timeout:1 attempts:1"],
            ),
        ]);
        for (const p of results) expect(p).toEqual({ host: p.host, byName: false, byAddress: false, proxyFindsFake: true });
        expect(viaProxyEgress).toMatchObject({ ok: false });
        expect(direct.exitCode).not.toBe(0);
        expect(direct.stderr).toMatch(/Could not resolve host: gitea\.e2e\.test/);
    });

    /*
     * Docker (20.10 here) gives the host the gateway address of every bridge network, internal
     * ones included, and isolates internal networks only in the FORWARD chain: without
     * `com.docker.network.bridge.inhibit_ipv4` on the internal network the agent could connect to
     * every host service through its gateway. Checked from the host's side of the bridge, without
     * sending the agent's traffic anywhere near the host.
     */
    it("leaves the host no address on the internal network, so the agent's gateway leads nowhere", async () => {
        const network = await docker().getNetwork(bottle.outputs.internalNetworkName).inspect();
        const bridge = network.Options?.["com.docker.network.bridge.name"] ?? `br-${network.Id.slice(0, 12)}`;
        if (!existsSync(`/sys/class/net/${bridge}`)) {
            console.warn(`bridge ${bridge} is not visible from here (engine on another host?): host addresses not checked`);
            return;
        }
        const hostAddresses = (os.networkInterfaces()[bridge] ?? []).filter((a) => a.family === "IPv4").map((a) => a.address);
        expect({ bridge, hostAddresses }).toEqual({ bridge, hostAddresses: [] });
    });

    it("is not a way around that either: no CONNECT, no absolute-form, no climbing out of a route, no host of the agent's choosing", async () => {
        const request = (line: string, host = `${PROXY_ALIAS}:${DEFAULT_PORT}`) => `${line}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
        expect(rawStatus(await agentRaw(request("CONNECT api.anthropic.com:443 HTTP/1.1", "api.anthropic.com:443")))).toBe(405);
        expect(rawStatus(await agentRaw(request("GET https://api.anthropic.com/v1/models HTTP/1.1")))).toBe(400);
        expect(rawStatus(await agentRaw(request("GET /anthropic/../gh-api/user HTTP/1.1")))).toBe(400);
        expect(rawStatus(await agentRaw(request("GET /anthropic/%2e%2e/gh-api/user HTTP/1.1")))).toBe(400);
        expect(rawStatus(await agentRaw(request(`GET /gitea/elsewhere.e2e.test:3000/x HTTP/1.1`)))).toBe(404);
        expect(rawStatus(await agentRaw(request("TRACE /anthropic/v1/models HTTP/1.1")))).toBe(405);
        // The agent's Host header does not choose the upstream.
        const spoofed = await agentRaw(request("GET /anthropic/v1/models HTTP/1.1", "api.github.com"));
        expect(rawStatus(spoofed)).toBe(200);
        expect(spoofed.ok && spoofed.response).toMatch(/"upstream":"api\.anthropic\.com"/);
    });

    it("never hands a token back, even from an upstream that echoes it in its headers", async () => {
        const env = bottle.outputs.agentEnvironment;
        const r = await agentHttp(`${env.ANTHROPIC_BASE_URL}/v1/reflect`);
        expect(r).toMatchObject({ ok: true, status: 200 });
        const headers = (r as { headers: Record<string, unknown> }).headers;
        for (const name of ["x-echo-authorization", "location", "www-authenticate", "set-cookie"]) expect(headers[name]).toBeUndefined();
        // ...although the upstream did receive it and did echo it.
        expect((await lastRequest("api.anthropic.com", "/v1/reflect")).headers["x-api-key"]).toBe(TOKENS.E2E_ANTHROPIC_KEY);
        // Nothing the agent received in this file carries a token, nor does the agent's own config.
        expect(seen.length).toBeGreaterThan(15);
        expect(seen.flatMap(containsToken)).toEqual([]);
        expect(containsToken(JSON.stringify(await containerOf(bottle.agent).inspect()))).toEqual([]);
    });

    it("keeps the tokens in the proxy's environment only: not in logs, labels, command line, routes file or other containers", async () => {
        const info = await containerOf(bottle.proxy).inspect();
        const slots = Object.entries(bottle.outputs.tokenEnvMap).map(([slot, ref]) => `${slot}=${TOKENS[ref]}`);
        const imageEnv = (await docker().getImage(proxyImage).inspect()).Config.Env;
        expect(info.Config.Env.filter((e) => !imageEnv.includes(e)).sort()).toEqual(slots.sort());
        const { Env: _env, ...configWithoutEnv } = info.Config;
        expect(containsToken(JSON.stringify({ ...info, Config: configWithoutEnv }))).toEqual([]);
        expect(containsToken(JSON.stringify([info.Config.Labels, info.Config.Cmd, info.Config.Entrypoint, info.Path, info.Args]))).toEqual(
            [],
        );
        const logs = await containerLogs(bottle.proxy);
        expect(logs).toMatch(/"route":"\/anthropic\/"/); // it does log requests...
        expect(containsToken(logs)).toEqual([]); // ...but never a token
        expect(containsToken(await readFileIn(bottle.proxy, DEFAULT_ROUTES_PATH))).toEqual([]);
        for (const other of [bottle.agent, ...bottle.upstreams.map((u) => u.container)]) {
            expect(containsToken(JSON.stringify(await containerOf(other).inspect()))).toEqual([]);
        }
    });

    it("finds nothing to change right after up: preview --expect-no-changes, and refresh sees no drift", async () => {
        // The tokens come from the deploying environment, as at `up`.
        const env = TOKENS;
        const preview = mustSucceed("preview", await stacks.pulumi("bottle", ["preview", "--expect-no-changes", "--diff"], { env }));
        expect(preview.stdout).toMatch(/5 unchanged/);
        const refresh = mustSucceed(
            "refresh",
            await stacks.pulumi("bottle", ["refresh", "--yes", "--expect-no-changes", "--skip-preview"], { env }),
        );
        expect(refresh.stdout).toMatch(/5 unchanged/);
        // Refresh rewrote the state from what Docker reports: still nothing to change after it.
        mustSucceed("preview after refresh", await stacks.pulumi("bottle", ["preview", "--expect-no-changes"], { env }));
    }, 180_000);

    it("keeps every token out of the state and out of everything Pulumi printed", async () => {
        const exported = mustSucceed("stack export", await stacks.pulumi("bottle", ["stack", "export"]));
        const state = JSON.parse(exported.stdout);
        const container = state.deployment.resources.find((r: { type: string }) => r.type === "docker:index/container:Container");
        // The container's envs are in the state, encrypted: a secret, never the value.
        expect(JSON.stringify(container.inputs.envs)).toMatch(/4dabf18193072939515e22adb298388d/);
        expect(containsToken(exported.stdout)).toEqual([]);
        const files: string[] = [];
        const walk = (dir: string) => {
            for (const entry of readdirSync(dir)) {
                const p = path.join(dir, entry);
                if (statSync(p).isDirectory()) walk(p);
                else files.push(p);
            }
        };
        walk(stacks.workspace.stateDir);
        expect(files.length).toBeGreaterThan(0);
        for (const f of files) expect({ f, found: containsToken(readFileSync(f).toString("latin1")) }).toEqual({ f, found: [] });
        // Every command so far: up, outputs, preview, refresh, export.
        expect(stacks.workspace.printed.join("").length).toBeGreaterThan(1000);
        expect(containsToken(stacks.workspace.printed.join("\n"))).toEqual([]);
        const stackConfig = readFileSync(path.join(__dirname, "../../stacks", `Pulumi.${stacks.stack("bottle")}.yaml`), "utf8");
        expect(containsToken(stackConfig)).toEqual([]);
    }, 60_000);

    it("destroy leaves no container or network of the bottle, and the run's own helpers go with the teardown", async () => {
        const { containers } = await run.labelled();
        // Agent, fakes, and the proxy: its image, built by the run, gives it the run's label.
        expect(containers.length).toBe(2 + bottle.upstreams.length);
        for (const id of containers) expect((await docker().getContainer(id).inspect()).Mounts).toEqual([]);
        expect(await run.labelledImages()).toHaveLength(1);
        expect((await stacks.leftovers()).networks.sort()).toEqual(
            [bottle.outputs.egressNetworkName, bottle.outputs.internalNetworkName].sort(),
        );
        expect(await run.removeContainers()).toEqual([]);
        const destroyed = mustSucceed("destroy", await stacks.destroy({ name: "bottle", manifest: MANIFEST }));
        expect(destroyed.stdout).toMatch(/- 5 deleted/);
        expect(await stacks.leftovers()).toEqual({ containers: [], networks: [] });
        await run.teardown();
        expect(await run.labelled()).toEqual({ containers: [], networks: [] });
        expect(await run.labelledImages()).toEqual([]);
        expect(await docker().listNetworks({ filters: { name: [run.runId] } })).toEqual([]);
        expect(await docker().listContainers({ all: true, filters: { name: [run.runId] } })).toEqual([]);
    }, 180_000);
});
