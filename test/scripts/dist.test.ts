/**
 * scripts/dist.js: whether dist/ is the build of the sources. On small trees of files with set
 * times, so the repository's dist/ is never touched.
 */
import fs from "fs";
import os from "os";
import path from "path";

const ROOT = path.resolve(__dirname, "../..");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript, no types
const { staleSources, orphanOutputs, build } = require(path.join(ROOT, "scripts/dist.js")) as {
    staleSources: (root: string) => string[];
    orphanOutputs: (root: string) => string[];
    build: (root: string, stdio?: unknown) => boolean;
};

function write(root: string, rel: string, text: string, mtime?: number): void {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    if (mtime !== undefined) fs.utimesSync(file, mtime, mtime);
}

const made: string[] = [];
const tmp = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-dist-"));
    made.push(dir);
    return dir;
};
afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

describe("staleSources", () => {
    const T = 1_700_000_000; // seconds
    function tree(): string {
        const root = tmp();
        write(root, "tsconfig.json", "{}", T);
        write(root, "tsconfig.build.json", "{}", T);
        write(root, "components/a.ts", "", T);
        write(root, "components/sub/b.ts", "", T);
        write(root, "components/types.d.ts", "", T + 100);
        write(root, "sidecar/c.ts", "", T);
        write(root, "dist/components/a.js", "", T + 10);
        write(root, "dist/components/sub/b.js", "", T + 10);
        write(root, "dist/sidecar/c.js", "", T + 10);
        return root;
    }

    test("nothing when every output is newer than its source and the tsconfig files", () => {
        expect(staleSources(tree())).toEqual([]);
    });

    test("a source edited after the build, in any folder depth", () => {
        const root = tree();
        fs.utimesSync(path.join(root, "components/sub/b.ts"), T + 20, T + 20);
        expect(staleSources(root)).toEqual([path.join("components", "sub", "b.ts")]);
    });

    test("a source without output", () => {
        const root = tree();
        write(root, "sidecar/new.ts", "", T);
        expect(staleSources(root)).toEqual([path.join("sidecar", "new.ts")]);
    });

    test("everything after a tsconfig change", () => {
        const root = tree();
        fs.utimesSync(path.join(root, "tsconfig.build.json"), T + 20, T + 20);
        expect(staleSources(root).sort()).toEqual(
            [path.join("components", "a.ts"), path.join("components", "sub", "b.ts"), path.join("sidecar", "c.ts")].sort(),
        );
    });
});

describe("orphanOutputs", () => {
    test("an output whose source moved or was deleted, with its map and declaration", () => {
        const root = tmp();
        write(root, "cli/plan/main.ts", "");
        write(root, "dist/cli/plan/main.js", "");
        for (const f of ["planMain.js", "planMain.js.map", "planMain.d.ts"]) write(root, `dist/cli/${f}`, "");
        expect(orphanOutputs(root).sort()).toEqual(
            ["planMain.d.ts", "planMain.js", "planMain.js.map"].map((f) => path.join("dist", "cli", f)),
        );
    });

    test("the build removes them: code that still requires a moved module fails here as on a fresh clone", () => {
        const root = tmp();
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
        write(
            root,
            "tsconfig.json",
            JSON.stringify({ compilerOptions: { module: "commonjs", target: "ES2022", outDir: "dist", rootDir: ".", types: [] } }),
        );
        write(root, "tsconfig.build.json", JSON.stringify({ extends: "./tsconfig.json", include: ["cli/**/*.ts"] }));
        write(root, "cli/word.ts", "export const word = 1;\n");
        write(root, "dist/cli/gone.js", "");
        expect(build(root, "ignore")).toBe(true);
        expect(fs.existsSync(path.join(root, "dist/cli/word.js"))).toBe(true);
        expect(fs.existsSync(path.join(root, "dist/cli/gone.js"))).toBe(false);
        expect(orphanOutputs(root)).toEqual([]);
    }, 60_000);
});
