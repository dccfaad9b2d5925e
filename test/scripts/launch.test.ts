/**
 * scripts/launch.js, which `npm run plan` and `npm run bottle` go through: it runs the
 * compiled entry, and builds first whenever dist/ is not the build of the sources. Exercised
 * on a small project of its own (real tsc, real files), so the repository's dist/ is never touched.
 */
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { tempDirs, writeFile } from "../helpers/tempTree";

const ROOT = path.resolve(__dirname, "../..");
const LAUNCHER = path.join(ROOT, "scripts/launch.js");

const tmp = tempDirs("cred-proxy-launch");

describe("launching an entry", () => {
    /** A project with the launcher, a `plan` entry importing a second module, and real tsc. */
    function project(): string {
        const root = tmp();
        fs.mkdirSync(path.join(root, "scripts"), { recursive: true });
        fs.copyFileSync(LAUNCHER, path.join(root, "scripts/launch.js"));
        fs.copyFileSync(path.join(ROOT, "scripts/dist.js"), path.join(root, "scripts/dist.js"));
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
        writeFile(
            root,
            "tsconfig.json",
            JSON.stringify({
                compilerOptions: { strict: true, module: "commonjs", target: "ES2022", outDir: "dist", rootDir: ".", types: ["node"] },
            }),
        );
        writeFile(root, "tsconfig.build.json", JSON.stringify({ extends: "./tsconfig.json", include: ["cli/**/*.ts"] }));
        writeFile(root, "cli/word.ts", `export const word = "first";\n`);
        writeFile(
            root,
            "cli/plan/main.ts",
            `import { word } from "../word";\nprocess.stdout.write(JSON.stringify({ word, args: process.argv.slice(2) }) + "\\n");\n`,
        );
        return root;
    }
    const launch = (root: string, ...args: string[]) =>
        spawnSync(process.execPath, [path.join(root, "scripts/launch.js"), ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });

    test("builds when dist/ is missing, runs the compiled entry with the arguments, then reuses the build", () => {
        const root = project();
        const first = launch(root, "plan", "manifest.yaml", "--json");
        expect(first.status).toBe(0);
        expect(first.stderr).toMatch(
            /^cred-proxy-plan: cli\/\S+\.ts changed since the last build \(and 1 more\): running npm run build\n$/,
        );
        expect(JSON.parse(first.stdout)).toEqual({ word: "first", args: ["manifest.yaml", "--json"] });

        const built = fs.statSync(path.join(root, "dist/cli/plan/main.js")).mtimeMs;
        const second = launch(root, "plan");
        expect(second.stderr).toBe("");
        expect(JSON.parse(second.stdout)).toEqual({ word: "first", args: [] });
        expect(fs.statSync(path.join(root, "dist/cli/plan/main.js")).mtimeMs).toBe(built);
    }, 60_000);

    test("an edited source is rebuilt before it runs: never stale code", () => {
        const root = project();
        expect(launch(root, "plan").status).toBe(0);
        const later = Date.now() / 1000 + 5;
        writeFile(root, "cli/word.ts", `export const word = "second";\n`, later);
        const run = launch(root, "plan");
        expect(run.stderr).toContain("cli/word.ts changed since the last build");
        expect(JSON.parse(run.stdout)).toEqual({ word: "second", args: [] });
    }, 60_000);

    test("a failing build stops it: exit 1, the compiler's errors and one line on stderr, nothing on stdout", () => {
        const root = project();
        writeFile(root, "cli/word.ts", `export const word: number = "not a number";\n`);
        const run = launch(root, "plan");
        expect(run.status).toBe(1);
        expect(run.stdout).toBe("");
        expect(run.stderr).toContain("error TS2322");
        expect(run.stderr).toMatch(/cred-proxy-plan: the build failed; fix the errors above, then run this again\n$/);
    }, 60_000);

    test("an unknown command is refused with the known ones", () => {
        const run = launch(project(), "deploy");
        expect(run.status).toBe(2);
        expect(run.stderr).toBe('launch.js: unknown command "deploy"; one of: plan, bottle\n');
    });
});
