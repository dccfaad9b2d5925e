/**
 * In-process timing of the offline plan: `evaluatePlan` plus the JSON rendering, as
 * `npm run plan -- --json` does them, without process start-up. Run by plan.ts as a child:
 *   node -r ts-node/register/transpile-only bench/planInProcess.ts <repeats> <manifest>...
 * BENCH_PLAN_VARIANTS may name more plan modules (JSON: {"label": "/path/evaluate.ts"}), timed in
 * the same rounds (plan.ts uses this for --compare). Prints one JSON line:
 * { "<label>": { "<manifest>": [ms, ...] } }, the current code under "current". Pulumi's mock
 * runtime is process-wide, so the calls run one after another, after an untimed warm-up each.
 */
import { renderPlanJson } from "../cli/plan/document";
import * as current from "../cli/plan/evaluate";

type Evaluate = typeof current.evaluatePlan;

async function main(): Promise<void> {
    const [repeatsArg, ...files] = process.argv.slice(2);
    const repeats = Number(repeatsArg);
    if (!(repeats >= 1) || files.length === 0) throw new Error("usage: planInProcess.ts <repeats> <manifest>...");
    const variants: Array<[string, Evaluate]> = [["current", current.evaluatePlan]];
    const extra = JSON.parse(process.env.BENCH_PLAN_VARIANTS ?? "{}") as Record<string, string>;
    for (const [label, file] of Object.entries(extra)) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module chosen at run time
        variants.push([label, (require(file) as typeof current).evaluatePlan]);
    }
    const times: Record<string, Record<string, number[]>> = {};
    for (const [label, evaluate] of variants) {
        times[label] = Object.fromEntries(files.map((f) => [f, []]));
        await evaluate({ manifestFile: files[0], manifestLabel: "warm-up.yaml" });
    }
    for (let r = 0; r < repeats; r++) {
        for (const file of files) {
            for (const [label, evaluate] of variants) {
                const start = performance.now();
                renderPlanJson(await evaluate({ manifestFile: file, manifestLabel: "bench.yaml" }));
                times[label][file].push(performance.now() - start);
            }
        }
    }
    process.stdout.write(`${JSON.stringify(times)}\n`);
}

main().catch((err: unknown) => {
    process.stderr.write(`planInProcess: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
});
