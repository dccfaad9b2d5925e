/**
 * Deploy time with the real Pulumi engine and a real Docker engine: `up` of one bottle's stack to
 * a healthy proxy, and of N bottles side by side (N separate stacks, their `up`s started at
 * once). A benchmark script, not a test: it prints a table and ratios, and asserts no time.
 *
 *   node -r ts-node/register/transpile-only bench/deploy.ts [--bottles 1,5] [--reps 2]
 *       [--image cred-proxy-bench:latest] [--no-raw] [--no-sequential] [--json FILE]
 *
 *   --bottles   bottle counts; 1 is always measured (the others' ratios are against it), every
 *               other count N is measured as N concurrent ups (and N sequential ones)
 *   --reps      how many times the one-bottle scenarios run (alternating driver and raw CLI)
 *   --image     the proxy image; built as docs/benchmarks.md says when it does not exist
 *   --no-raw    skip `pulumi up` run directly (only the project's driver, `npm run bottle`); raw runs
 *               come in two kinds: as configured, and with PULUMI_NODEJS_TRANSPILE_ONLY=true (raw-ts)
 *   --no-sequential  skip N bottles one after the other
 *   --concurrent-raw  also run N concurrent raw `pulumi up`s (is the driver or the engine the slow part?)
 *   --json      also write every measurement to FILE
 *
 * Each bottle is timed by this process (command start to exit) and, from Docker's side, by the
 * events Docker emits (`docker events`: network create, container create and start) and by the
 * container's health log (`docker inspect`: when the first probe ran and passed). Together they
 * split an `up` into: engine start + program compile/run, network creation, container create
 * (with the routes-file upload), the wait for the first health probe, and the engine's finish.
 *
 * Every stack is destroyed and removed, its `stacks/Pulumi.<stack>.yaml` deleted, and the temp
 * folder (file backend, manifests) removed, in a `finally`, whatever failed.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import { randomBytes } from "crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import os from "os";
import path from "path";

const REPO = path.resolve(__dirname, "..");
const UP_TIMEOUT_MS = 300_000;

interface Options {
    counts: number[];
    reps: number;
    image: string;
    raw: boolean;
    sequential: boolean;
    concurrentRaw: boolean;
    json?: string;
}

function parseOptions(argv: string[]): Options {
    const opts: Options = { counts: [1, 5], reps: 2, image: "cred-proxy-bench:latest", raw: true, sequential: true, concurrentRaw: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined) throw new Error(`${arg} needs a value`);
            return v;
        };
        if (arg === "--bottles")
            opts.counts = value()
                .split(",")
                .map((s) => Number.parseInt(s, 10));
        else if (arg === "--reps") opts.reps = Number.parseInt(value(), 10);
        else if (arg === "--image") opts.image = value();
        else if (arg === "--json") opts.json = value();
        else if (arg === "--no-raw") opts.raw = false;
        else if (arg === "--no-sequential") opts.sequential = false;
        else if (arg === "--concurrent-raw") opts.concurrentRaw = true;
        else throw new Error(`unknown argument ${arg}`);
    }
    if (opts.counts.some((n) => !Number.isInteger(n) || n < 1) || !(opts.reps >= 1))
        throw new Error("--bottles and --reps take positive integers");
    // The other counts' ratios are against one bottle, so one bottle is always measured.
    opts.counts = [...new Set([1, ...opts.counts])].sort((a, b) => a - b);
    return opts;
}

const log = (line: string) => process.stderr.write(`deploy-bench: ${line}\n`);

interface Result {
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
    startedAt: number;
    endedAt: number;
}

/** Runs a command to completion (bounded); never rejects, so cleanup can always go on. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = UP_TIMEOUT_MS): Promise<Result> {
    return new Promise((resolve) => {
        const startedAt = Date.now();
        const t0 = performance.now();
        const child = spawn(cmd, args, { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        const done = (code: number | null, extra = "") => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr: stderr + extra, ms: performance.now() - t0, startedAt, endedAt: Date.now() });
        };
        child.on("error", (e) => done(null, String(e)));
        child.on("close", (code) => done(code));
    });
}

/** The folder holding `pulumi`: PATH first, else the engine script (builds or reuses its cache). */
function pulumiBinDir(): string {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir && existsSync(path.join(dir, "pulumi"))) return dir;
    }
    const r = spawnSync("bash", [path.join(REPO, ".ci", "pulumi-engine.sh")], {
        cwd: REPO,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    const last = r.stdout.trim().split("\n").pop();
    if (r.status !== 0 || !last || !existsSync(path.join(last, "pulumi")))
        throw new Error("no Pulumi CLI: bash .ci/pulumi-engine.sh failed");
    return last;
}

function sh(cmd: string, args: string[]): string {
    const r = spawnSync(cmd, args, { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}`);
    return r.stdout;
}

/** Builds the proxy image (as docs/benchmarks.md says) when it is missing; an existing one is used as it is. */
function ensureImage(image: string): void {
    if (spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status === 0) return;
    log(`building ${image}`);
    sh("npm", ["run", "-s", "build"]);
    const base = sh("bash", ["sidecar/build-offline-base.sh"]).trim().split("\n").pop() ?? "";
    const r = spawnSync("docker", ["build", "--build-arg", `BASE_IMAGE=${base}`, "-f", "sidecar/Dockerfile", "-t", image, "."], {
        cwd: REPO,
        env: { ...process.env, DOCKER_BUILDKIT: "0" },
        stdio: ["ignore", "ignore", "inherit"],
    });
    if (r.status !== 0) throw new Error(`docker build of ${image} failed`);
}

interface DockerEvent {
    type: string;
    action: string;
    name: string;
    ms: number;
}

/**
 * `docker events` for the whole run: Docker's own clock for when each network and container was
 * created and started, which the CLI's output does not show (its durations are whole seconds).
 */
class DockerEvents {
    readonly events: DockerEvent[] = [];
    private readonly child: ChildProcess;
    private buffer = "";

    constructor() {
        this.child = spawn("docker", ["events", "--format", "{{json .}}", "--filter", "type=container", "--filter", "type=network"], {
            stdio: ["ignore", "pipe", "ignore"],
        });
        this.child.stdout?.setEncoding("utf8").on("data", (d: string) => {
            this.buffer += d;
            const lines = this.buffer.split("\n");
            this.buffer = lines.pop() ?? "";
            for (const line of lines) {
                try {
                    const e = JSON.parse(line) as {
                        Type: string;
                        Action: string;
                        Actor: { Attributes: Record<string, string> };
                        timeNano: number;
                    };
                    this.events.push({ type: e.Type, action: e.Action, name: e.Actor.Attributes.name ?? "", ms: e.timeNano / 1e6 });
                } catch {
                    // A partial or foreign line: not ours to time.
                }
            }
        });
    }

    /** The first event of this kind for this name at or after `since` (ms since the epoch). */
    first(type: string, action: string, name: string, since: number): number | undefined {
        return this.events.find((e) => e.type === type && e.action === action && e.name === name && e.ms >= since - 1000)?.ms;
    }

    stop(): void {
        this.child.kill("SIGTERM");
    }
}

interface Bottle {
    stack: string;
    slug: string;
    manifest: string;
    configFile: string;
    /** Whether the stack may exist on the backend (and so needs destroy and stack rm). */
    created: boolean;
    destroyed: boolean;
}

/** raw-ts: the raw CLI with PULUMI_NODEJS_TRANSPILE_ONLY=true, so the program is not type-checked. */
type Mode = "driver" | "raw" | "raw-ts";

interface Measurement {
    scenario: string;
    mode: Mode;
    bottle: string;
    ok: boolean;
    wallMs: number;
    /** Command start to the first network's create (engine start, program compile and run). */
    startupMs?: number;
    /** First network create to the container's create (both networks, then the container's inputs). */
    networksMs?: number;
    /** Container create to start (the create call and the routes-file upload). */
    createMs?: number;
    /** Container start to the first health probe's start: the health-check interval. */
    probeDelayMs?: number;
    /** The first probe itself (it starts a node process in the container). */
    probeMs?: number;
    /** First healthy probe's end to the command's exit (the provider noticing, then the engine's finish). */
    finishMs?: number;
}

interface Inspect {
    State: { StartedAt: string; Health?: { Log: Array<{ Start: string; End: string; ExitCode: number }> } };
}

class Bench {
    readonly dir = mkdtempSync(path.join(os.tmpdir(), "cred-proxy-deploy-bench-"));
    readonly runId = randomBytes(3).toString("hex");
    readonly bottles: Bottle[] = [];
    readonly results: Measurement[] = [];
    private poolHintGiven = false;
    readonly docker = new DockerEvents();
    private readonly env: NodeJS.ProcessEnv;
    private counter = 0;

    constructor(
        binDir: string,
        private readonly image: string,
    ) {
        mkdirSync(path.join(this.dir, "state"));
        this.env = {
            ...process.env,
            PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
            PULUMI_BACKEND_URL: `file://${path.join(this.dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: randomBytes(12).toString("hex"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            // The manifest's only TokenRef: a fake value, the proxy never calls upstream here.
            BENCH_ANTHROPIC: `sk-ant-bench-${randomBytes(8).toString("hex")}`,
            INIT_CWD: REPO,
        };
    }

    newBottle(): Bottle {
        const i = this.counter++;
        const slug = `bench-${this.runId}-${i}`;
        const manifest = path.join(this.dir, `${slug}.yaml`);
        writeFileSync(manifest, `name: ${slug}\ntokens:\n  - Kind: anthropic\n    TokenRef: BENCH_ANTHROPIC\n`);
        const bottle = {
            stack: slug,
            slug,
            manifest,
            configFile: path.join(REPO, "stacks", `Pulumi.${slug}.yaml`),
            created: false,
            destroyed: false,
        };
        this.bottles.push(bottle);
        return bottle;
    }

    pulumi(args: string[], timeoutMs?: number, env: NodeJS.ProcessEnv = {}): Promise<Result> {
        return run("pulumi", args, { ...this.env, ...env }, timeoutMs);
    }

    /** The config the driver would write, set with the raw CLI before the timed `up`. */
    async prepareRaw(b: Bottle): Promise<void> {
        b.created = true;
        const steps = [
            ["stack", "init", b.stack],
            ["config", "set", "-s", b.stack, "cred-proxy:manifestPath", b.manifest],
            ["config", "set", "-s", b.stack, "cred-proxy:image", this.image],
            ["config", "set", "-s", b.stack, "cred-proxy:slug", b.slug],
        ];
        for (const step of steps) {
            const r = await this.pulumi(step, 60_000);
            if (r.code !== 0) throw new Error(`pulumi ${step.join(" ")} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
        }
    }

    /** One `up`, timed; the Docker side is read right after, before anything is destroyed. */
    async up(scenario: string, mode: Mode, b: Bottle): Promise<Measurement> {
        b.created = true;
        const r =
            mode === "driver"
                ? await run(
                      "npm",
                      ["run", "-s", "bottle", "--", "up", b.manifest, "--stack", b.stack, "--slug", b.slug, "--image", this.image],
                      this.env,
                  )
                : // --skip-preview: what the Automation API's up does too (a preview would run the program twice).
                  await this.pulumi(
                      ["up", "--yes", "--skip-preview", "-s", b.stack],
                      undefined,
                      mode === "raw-ts" ? { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } : {},
                  );
        const m: Measurement = { scenario, mode, bottle: b.slug, ok: r.code === 0, wallMs: r.ms };
        this.results.push(m);
        if (r.code !== 0) {
            log(`${scenario}: up of ${b.stack} exited ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
            if (/non-overlapping IPv4 address pool/.test(r.stdout + r.stderr) && !this.poolHintGiven) {
                this.poolHintGiven = true;
                log(
                    "the engine ran out of network address pools (two networks per bottle; Docker's defaults hold 31): " +
                        'set "default-address-pools" in /etc/docker/daemon.json, or start dockerd with .ci/docker-engine.sh, ' +
                        "which gives it 1,024 (docs/benchmarks.md, deploy time)",
                );
            }
            return m;
        }
        // Docker's events arrive through a pipe a moment after the fact.
        await new Promise((res) => setTimeout(res, 300));
        const net = this.docker.first("network", "create", `${b.slug}-internal`, r.startedAt);
        const net2 = this.docker.first("network", "create", `${b.slug}-egress`, r.startedAt);
        const created = this.docker.first("container", "create", `${b.slug}-cred-proxy`, r.startedAt);
        const inspect = JSON.parse(sh("docker", ["inspect", `${b.slug}-cred-proxy`]))[0] as Inspect;
        const started = Date.parse(inspect.State.StartedAt);
        const probe = inspect.State.Health?.Log.find((l) => l.ExitCode === 0);
        const firstNet = net !== undefined && net2 !== undefined ? Math.min(net, net2) : (net ?? net2);
        if (firstNet !== undefined) m.startupMs = firstNet - r.startedAt;
        if (firstNet !== undefined && created !== undefined) m.networksMs = created - firstNet;
        if (created !== undefined) m.createMs = started - created;
        if (probe !== undefined) {
            m.probeDelayMs = Date.parse(probe.Start) - started;
            m.probeMs = Date.parse(probe.End) - Date.parse(probe.Start);
            m.finishMs = r.endedAt - Date.parse(probe.End);
        }
        return m;
    }

    async destroy(b: Bottle): Promise<void> {
        if (!b.created || b.destroyed) return;
        // The raw CLI for every stack: the same for driver and raw stacks, and it needs no token.
        const d = await this.pulumi(["destroy", "--yes", "--skip-preview", "-s", b.stack]);
        if (d.code !== 0) log(`destroy of ${b.stack} exited ${d.code}: ${d.stderr.slice(0, 500)}`);
        const rm = await this.pulumi(["stack", "rm", "--yes", "--force", "-s", b.stack], 60_000);
        if (rm.code !== 0 && !/no stack named/i.test(rm.stderr))
            log(`stack rm of ${b.stack} exited ${rm.code}: ${rm.stderr.slice(0, 300)}`);
        rmSync(b.configFile, { force: true });
        b.destroyed = true;
    }

    /** Whatever a failed or interrupted run left: stacks, their config files, then Docker objects by name. */
    async cleanup(): Promise<void> {
        for (const b of this.bottles) {
            try {
                await this.destroy(b);
            } catch (e) {
                log(`cleanup of ${b.stack}: ${String(e)}`);
            }
            rmSync(b.configFile, { force: true });
        }
        // A destroy that failed leaves Docker objects; the run id makes their names ours alone.
        const prefix = `bench-${this.runId}-`;
        const containers = sh("docker", ["ps", "-aq", "--filter", `name=${prefix}`])
            .split("\n")
            .filter(Boolean);
        if (containers.length > 0) spawnSync("docker", ["rm", "-f", ...containers], { stdio: "ignore" });
        const networks = sh("docker", ["network", "ls", "-q", "--filter", `name=${prefix}`])
            .split("\n")
            .filter(Boolean);
        if (networks.length > 0) spawnSync("docker", ["network", "rm", ...networks], { stdio: "ignore" });
        this.docker.stop();
        rmSync(this.dir, { recursive: true, force: true });
    }
}

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "–" : (ms / 1000).toFixed(2));

