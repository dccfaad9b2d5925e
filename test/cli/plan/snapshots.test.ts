import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { DEFAULT_IMAGE } from "../../../cli/defaults";
import { runPlanCommand } from "../../../cli/plan/command";
import { checkSnapshots, describeSnapshotProblems, exampleBottles, updateSnapshots } from "../../../cli/plan/snapshots";
import { loadBottleManifest } from "../../../components/core";

const ROOT = path.resolve(__dirname, "../../..");

// The gate: every change to what gets deployed for an example bottle must come with its
// committed plan, so that the pull request shows it as a diff.
test("the plan of every example bottle matches its committed snapshot in stacks/plans", async () => {
    const problems = await checkSnapshots(ROOT);
    if (problems.length > 0) {
        throw new Error(describeSnapshotProblems(problems));
    }
    expect(exampleBottles(ROOT).length).toBeGreaterThanOrEqual(3);
});

describe("snapshot checking, on a scratch project", () => {
    let dir: string;
    const example = () => exampleBottles(dir)[0];

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-snapshots-"));
        fs.mkdirSync(path.join(dir, "stacks/bottles"), { recursive: true });
        fs.copyFileSync(path.join(ROOT, "stacks/bottles/example.yaml"), path.join(dir, "stacks/bottles/example.yaml"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("a missing snapshot is reported; plan:update writes it; then all match", async () => {
        expect(await checkSnapshots(dir)).toEqual([{ snapshot: "stacks/plans/example.plan.json", kind: "missing" }]);
        expect(await updateSnapshots(dir)).toEqual({ written: ["stacks/plans/example.plan.json"], unchanged: [], removed: [] });
        expect(await checkSnapshots(dir)).toEqual([]);
        expect(fs.readFileSync(example().snapshot, "utf8")).toBe(
            fs.readFileSync(path.join(ROOT, "stacks/plans/example.plan.json"), "utf8"),
        );
        expect(await updateSnapshots(dir)).toEqual({ written: [], unchanged: ["stacks/plans/example.plan.json"], removed: [] });
    });

    test("a changed declaration fails with a diff of the plan and says how to accept it", async () => {
        await updateSnapshots(dir);
        // The bottle changes (a new token): what would be deployed changes, the snapshot does not.
        fs.appendFileSync(example().file, "  - Kind: gitea\n    TokenRef: SECOND_GITEA\n    Url: https://second.example.com\n");
        const problems = await checkSnapshots(dir);
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatchObject({ snapshot: "stacks/plans/example.plan.json", kind: "stale" });
        const message = describeSnapshotProblems(problems);
        expect(message).toContain("--- stacks/plans/example.plan.json (committed)");
        expect(message).toContain("+++ stacks/plans/example.plan.json (plan of stacks/bottles/example.yaml now)");
        expect(message).toMatch(/^\+ {6}"CRED_PROXY_TOKEN_4": "SECOND_GITEA"$/m);
        expect(message).toContain("run `npm run plan:update` and commit stacks/plans/");
    });

    test("a snapshot whose bottle is gone is reported, and removed by plan:update", async () => {
        await updateSnapshots(dir);
        fs.writeFileSync(path.join(dir, "stacks/plans/gone.plan.json"), "{}\n");
        expect(await checkSnapshots(dir)).toEqual([{ snapshot: "stacks/plans/gone.plan.json", kind: "orphan" }]);
        expect((await updateSnapshots(dir)).removed).toEqual(["stacks/plans/gone.plan.json"]);
        expect(fs.existsSync(path.join(dir, "stacks/plans/gone.plan.json"))).toBe(false);
    });

    test("the command's --check-snapshots exits 1 with the same message; --update-snapshots fixes it", async () => {
        let out = "";
        let err = "";
        const ctx = { io: { out: (t: string) => (out += t), err: (t: string) => (err += t) }, env: {}, cwd: dir, projectDir: dir };
        expect(await runPlanCommand(["--check-snapshots"], ctx)).toBe(1);
        expect(err).toContain("stacks/plans/example.plan.json: missing");
        expect(await runPlanCommand(["--update-snapshots"], ctx)).toBe(0);
        expect(out).toContain("wrote     stacks/plans/example.plan.json");
        expect(await runPlanCommand(["--check-snapshots"], ctx)).toBe(0);
    });
});

describe("the example bottles and their stacks", () => {
    const examples = exampleBottles(ROOT);
    const stackFiles = fs.readdirSync(path.join(ROOT, "stacks")).filter((n) => /^Pulumi\..+\.yaml$/.test(n));

    test.each(examples.map((e) => [e.label, e]))("%s: a valid manifest, named like its file, with no token values", (_label, e) => {
        const bottle = loadBottleManifest(e.file);
        expect(bottle.name).toBe(path.basename(e.file, path.extname(e.file)));
        expect(bottle.tokens.length).toBeGreaterThan(0);
        expect(fs.readFileSync(e.file, "utf8")).not.toMatch(/ghp_|github_pat_|sk-ant-|npm_[A-Za-z0-9]{16}|glpat-|secure:/);
    });

    test.each(examples.map((e) => [e.label, e]))("%s: its stack config runs exactly the planned bottle", (_label, e) => {
        const name = path.basename(e.file, path.extname(e.file));
        const file = path.join(ROOT, "stacks", `Pulumi.${name}.yaml`);
        expect(fs.existsSync(file)).toBe(true);
        // The plan uses the defaults; the stack must not differ from them, or the plan would not be
        // what deploys. (Pulumi may add encryptionsalt and tokens.<TokenRef> secrets locally.)
        const config = YAML.parse(fs.readFileSync(file, "utf8")).config as Record<string, unknown>;
        expect(config["cred-proxy:manifestPath"]).toBe(e.label);
        expect(config["cred-proxy:image"]).toBe(DEFAULT_IMAGE);
        for (const key of ["slug", "port", "manifest"]) {
            expect(config[`cred-proxy:${key}`]).toBeUndefined();
        }
    });

    test("every stack config belongs to an example bottle", () => {
        expect(stackFiles.map((n) => n.slice("Pulumi.".length, -".yaml".length)).sort()).toEqual(
            examples.map((e) => path.basename(e.file, path.extname(e.file))).sort(),
        );
    });
});

describe(".github/workflows", () => {
    const workflow = (name: string) => YAML.parse(fs.readFileSync(path.join(ROOT, ".github/workflows", name), "utf8"));

    test("the test job runs the README's commands: npm ci, then npm test", () => {
        const runs = (workflow("test.yml").jobs.test.steps as Array<{ run?: string }>).map((s) => s.run).filter(Boolean);
        expect(runs.indexOf("npm ci")).toBeGreaterThanOrEqual(0);
        expect(runs.indexOf("npm test")).toBeGreaterThan(runs.indexOf("npm ci"));
    });

    test("the preview job previews every example stack with diff, on a file backend, commenting on the pull request", () => {
        const job = workflow("preview.yml").jobs.preview;
        const names = exampleBottles(ROOT).map((e) => path.basename(e.file, path.extname(e.file)));
        expect([...job.strategy.matrix.stack].sort()).toEqual([...names].sort());
        const step = (job.steps as Array<{ uses?: string; with?: Record<string, unknown>; env?: Record<string, string> }>).find((s) =>
            s.uses?.startsWith("pulumi/actions@"),
        )!;
        expect(step.uses).toBe("pulumi/actions@v6");
        expect(step.with).toMatchObject({
            command: "preview",
            "stack-name": "${{ matrix.stack }}",
            diff: true,
            "comment-on-pr": true,
            upsert: true,
        });
        expect(String(step.with!["cloud-url"])).toMatch(/^file:\/\//);
        // The passphrase and every TokenRef of every example come from repository secrets.
        const refs = new Set(exampleBottles(ROOT).flatMap((e) => loadBottleManifest(e.file).tokens.map((t) => t.TokenRef)));
        for (const name of ["PULUMI_CONFIG_PASSPHRASE", ...refs]) {
            expect(step.env?.[name]).toMatch(/^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
        }
    });
});
