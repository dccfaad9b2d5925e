/**
 * What an idle bottle costs on a real Docker engine, beside what the alternatives cost:
 *
 *   npm run bench:footprint [-- --window 330] [--settle 60] [--requests 1000] [--json FILE]
 *
 * Containers, all on one bridge network of the run's own, each with a 256 MiB limit:
 * - `cred-proxy`: created exactly as the component declares it (proxyContainerArgs: command, user,
 *   capabilities, init, ulimits, health check, the routes file uploaded before start), except its
 *   networks: this run's network instead of the bottle's internal and egress ones. Its one route
 *   is an `http` entry to the upstream container.
 * - `cred-proxy-no-probe`: the same with no health check, so the probe's own cost is the difference;
 * - `node-floor`: a bare Node.js HTTP server (the least a Node proxy costs), on the same base;
 * - `nginx`, `caddy`, `haproxy` when installed: the host's binary and the libraries `ldd` lists,
 *   imported as an image of their own (no registry is needed), configured as in `npm run bench`
 *   (nativePeers.ts), one worker thread each.
 * The peers have no health check: the proxy's is part of what it costs.
 *
 * Each gets `--requests` small POSTs through it (answers checked); then the run lets them settle
 * for `--settle` seconds (V8's memory reducer collects and shrinks the heap some 30 s after a load:
 * a one-off, reported on its own), then measures `--window` seconds (330 by default: one whole
 * hold of the proxy's health probe, sidecar/healthcheck.ts). Per container: the image size; CPU
 * as % of one core and ms per minute (the container's cgroup: its processes, the health probes
 * included) and its containerd shim's; memory at the end (the cgroup's usage, its anonymous and
 * page-cache parts, and the RSS of its processes). The engine's own CPU (dockerd and containerd)
 * is measured over a window before any container, over the measured one, and over one as long
 * after the proxy's container is removed: the difference is what its health probes cost outside
 * the container, as nothing else execs.
 */
import Docker from "dockerode";
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "fs";
import os from "os";
import path from "path";
import tar from "tar-stream";
import ts from "typescript";
import { proxyContainerArgs } from "../components/credProxySidecar/containerArgs";
import { validateArgs } from "../components/credProxySidecar/validatedArgs";
import { caddyfile, findNativePeers, haproxyCfg, nginxConf, type NativePeer, type PeerSetup } from "./nativePeers";
import { PREFIX } from "./targets";

const REPO = path.resolve(__dirname, "..");
const RUN = `footprint-${randomBytes(3).toString("hex")}`;
const LABEL = "cred-proxy.bench";
const MEMORY = 256 * 1024 * 1024;
const UPSTREAM = "upstream:9000";
const log = (line: string) => process.stderr.write(`footprint: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const docker = new Docker();

interface Options {
    windowS: number;
    settleS: number;
    requests: number;
    baselineS: number;
    json?: string;
}

function parseOptions(argv: string[]): Options {
    const opts: Options = { windowS: 330, settleS: 60, requests: 1000, baselineS: 60 };
    for (let i = 0; i < argv.length; i++) {
        const value = () => Number(argv[++i]);
        if (argv[i] === "--window") opts.windowS = value();
        else if (argv[i] === "--settle") opts.settleS = value();
        else if (argv[i] === "--requests") opts.requests = value();
        else if (argv[i] === "--baseline") opts.baselineS = value();
        else if (argv[i] === "--json") opts.json = argv[++i];
        else throw new Error(`unknown argument ${argv[i]} (see the head of bench/footprint.ts)`);
    }
    if (![opts.windowS, opts.settleS, opts.requests, opts.baselineS].every((n) => Number.isInteger(n) && n > 0))
        throw new Error("--window, --settle, --requests and --baseline take positive integers");
    return opts;
}

function sh(cmd: string, args: string[]): string {
    const r = spawnSync(cmd, args, { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}`);
    return r.stdout;
}

/** The offline Node base and the proxy image built on it, as the README's set-up builds them. */
function proxyImages(): { base: string; proxy: string } {
    sh("npm", ["run", "-s", "build"]);
    const base = sh("bash", ["sidecar/build-offline-base.sh"]).trim().split("\n").pop() ?? "";
    const proxy = `cred-proxy-footprint:${RUN}`;
    const r = spawnSync("docker", ["build", "-q", "--build-arg", `BASE_IMAGE=${base}`, "-f", "sidecar/Dockerfile", "-t", proxy, "."], {
        cwd: REPO,
        stdio: ["ignore", "ignore", "inherit"],
    });
    if (r.status !== 0) throw new Error("docker build of the proxy image failed");
    return { base, proxy };
}