function table(results: Measurement[]): string {
    const head = ["scenario", "mode", "bottle", "wall s", "startup", "networks", "create", "probe delay", "probe", "finish"];
    const rows = results.map((m) => [
        m.scenario,
        m.mode,
        m.bottle,
        sec(m.wallMs),
        sec(m.startupMs),
        sec(m.networksMs),
        sec(m.createMs),
        sec(m.probeDelayMs),
        sec(m.probeMs),
        sec(m.finishMs),
    ]);
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

async function main(): Promise<void> {
    const opts = parseOptions(process.argv.slice(2));
    const binDir = pulumiBinDir();
    ensureImage(opts.image);
    const bench = new Bench(binDir, opts.image);
    let interrupted = false;
    // Ctrl-C reaches the children too (same process group); the finally below still cleans up.
    process.on("SIGINT", () => {
        if (interrupted) process.exit(130);
        interrupted = true;
        log("interrupted: cleaning up (Ctrl-C again to quit at once, leaving stacks behind)");
    });
    const totals: Array<{ scenario: string; ms: number }> = [];
    try {
        const version = (await bench.pulumi(["version"])).stdout.trim();
        log(`pulumi ${version}, docker ${sh("docker", ["version", "--format", "{{.Server.Version}}"]).trim()}, run ${bench.runId}`);
        // Warm-up: the first up of a run pays for cold caches (ts-node's compile, the page cache); untimed.
        log("warm-up up (not counted)");
        const warm = bench.newBottle();
        await bench.up("warm-up", "driver", warm);
        bench.results.pop();
        await bench.destroy(warm);

        for (let rep = 0; rep < opts.reps && !interrupted; rep++) {
            for (const mode of (opts.raw ? ["driver", "raw", "raw-ts"] : ["driver"]) as Mode[]) {
                const b = bench.newBottle();
                if (mode !== "driver") await bench.prepareRaw(b);
                log(`1 bottle, ${mode}, rep ${rep + 1}`);
                const m = await bench.up("1 bottle", mode, b);
                log(`  ${sec(m.wallMs)} s`);
                await bench.destroy(b);
            }
        }
        for (const n of opts.counts.filter((c) => c > 1)) {
            if (interrupted) break;
            const group = Array.from({ length: n }, () => bench.newBottle());
            log(`${n} bottles concurrently (driver)`);
            const t0 = performance.now();
            await Promise.all(group.map((b) => bench.up(`${n} concurrent`, "driver", b)));
            totals.push({ scenario: `${n} concurrent`, ms: performance.now() - t0 });
            log(`  ${sec(totals[totals.length - 1].ms)} s`);
            await Promise.all(group.map((b) => bench.destroy(b)));
            if (opts.concurrentRaw && !interrupted) {
                const raws = Array.from({ length: n }, () => bench.newBottle());
                for (const b of raws) await bench.prepareRaw(b);
                log(`${n} bottles concurrently (raw)`);
                const r0 = performance.now();
                await Promise.all(raws.map((b) => bench.up(`${n} concurrent raw`, "raw", b)));
                totals.push({ scenario: `${n} concurrent raw`, ms: performance.now() - r0 });
                log(`  ${sec(totals[totals.length - 1].ms)} s`);
                await Promise.all(raws.map((b) => bench.destroy(b)));
            }
            if (opts.sequential && !interrupted) {
                const seq = Array.from({ length: n }, () => bench.newBottle());
                log(`${n} bottles one after the other (driver)`);
                const s0 = performance.now();
                for (const b of seq) await bench.up(`${n} sequential`, "driver", b);
                totals.push({ scenario: `${n} sequential`, ms: performance.now() - s0 });
                log(`  ${sec(totals[totals.length - 1].ms)} s`);
                for (const b of seq) await bench.destroy(b);
            }
        }
    } finally {
        log("cleaning up");
        await bench.cleanup();
    }

    const ok = bench.results.filter((m) => m.ok);
    const of = (scenario: string, mode: Mode = "driver") => ok.filter((m) => m.scenario === scenario && m.mode === mode);
    const one = median(of("1 bottle").map((m) => m.wallMs));
    const out: string[] = ["## Deploy time (real engine)", "", table(bench.results), ""];
    out.push(`One bottle, median wall time: driver (npm run bottle) ${sec(one)} s`);
    if (opts.raw) {
        const raw = median(of("1 bottle", "raw").map((m) => m.wallMs));
        const rawTs = median(of("1 bottle", "raw-ts").map((m) => m.wallMs));
        out.push(`  raw \`pulumi up --skip-preview\` ${sec(raw)} s; driver / raw = ${(one / raw).toFixed(2)}×`);
        out.push(`  raw without type-checking the program ${sec(rawTs)} s; raw / raw-ts = ${(raw / rawTs).toFixed(2)}×`);
    }
    const probeDelay = median(ok.map((m) => m.probeDelayMs ?? NaN).filter((x) => !Number.isNaN(x)));
    const startup = median(of("1 bottle").map((m) => m.startupMs ?? NaN));
    out.push(
        `  startup (command start to first network) ${sec(startup)} s; health-check wait (start to first probe) ${sec(probeDelay)} s = ${((probeDelay / one) * 100).toFixed(0)}% of the driver's up`,
    );
    for (const t of totals) {
        const rows = of(t.scenario, t.scenario.endsWith(" raw") ? "raw" : "driver");
        out.push(
            `${t.scenario}: total ${sec(t.ms)} s = ${(t.ms / one).toFixed(2)}× one bottle; per bottle median ${sec(median(rows.map((m) => m.wallMs)))} s, max ${sec(Math.max(...rows.map((m) => m.wallMs)))} s`,
        );
    }
    for (const n of opts.counts.filter((c) => c > 1)) {
        const c = totals.find((t) => t.scenario === `${n} concurrent`);
        const s = totals.find((t) => t.scenario === `${n} sequential`);
        if (c && s) out.push(`${n} sequential / ${n} concurrent = ${(s.ms / c.ms).toFixed(2)}×`);
    }
    process.stdout.write(`${out.join("\n")}\n`);
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ results: bench.results, totals }, null, 2)}\n`);
    if (bench.results.some((m) => !m.ok)) process.exitCode = 1;
}

main().catch((e) => {
    log(String(e instanceof Error ? (e.stack ?? e.message) : e));
    process.exitCode = 1;
});
