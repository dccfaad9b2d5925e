/**
 * scripts/dist.js: whether dist/ is the build of the sources. On small trees of files with set
 * times, so the repository's dist/ is never touched.
 */
import fs from "fs";
import path from "path";
import { tempDirs, writeFile } from "../helpers/tempTree";

const ROOT = path.resolve(__dirname, "../..");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript, no types
const { staleSources, orphanOutputs, build } = require(path.join(ROOT, "scripts/dist.js")) as {
    staleSources: (root: string) => string[];
    orphanOutputs: (root: string) => string[];
    build: (root: string, stdio?: unknown) => boolean;
};

const tmp = tempDirs("cred-proxy-dist");

describe("staleSources", () => {
    const T = 1_700_000_000; // seconds
    function tree(): string {
        const root = tmp();
        writeFile(root, "tsconfig.json", "{}", T);
        writeFile(root, "tsconfig.build.json", "{}", T);
        writeFile(root, "components/a.ts", "", T);
        writeFile(root, "components/sub/b.ts", "", T);
        writeFile(root, "components/types.d.ts", "", T + 100);
        writeFile(root, "sidecar/c.ts", "", T);
        writeFile(root, "dist/components/a.js", "", T + 10);
        writeFile(root, "dist/components/sub/b.js", "", T + 10);
        writeFile(root, "dist/sidecar/c.js", "", T + 10);
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
        writeFile(root, "sidecar/new.ts", "", T);
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
        writeFile(root, "cli/plan/main.ts", "");
        writeFile(root, "dist/cli/plan/main.js", "");
        for (const f of ["planMain.js", "planMain.js.map", "planMain.d.ts"]) writeFile(root, `dist/cli/${f}`, "");
        expect(orphanOutputs(root).sort()).toEqual(
            ["planMain.d.ts", "planMain.js", "planMain.js.map"].map((f) => path.join("dist", "cli", f)),
        );
    });

    test("the build removes them: code that still requires a moved module fails here as on a fresh clone", () => {
        const root = tmp();
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
        writeFile(
            root,
            "tsconfig.json",
            JSON.stringify({ compilerOptions: { module: "commonjs", target: "ES2022", outDir: "dist", rootDir: ".", types: [] } }),
        );
        writeFile(root, "tsconfig.build.json", JSON.stringify({ extends: "./tsconfig.json", include: ["cli/**/*.ts"] }));
        writeFile(root, "cli/word.ts", "export const word = 1;\n");
        writeFile(root, "dist/cli/gone.js", "");
        expect(build(root, "ignore")).toBe(true);
        expect(fs.existsSync(path.join(root, "dist/cli/word.js"))).toBe(true);
        expect(fs.existsSync(path.join(root, "dist/cli/gone.js"))).toBe(false);
        expect(orphanOutputs(root)).toEqual([]);
    }, 60_000);
});