/**
 * An image holding `binary` and the libraries it loads, a minimal /etc and a /tmp, made with
 * `docker import` (as sidecar/build-offline-base.sh makes the Node one): nothing is pulled.
 */
function importBinaryImage(name: string, binary: string): string {
    const root = mkdtempSync(path.join(os.tmpdir(), `cred-proxy-footprint-${name}-`));
    try {
        const place = (file: string) => {
            const to = path.join(root, file);
            mkdirSync(path.dirname(to), { recursive: true });
            copyFileSync(realpathSync(file), to);
        };
        place(binary);
        for (const line of sh("ldd", [binary]).split("\n")) {
            const lib = /(\/\S+) \(0x/.exec(line)?.[1];
            if (lib) place(lib);
        }
        mkdirSync(path.join(root, "etc"), { recursive: true });
        writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0::/root:/bin/false\nproxy:x:10001:10001::/tmp:/bin/false\n");
        writeFileSync(path.join(root, "etc/group"), "root:x:0:\nproxy:x:10001:\n");
        writeFileSync(path.join(root, "etc/nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files dns\n");
        mkdirSync(path.join(root, "tmp"), { mode: 0o1777 });
        spawnSync("chmod", ["1777", path.join(root, "tmp")]);
        const image = `cred-proxy-footprint-${name}:${RUN}`;
        const r = spawnSync("bash", ["-c", `tar -C "${root}" -c . | docker import - "${image}"`], {
            stdio: ["ignore", "ignore", "inherit"],
        });
        if (r.status !== 0) throw new Error(`docker import of ${name} failed`);
        return image;
    } finally {
        rmSync(root, { recursive: true, force: true });
    }
}

/** A tar of files for `putArchive`: how the provider uploads the routes file, done by hand. */
async function archive(files: Array<{ name: string; content: string; mode?: number }>): Promise<Buffer> {
    const pack = tar.pack();
    for (const f of files) pack.entry({ name: f.name.replace(/^\//, ""), mode: f.mode ?? 0o444 }, f.content);
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
}

/** Go's duration strings, as the provider passes them to Docker, in nanoseconds. */
/** A duration as Go writes it ("500ms", "5m30s") in nanoseconds, as Docker's API takes it. */
function nanos(duration: string): number {
    const seconds = { h: 3600, m: 60, s: 1, ms: 0.001 };
    let total = 0;
    for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(n) * seconds[unit as keyof typeof seconds];
    return Math.round(total * 1e9);
}

interface Target {
    name: string;
    image: string;
    /** Docker create options beyond name, image, network and labels. */
    create: Partial<Docker.ContainerCreateOptions>;
    files: Array<{ name: string; content: string; mode?: number }>;
    /** Path prefix of the route through it ("" for the floor, which answers everything). */
    prefix: string;
}

/** The parts of the component's container declaration this run turns into Docker's create options. */
interface Declared {
    command: string[];
    user: string;
    init: boolean;
    capabilities: { drops: string[] };
    securityOpts: string[];
    memory: number;
    memorySwap: number;
    ulimits: Array<{ name: string; soft: number; hard: number }>;
    restart: string;
    healthcheck: { tests: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
    uploads: Array<{ file: string; content: string; permissions: string }>;
}

/**
 * The proxy container's settings, from the component's own declaration; without `probe`, the same
 * with Docker's health check turned off.
 */
function proxyTarget(image: string, token: string, probe: boolean): Target {
    const valid = validateArgs("footprint", {
        bottle: { tokens: [{ Kind: "http", TokenRef: "BENCH_TOKEN", Url: `http://${UPSTREAM}` }] },
        image,
    });
    // Plain values here: the declaration's inputs are plain for plain arguments.
    const args = proxyContainerArgs({ valid, image, envs: [], internalNetworkName: "", egressNetworkName: "" }) as unknown as Declared;
    const health = args.healthcheck;
    return {
        name: probe ? "cred-proxy" : "cred-proxy-no-probe",
        image,
        prefix: valid.routes[0].path.slice(0, -1),
        files: args.uploads.map((u) => ({
            name: u.file,
            content: u.content,
            mode: parseInt(u.permissions, 8),
        })),
        create: {
            Cmd: args.command,
            User: args.user,
            Env: [`${valid.routes[0].tokenEnv}=${token}`],
            Healthcheck: probe
                ? {
                      Test: health.tests,
                      Interval: nanos(health.interval),
                      Timeout: nanos(health.timeout),
                      Retries: health.retries,
                      StartPeriod: nanos(health.startPeriod),
                  }
                : { Test: ["NONE"] },
            HostConfig: {
                Init: args.init,
                CapDrop: args.capabilities.drops,
                SecurityOpt: args.securityOpts,
                Memory: args.memory * 1024 * 1024,
                MemorySwap: args.memorySwap * 1024 * 1024,
                Ulimits: args.ulimits.map((u: { name: string; soft: number; hard: number }) => ({
                    Name: u.name,
                    Soft: u.soft,
                    Hard: u.hard,
                })),
                RestartPolicy: { Name: args.restart },
            },
        },
    };
}

const FLOOR_SERVER = "require('http').createServer((q,s)=>{q.resume();q.on('end',()=>s.end('{\"ok\":true}'))}).listen(8080)";

function nativeTarget(peer: NativePeer, auth: string): Target {
    const image = importBinaryImage(peer.name, peer.bin);
    const setup: PeerSetup = { listen: "0.0.0.0:8080", upstream: UPSTREAM, auth, dir: "/tmp" };
    const base = { name: peer.name, image, prefix: PREFIX.slice(0, -1) };
    const user = { User: "10001:10001", HostConfig: { Memory: MEMORY, MemorySwap: MEMORY } };
    if (peer.name === "nginx")
        return {
            ...base,
            files: [{ name: "/etc/bench/nginx.conf", content: nginxConf(setup) }],
            create: { ...user, Entrypoint: [peer.bin, "-p", "/tmp", "-c", "/etc/bench/nginx.conf", "-e", "/tmp/error.log"] },
        };
    if (peer.name === "caddy")
        return {
            ...base,
            files: [{ name: "/etc/bench/Caddyfile", content: caddyfile(setup) }],
            create: {
                ...user,
                Env: ["GOMAXPROCS=1", "HOME=/tmp", "XDG_CONFIG_HOME=/tmp/config", "XDG_DATA_HOME=/tmp/data"],
                Entrypoint: [peer.bin, "run", "--config", "/etc/bench/Caddyfile", "--adapter", "caddyfile"],
            },
        };
    return {
        ...base,
        files: [{ name: "/etc/bench/haproxy.cfg", content: haproxyCfg(setup) }],
        create: { ...user, Entrypoint: [peer.bin, "-db", "-f", "/etc/bench/haproxy.cfg"] },
    };
}

async function run(network: string, target: Target): Promise<Docker.Container> {
    const c = await docker.createContainer({
        ...target.create,
        name: `${RUN}-${target.name}`,
        Image: target.image,
        Labels: { [LABEL]: RUN },
        HostConfig: { Memory: MEMORY, MemorySwap: MEMORY, ...target.create.HostConfig, NetworkMode: network },
    });
    if (target.files.length > 0) await c.putArchive(await archive(target.files), { path: "/" });
    await c.start();
    return c;
}

/** A cgroup file of the container, v1 or v2. */
function cgroupFile(id: string, v1: string, v2: string): string | undefined {
    for (const p of [`/sys/fs/cgroup/${v1}/docker/${id}`, `/sys/fs/cgroup/system.slice/docker-${id}.scope/${v2}`])
        if (existsSync(p)) return p;
    return undefined;
}

function cpuNs(id: string): number {
    const v1 = `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`;
    if (existsSync(v1)) return Number(readFileSync(v1, "utf8"));
    const v2 = cgroupFile(id, "", "cpu.stat");
    const usec = v2 ? /^usage_usec (\d+)/m.exec(readFileSync(v2, "utf8"))?.[1] : undefined;
    if (usec === undefined) throw new Error(`no CPU accounting found for container ${id.slice(0, 12)}`);
    return Number(usec) * 1000;
}

interface Memory {
    usage: number;
    anon: number;
    cache: number;
    /** RSS and anonymous RSS of each process, by its command line. */
    processes: Array<{ cmd: string; rss: number; anon: number }>;
}

/** The server's own process: neither Docker's init nor a health probe. */
function serverProcess(m: Memory): { rss: number; anon: number } {
    const own = m.processes.filter((p) => !/docker-init|healthcheck\.js/.test(p.cmd));
    return { rss: own.reduce((a, p) => a + p.rss, 0), anon: own.reduce((a, p) => a + p.anon, 0) };
}

function memory(id: string): Memory {
    const dir = existsSync(`/sys/fs/cgroup/memory/docker/${id}`)
        ? `/sys/fs/cgroup/memory/docker/${id}`
        : `/sys/fs/cgroup/system.slice/docker-${id}.scope`;
    const stat = Object.fromEntries(
        readFileSync(path.join(dir, "memory.stat"), "utf8")
            .trim()
            .split("\n")
            .map((l) => l.split(" ")),
    );
    const usageFile = existsSync(path.join(dir, "memory.usage_in_bytes")) ? "memory.usage_in_bytes" : "memory.current";
    const pids = readFileSync(path.join(dir, "cgroup.procs"), "utf8").trim().split("\n").filter(Boolean);
    const processes = pids.map((pid) => {
        const status = readFileSync(`/proc/${pid}/status`, "utf8");
        const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
        return { cmd: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim(), rss: kb("VmRSS"), anon: kb("RssAnon") };
    });
    return {
        usage: Number(readFileSync(path.join(dir, usageFile), "utf8")),
        anon: Number(stat.total_rss ?? stat.anon ?? 0),
        cache: Number(stat.total_cache ?? stat.file ?? 0),
        processes,
    };
}

const TICK_MS = 1000 / (Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100);

/** An engine process: dockerd, containerd, or the shim of one container (by its full id). */
type EngineRole = "dockerd" | "containerd" | `shim:${string}`;

/** CPU ticks used so far by each engine process (their reaped children included), by pid. */
function engineTicks(): Map<string, { role: EngineRole; ticks: number }> {
    const ticks = new Map<string, { role: EngineRole; ticks: number }>();
    for (const line of sh("sh", ["-c", "pgrep -af 'dockerd|containerd' || true"]).trim().split("\n").filter(Boolean)) {
        const [pid, ...cmd] = line.split(" ");
        const id = / -id ([0-9a-f]{64})/.exec(line)?.[1];
        const role: EngineRole = id ? `shim:${id}` : cmd[0]?.endsWith("dockerd") ? "dockerd" : "containerd";
        try {
            const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
            ticks.set(pid, { role, ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
        } catch {
            // gone
        }
    }
    return ticks;
}

/**
 * The engine's CPU over `ms`, by role, as fractions of one core. Per process: one that ends during
 * the window (a removed container's shim) would otherwise take its whole past with it.
 */
async function engineOver(ms: number): Promise<Map<EngineRole, number>> {
    const before = engineTicks();
    await sleep(ms);
    const out = new Map<EngineRole, number>();
    for (const [pid, now] of engineTicks()) {
        const used = ((now.ticks - (before.get(pid)?.ticks ?? 0)) * TICK_MS) / ms;
        out.set(now.role, (out.get(now.role) ?? 0) + used);
    }
    return out;
}

/** dockerd and containerd together: the part of the engine no one container owns. */
const daemons = (m: Map<EngineRole, number>) => (m.get("dockerd") ?? 0) + (m.get("containerd") ?? 0);

async function drive(ip: string, prefix: string, requests: number): Promise<void> {
    let failed = 0;
    const one = async () => {
        const r = await fetch(`http://${ip}:8080${prefix}/small`, {
            method: "POST",
            headers: { authorization: "Bearer agent-supplied-decoy", "content-type": "application/json" },
            body: '{"model":"bench","max_tokens":1}',
        });
        await r.text();
        if (r.status !== 200) failed++;
    };
    for (let sent = 0; sent < requests; sent += 10) await Promise.all(Array.from({ length: Math.min(10, requests - sent) }, one));
    if (failed > 0) throw new Error(`${failed} of ${requests} requests failed through ${prefix || "the floor"}`);
}

async function waitHealthy(c: Docker.Container): Promise<number> {
    const created = Date.parse((await c.inspect()).Created);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
        if ((await c.inspect()).State.Health?.Status === "healthy") return (Date.now() - created) / 1000;
    }
    throw new Error("the proxy did not get healthy within 60 s");
}

function upstreamScript(): string {
    return ts.transpileModule(readFileSync(path.join(__dirname, "upstream.ts"), "utf8"), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
}

interface Row {
    name: string;
    imageMb: number;
    cpuPct: number;
    cpuMsPerMin: number;
    /** CPU while settling after the requests (the heap's one-off shrink), ms per minute. */
    settleMsPerMin: number;
    /** Its containerd shim's CPU over the window, % of one core. */
    shimPct: number;
    memory: Memory;
}

async function cleanup(): Promise<void> {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${RUN}`] } }))
        await docker.getContainer(c.Id).remove({ force: true });
    for (const n of await docker.listNetworks({ filters: { label: [`${LABEL}=${RUN}`] } })) await docker.getNetwork(n.Id).remove();
    // By tag: an image that is also another's (a cached build) only loses this run's name.
    for (const i of await docker.listImages({ filters: { reference: [`*:${RUN}`] } }))
        for (const tag of i.RepoTags ?? []) if (tag.endsWith(`:${RUN}`)) await docker.getImage(tag).remove();
}

async function main(): Promise<void> {
    const opts = parseOptions(process.argv.slice(2));
    const token = `bench-${randomBytes(12).toString("hex")}`;
    const auth = `Bearer ${token}`;
    log(`engine baseline: ${opts.baselineS} s with none of this run's containers`);
    const engineBefore = await engineOver(opts.baselineS * 1000);

    const { base, proxy } = proxyImages();
    const natives = findNativePeers();
    for (const name of natives.missing) log(`${name} not installed: left out`);
    const targets: Target[] = [
        proxyTarget(proxy, token, true),
        proxyTarget(proxy, token, false),
        {
            name: "node-floor",
            image: base,
            prefix: "",
            files: [],
            create: { User: "10001:10001", Entrypoint: ["node", "-e", FLOOR_SERVER] },
        },
        ...natives.found.map((p) => nativeTarget(p, auth)),
    ];
    await docker.createNetwork({ Name: RUN, Labels: { [LABEL]: RUN } });
    const network = RUN;
    try {
        await run(network, {
            name: "upstream",
            image: base,
            prefix: "",
            files: [{ name: "/srv/upstream.js", content: upstreamScript() }],
            create: {
                User: "10003:10003",
                Env: [`BENCH_AUTH=${auth}`, "BENCH_LISTEN=0.0.0.0:9000"],
                Entrypoint: ["node", "/srv/upstream.js"],
                // Under the name the routes use.
                NetworkingConfig: { EndpointsConfig: { [RUN]: { Aliases: ["upstream"] } } },
            },
        });
        const started = await Promise.all(targets.map((t) => run(network, t)));
        const healthyS = await waitHealthy(started[0]);
        log(`cred-proxy healthy ${healthyS.toFixed(2)} s after its container was created`);
        await sleep(1000);
        for (const [i, t] of targets.entries()) {
            const ip = (await started[i].inspect()).NetworkSettings.Networks[RUN].IPAddress;
            await drive(ip, t.prefix, opts.requests);
            log(`${t.name}: ${opts.requests} requests answered`);
        }
        const ids = await Promise.all(started.map(async (c) => (await c.inspect()).Id));
        log(`settling: ${opts.settleS} s`);
        const s0 = ids.map(cpuNs);
        const settleStart = Date.now();
        await sleep(opts.settleS * 1000);
        const settleMs = ids.map((id, i) => (cpuNs(id) - s0[i]) / 1e6);
        const settleElapsed = Date.now() - settleStart;
        log(`idle window: ${opts.windowS} s`);
        const c0 = ids.map(cpuNs);
        const t0 = Date.now();
        const engineDuring = await engineOver(opts.windowS * 1000);
        const elapsed = Date.now() - t0;
        const rows: Row[] = await Promise.all(
            targets.map(async (t, i) => {
                const ms = (cpuNs(ids[i]) - c0[i]) / 1e6;
                return {
                    name: t.name,
                    imageMb: ((await docker.getImage(t.image).inspect()).Size ?? 0) / 1e6,
                    cpuPct: (100 * ms) / elapsed,
                    cpuMsPerMin: (ms * 60_000) / elapsed,
                    settleMsPerMin: (settleMs[i] * 60_000) / settleElapsed,
                    shimPct: 100 * (engineDuring.get(`shim:${ids[i]}`) ?? 0),
                    memory: memory(ids[i]),
                };
            }),
        );
        const health = (await started[0].inspect()).State.Health;
        // The daemons' share of the proxy: the same engine without its container, for as long
        // (nothing execs in the others, so what the daemons do for them is steady).
        await started[0].remove({ force: true });
        log(`engine without the proxy: ${opts.windowS} s`);
        // Its shim is gone a moment after the removal.
        await sleep(2000);
        const engineWithout = await engineOver(opts.windowS * 1000);
        const engine = { before: daemons(engineBefore), during: daemons(engineDuring), withoutProxy: daemons(engineWithout) };
        process.stdout.write(report(opts, rows, healthyS, engine, health?.Log?.length ?? 0));
        if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ opts, rows, healthyS, engine }, null, 2)}\n`);
    } finally {
        await cleanup();
    }
}

function report(
    opts: Options,
    rows: Row[],
    healthyS: number,
    engine: { before: number; during: number; withoutProxy: number },
    probes: number,
): string {
    const mib = (b: number) => (b / 1048576).toFixed(1);
    const floor = rows.find((r) => r.name === "node-floor")!;
    const proxy = rows.find((r) => r.name === "cred-proxy")!;
    const twin = rows.find((r) => r.name === "cred-proxy-no-probe")!;
    let out = `## Idle footprint\n\n`;
    out += `${os.cpus().length} cores, node ${process.version}, ${opts.requests} requests through each, ${opts.settleS} s to settle, then ${opts.windowS} s idle. `;
    out += `cred-proxy got healthy ${healthyS.toFixed(2)} s after its container was created; ${probes} health probe results in Docker's log at the end.\n\n`;
    out += `| container | image MB | CPU % of a core | CPU ms/min | shim % of a core | settling ms/min | cgroup memory MiB | anon MiB | page cache MiB | server RSS MiB | server anon MiB | RSS / floor | anon / floor | other processes |\n`;
    out += `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n`;
    const floorServer = serverProcess(floor.memory);
    for (const r of rows) {
        const server = serverProcess(r.memory);
        const others = r.memory.processes
            .filter((p) => /docker-init|healthcheck\.js/.test(p.cmd))
            .map((p) => `${p.cmd.includes("healthcheck") ? "health probe" : "init"} ${mib(p.rss)} (anon ${mib(p.anon)})`);
        out += `| ${r.name} | ${r.imageMb.toFixed(0)} | ${r.cpuPct.toFixed(3)} | ${r.cpuMsPerMin.toFixed(1)} | ${r.shimPct.toFixed(3)} | ${r.settleMsPerMin.toFixed(1)} | ${mib(r.memory.usage)} | ${mib(r.memory.anon)} | ${mib(r.memory.cache)} | ${mib(server.rss)} | ${mib(server.anon)} | ${(server.rss / floorServer.rss).toFixed(2)} | ${(server.anon / floorServer.anon).toFixed(2)} | ${others.join(", ") || "–"} |\n`;
    }
    const pct = (f: number) => `${(f * 100).toFixed(3)}%`;
    const share = Math.max(0, engine.during - engine.withoutProxy);
    out += `\nDaemons (dockerd and containerd), as % of a core: ${pct(engine.before)} before any of these containers, ${pct(engine.during)} with all of them idle, ${pct(engine.withoutProxy)} once the proxy's was removed: the proxy's share ${pct(share)} (its health probes are the only execs).\n\n`;
    const bottle = proxy.cpuPct + proxy.shimPct + share * 100;
    out += `- idle bottle ≤ 0.2% of a core: container ${proxy.cpuPct.toFixed(3)}% + its shim ${proxy.shimPct.toFixed(3)}% + daemons' share ${pct(share)} = ${bottle.toFixed(3)}%; `;
    out += `without a health check the container is ${twin.cpuPct.toFixed(3)}% and its shim ${twin.shimPct.toFixed(3)}%: the probe's part in the container ${(proxy.cpuPct - twin.cpuPct).toFixed(3)}%\n`;
    const own = serverProcess(proxy.memory);
    out += `- idle memory within 10% of the Node floor: server RSS ${(own.rss / floorServer.rss).toFixed(2)}×, server anonymous ${(own.anon / floorServer.anon).toFixed(2)}×; the whole container's cgroup memory ${(proxy.memory.usage / floor.memory.usage).toFixed(2)}× (health probe included)\n`;
    return out;
}

main().then(
    () => process.exit(0),
    async (err: unknown) => {
        log(err instanceof Error ? (err.stack ?? err.message) : String(err));
        await cleanup().catch(() => undefined);
        process.exit(1);
    },
);
