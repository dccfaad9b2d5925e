import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const SOURCE_DIRS = ["components", "cli", "sidecar", "stacks", "scripts", "bench"];

function sources(dir: string): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
            const child = path.join(rel, entry.name);
            if (entry.isDirectory()) walk(child);
            else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(child);
        }
    };
    walk(dir);
    return out;
}

/** Relative imports of a file, type-only ones included: a cycle of types still ties two files. */
function importsOf(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'](\.\.?\/[^"']+)["']/g)].map((m) => m[1]);
    return specs.flatMap((spec) => {
        const base = path.join(path.dirname(file), spec);
        const target = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(path.join(ROOT, f)));
        return target === undefined ? [] : [target];
    });
}

/** Every cycle's files, found by depth-first search over the import graph. */
function cycles(files: string[]): string[][] {
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const found: string[][] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string) => {
        state.set(file, "open");
        stack.push(file);
        for (const next of graph.get(file) ?? []) {
            if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
            else if (!state.has(next)) visit(next);
        }
        stack.pop();
        state.set(file, "done");
    };
    for (const f of files) if (!state.has(f)) visit(f);
    return found;
}

describe("the source files' imports", () => {
    const files = SOURCE_DIRS.flatMap(sources);

    test("form no cycle", () => {
        expect(files.length).toBeGreaterThan(50);
        expect(cycles(files).map((c) => c.join(" -> "))).toEqual([]);
    });

    test("the cycle finder sees a cycle of type-only imports", () => {
        const dir = fs.mkdtempSync(path.join(ROOT, "test/package/.cycle-"));
        try {
            const rel = path.relative(ROOT, dir);
            fs.writeFileSync(path.join(dir, "a.ts"), `import type { B } from "./b";\nexport type A = B;\n`);
            fs.writeFileSync(path.join(dir, "b.ts"), `export type B = string;\nexport const load = () => import("./a");\n`);
            expect(cycles([path.join(rel, "a.ts"), path.join(rel, "b.ts")])).toEqual([
                [path.join(rel, "a.ts"), path.join(rel, "b.ts"), path.join(rel, "a.ts")],
            ]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("the server never imports the component side: dist/sidecar stands alone in the image", () => {
        const outside = files
            .filter((f) => f.startsWith(`sidecar${path.sep}`))
            .flatMap((f) =>
                importsOf(f)
                    .filter((t) => !t.startsWith(`sidecar${path.sep}`))
                    .map((t) => `${f} -> ${t}`),
            );
        expect(outside).toEqual([]);
    });
});
