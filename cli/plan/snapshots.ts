import * as fs from "fs";
import * as path from "path";
import { evaluatePlan } from "./evaluate";
import { renderPlanJson } from "./document";
import { projectRelative } from "../project";
import { unifiedDiff } from "./textDiff";

/** Where the example bottles live, and where their committed plans live. */
export const BOTTLES_DIR = "stacks/bottles";
export const PLANS_DIR = "stacks/plans";
const PLAN_SUFFIX = ".plan.json";
const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** The command that rewrites the snapshots, as said in every mismatch message. */
export const UPDATE_COMMAND = "npm run plan:update";

export interface ExampleBottle {
    /** The manifest file. */
    file: string;
    /** The manifest, relative to the project folder. */
    label: string;
    /** Its committed plan: `stacks/plans/<base name>.plan.json`. */
    snapshot: string;
    snapshotLabel: string;
}

/** Every example bottle under stacks/bottles, in name order. */
export function exampleBottles(projectDir: string): ExampleBottle[] {
    const dir = path.join(projectDir, BOTTLES_DIR);
    const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => MANIFEST_EXTENSIONS.has(path.extname(n).toLowerCase())) : [];
    return names.sort().map((name) => {
        const file = path.join(dir, name);
        const snapshot = path.join(projectDir, PLANS_DIR, `${path.basename(name, path.extname(name))}${PLAN_SUFFIX}`);
        return { file, label: projectRelative(projectDir, file), snapshot, snapshotLabel: projectRelative(projectDir, snapshot) };
    });
}

/**
 * The plan an example's snapshot must hold: exactly what `npm run plan -- <manifest> --json`
 * prints, with the defaults the example stacks use (image cred-proxy:latest, port 8080, the
 * manifest's name as slug).
 */
export async function examplePlanJson(example: ExampleBottle): Promise<string> {
    return renderPlanJson(await evaluatePlan({ manifestFile: example.file, manifestLabel: example.label }));
}

export interface SnapshotProblem {
    snapshot: string;
    kind: "missing" | "stale" | "orphan";
    /** For a stale snapshot: committed (before) against current (after). */
    diff?: string;
}

/** Compares each example's plan with its committed snapshot; an empty list means all match. */
export async function checkSnapshots(projectDir: string): Promise<SnapshotProblem[]> {
    const examples = exampleBottles(projectDir);
    const problems: SnapshotProblem[] = [];
    for (const example of examples) {
        const current = await examplePlanJson(example);
        if (!fs.existsSync(example.snapshot)) {
            problems.push({ snapshot: example.snapshotLabel, kind: "missing" });
            continue;
        }
        const committed = fs.readFileSync(example.snapshot, "utf8");
        if (committed !== current) {
            const diff = unifiedDiff(committed, current, {
                before: `${example.snapshotLabel} (committed)`,
                after: `${example.snapshotLabel} (plan of ${example.label} now)`,
            });
            problems.push({ snapshot: example.snapshotLabel, kind: "stale", diff });
        }
    }
    for (const orphan of orphanSnapshots(projectDir, examples)) {
        problems.push({ snapshot: projectRelative(projectDir, orphan), kind: "orphan" });
    }
    return problems;
}

/** The message for failed snapshots: what differs, and how to accept the change. */
export function describeSnapshotProblems(problems: ReadonlyArray<SnapshotProblem>): string {
    const parts = problems.map((p) => {
        switch (p.kind) {
            case "missing":
                return `${p.snapshot}: missing; every example bottle needs its committed plan`;
            case "orphan":
                return `${p.snapshot}: no example bottle in ${BOTTLES_DIR} has this plan any more`;
            case "stale":
                return `${p.snapshot}: the component now declares something else for this bottle:\n${p.diff ?? ""}`;
        }
    });
    return (
        `The committed plans in ${PLANS_DIR} do not match what would be deployed:\n\n${parts.join("\n")}\n` +
        `If this change to what gets deployed is intended, run \`${UPDATE_COMMAND}\` and commit ${PLANS_DIR}/ ` +
        "with it, so that the pull request shows the change for review.\n"
    );
}

export interface SnapshotUpdate {
    written: string[];
    unchanged: string[];
    removed: string[];
}

/** Rewrites every example's snapshot and removes those whose bottle is gone. */
export async function updateSnapshots(projectDir: string): Promise<SnapshotUpdate> {
    const examples = exampleBottles(projectDir);
    const result: SnapshotUpdate = { written: [], unchanged: [], removed: [] };
    fs.mkdirSync(path.join(projectDir, PLANS_DIR), { recursive: true });
    for (const example of examples) {
        const current = await examplePlanJson(example);
        if (fs.existsSync(example.snapshot) && fs.readFileSync(example.snapshot, "utf8") === current) {
            result.unchanged.push(example.snapshotLabel);
            continue;
        }
        fs.writeFileSync(example.snapshot, current);
        result.written.push(example.snapshotLabel);
    }
    for (const orphan of orphanSnapshots(projectDir, examples)) {
        fs.rmSync(orphan);
        result.removed.push(projectRelative(projectDir, orphan));
    }
    return result;
}

function orphanSnapshots(projectDir: string, examples: ReadonlyArray<ExampleBottle>): string[] {
    const dir = path.join(projectDir, PLANS_DIR);
    if (!fs.existsSync(dir)) {
        return [];
    }
    const expected = new Set(examples.map((e) => e.snapshot));
    return fs
        .readdirSync(dir)
        .filter((n) => n.endsWith(PLAN_SUFFIX))
        .sort()
        .map((n) => path.join(dir, n))
        .filter((f) => !expected.has(f));
}
