/**
 * Timing the offline plan command for manifests of 1, 10, 100 and 1,000 token entries: the CLI
 * as users run it (`npm run plan`), the compiled CLI (`dist/cli/plan/main.js`, the
 * `cred-proxy-plan` bin), and the plan function in-process (planInProcess.ts).
 *
 * Manifests are generated: a single Gitea entry for 1; otherwise one entry of each fixed kind
 * (anthropic, github, npm) and Gitea entries with distinct hosts for the rest.
 */
import { execFileSync, spawn } from "child_process";
import { mkdirSync, writeFileSync } from "fs";
import { join, resolve } from "path";
import { REPO, runDir } from "./targets";

export const PLAN_SIZES = [1, 10, 100, 1000];
const RUN_TIMEOUT_MS = 120_000;

export function manifestFor(entries: number): string {
    const lines = [`name: bench-${entries}`, "tokens:"];
    const fixed = entries >= 4 ? ["anthropic", "github", "npm"] : [];
    for (const kind of fixed) lines.push(`  - Kind: ${kind}`, `    TokenRef: ${kind.toUpperCase()}_TOKEN`);
    for (let i = 0; i < entries - fixed.length; i++) {
        lines.push("  - Kind: gitea", `    TokenRef: GITEA_TOKEN_${i}`, `    Url: https://gitea-${i}.bench.example:3000`);
    }
    return `${lines.join("\n")}\n`;
}

/** Runs a command to completion (bounded), discarding its output; resolves to the wall time in ms. */
function timed(cmd: string, args: string[], capture = false, env: Record<string, string> = {}): Promise<{ ms: number; stdout: string }> {
    return new Promise((resolveRun, reject) => {
        const start = performance.now();
        const child = spawn(cmd, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, INIT_CWD: REPO, ...env } });
        let stdout = "";
        let stderr = "";
        let outBytes = 0;
        child.stdout.on("data", (d: Buffer) => {
            outBytes += d.length;
            if (capture) stdout += d.toString();
        });
        child.stderr.on("data", (d: Buffer) => {
            if (stderr.length < 4096) stderr += d.toString();
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
        child.once("error", reject);
        child.once("close", (code) => {
            clearTimeout(timer);
            const ms = performance.now() - start;
            if (code !== 0 || outBytes === 0)
                return reject(new Error(`${cmd} ${args.join(" ")} failed (${code}): ${stderr.slice(0, 800)}`));
            resolveRun({ ms, stdout });
        });
    });
}

export interface PlanTimes {
    sizes: number[];
    /** Median wall time in ms per size, per way of running the plan. */
    npm: number[];
    compiled: number[];
    inProcess: number[];
    /** In-process medians with cli/plan/evaluate.ts as it was at each --compare ref. */
    inProcessAt: Record<string, number[]>;
    repeats: number;
    inProcessRepeats: number;
}

const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    if (s.length === 0) return NaN;
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * cli/plan/evaluate.ts as it was at git `ref`, its relative imports pointed at the working tree:
 * the plan function before a change to it, everything else as it is now. Refs without
 * cli/plan/evaluate.ts are skipped: their relative imports name other files.
 */
function planModuleAt(ref: string, dir: string): string | undefined {
    const home = join(REPO, "cli/plan");
    let source: string;
    try {
        source = execFileSync("git", ["show", `${ref}:cli/plan/evaluate.ts`], {
            cwd: REPO,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
        });
    } catch {
        return undefined;
    }
    const rewritten = source.replace(/(["'])(\.\.?\/[^"']+)\1/g, (_m, q: string, rel: string) => `${q}${resolve(home, rel)}${q}`);
    const file = join(dir, `plan-at-${ref.replace(/[^A-Za-z0-9._-]/g, "_")}.ts`);
    writeFileSync(file, rewritten);
    return file;
}

export async function benchPlan(repeats: number, log: (line: string) => void, compareRefs: string[] = []): Promise<PlanTimes> {
    const dir = join(runDir(), "plan");
    mkdirSync(dir, { recursive: true });
    const files = PLAN_SIZES.map((n) => {
        const file = join(dir, `bench-${n}.yaml`);
        writeFileSync(file, manifestFor(n));
        return file;
    });
    const npm: number[][] = PLAN_SIZES.map(() => []);
    const compiled: number[][] = PLAN_SIZES.map(() => []);
    const npmCmd = process.platform === "win32" ? "npm.cmd" : "npm";
    const compiledMain = join(REPO, "dist/cli/plan/main.js");
    // Rounds alternate sizes and ways, so drift on the machine touches them all alike.
    for (let r = 0; r < repeats; r++) {
        for (const [i, file] of files.entries()) {
            npm[i].push((await timed(npmCmd, ["run", "-s", "plan", "--", file, "--json"])).ms);
            compiled[i].push((await timed(process.execPath, [compiledMain, file, "--json"])).ms);
        }
        log(`  plan round ${r + 1}/${repeats}: npm run plan ${npm.map((t) => t[r].toFixed(0)).join(" / ")} ms`);
    }
    const variants: Record<string, string> = {};
    for (const ref of compareRefs) {
        const file = planModuleAt(ref, dir);
        if (file) variants[ref] = file;
        else log(`  no cli/plan/evaluate.ts at ${ref}: not compared`);
    }
    const inProcessRepeats = Math.max(3, repeats);
    const inProc = await timed(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", join(REPO, "bench/planInProcess.ts"), String(inProcessRepeats), ...files],
        true,
        { BENCH_PLAN_VARIANTS: JSON.stringify(variants), NODE_PATH: join(REPO, "node_modules") },
    );
    const perLabel = JSON.parse(inProc.stdout.trim().split("\n").pop() ?? "{}") as Record<string, Record<string, number[]>>;
    const medians = (label: string): number[] => files.map((f) => median(perLabel[label]?.[f] ?? []));
    return {
        sizes: PLAN_SIZES,
        npm: npm.map(median),
        compiled: compiled.map(median),
        inProcess: medians("current"),
        inProcessAt: Object.fromEntries(Object.keys(variants).map((ref) => [ref, medians(ref)])),
        repeats,
        inProcessRepeats,
    };
}

/** Least-squares line t = a + b*n and its R^2: how well "linear" describes the growth. */
export function linearFit(ns: number[], ts: number[]): { a: number; b: number; r2: number } {
    const n = ns.length;
    const mx = ns.reduce((s, x) => s + x, 0) / n;
    const my = ts.reduce((s, y) => s + y, 0) / n;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < n; i++) {
        sxy += (ns[i] - mx) * (ts[i] - my);
        sxx += (ns[i] - mx) ** 2;
        syy += (ts[i] - my) ** 2;
    }
    const b = sxy / sxx;
    return { a: my - b * mx, b, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}
