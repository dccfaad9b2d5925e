import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { parseBottleManifest } from "../../components";
import { SCHEMA_SNAPSHOT } from "../../scripts/packageSchema";

// A fast check, without the Pulumi CLI, Docker or PyPI, against the committed schema: the names the
// example uses are the ones the generated SDK has (Pulumi's Python code generator turns property
// names into snake_case and suffixes input types with `Args`). test/e2e/python.test.ts runs the
// example for real, through an SDK generated from the running plugin's schema.
const ROOT = path.resolve(__dirname, "../..");
const EXAMPLE = path.join(ROOT, "examples/python");
const schema = JSON.parse(fs.readFileSync(path.join(ROOT, SCHEMA_SNAPSHOT), "utf8"));
const source = fs.readFileSync(path.join(EXAMPLE, "__main__.py"), "utf8");
const resource = schema.resources[`${schema.name}:index:CredProxySidecar`];

/** A schema property name as Pulumi's Python SDKs spell it: `tokenValues` -> `token_values`, `TokenRef` -> `token_ref`. */
const pythonName = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
const pythonNames = (properties: Record<string, unknown>) => Object.keys(properties).map(pythonName);

/**
 * The keyword arguments of every call to `callee(` in the source, by call: names followed by `=` at
 * the start of a top-level argument. Skips strings and `#` comments, which may hold commas.
 */
function keywordArguments(callee: string): string[][] {
    const calls: string[][] = [];
    for (let at = source.indexOf(`${callee}(`); at >= 0; at = source.indexOf(`${callee}(`, at + 1)) {
        const keywords: string[] = [];
        let depth = 0;
        let argumentStart = true;
        for (let i = at + callee.length + 1; i < source.length; i++) {
            const c = source[i];
            if (c === "#") {
                i = source.indexOf("\n", i);
                if (i < 0) {
                    break;
                }
                continue;
            }
            if (/\s/.test(c)) {
                continue;
            }
            if (argumentStart && depth === 0) {
                const keyword = /^([A-Za-z_][A-Za-z0-9_]*)=(?!=)/.exec(source.slice(i));
                if (keyword) {
                    keywords.push(keyword[1]);
                }
            }
            argumentStart = false;
            if (c === '"' || c === "'") {
                i = source.indexOf(c, i + 1);
                if (i < 0) {
                    break;
                }
            } else if ("([{".includes(c)) {
                depth++;
            } else if (")]}".includes(c)) {
                if (depth === 0) {
                    break;
                }
                depth--;
            } else if (c === "," && depth === 0) {
                argumentStart = true;
            }
        }
        calls.push(keywords);
    }
    return calls;
}

describe("examples/python uses the SDK `pulumi package add` generates from the schema", () => {
    test("is a Python project that imports the generated package as pulumi package add prints it", () => {
        const project = YAML.parse(fs.readFileSync(path.join(EXAMPLE, "Pulumi.yaml"), "utf8"));
        expect(project.runtime.name).toBe("python");
        const module = `pulumi_${schema.name.replace(/-/g, "_")}`;
        expect(source).toContain(`import ${module} as cred_proxy\n`);
        expect(fs.readFileSync(path.join(EXAMPLE, "requirements.txt"), "utf8")).toMatch(/^pulumi>=3/m);
    });

    test("passes CredProxySidecar only inputs of the schema, the required ones included", () => {
        const calls = keywordArguments("cred_proxy.CredProxySidecar");
        expect(calls).toHaveLength(1);
        expect(calls[0].filter((k) => k !== "opts" && !pythonNames(resource.inputProperties).includes(k))).toEqual([]);
        expect(calls[0]).toEqual(expect.arrayContaining(resource.requiredInputs.map(pythonName)));
    });

    test("builds the manifest from the schema's types and reads only schema outputs", () => {
        const types = schema.types;
        const manifest = keywordArguments("cred_proxy.BottleManifestArgs");
        const token = keywordArguments("cred_proxy.BottleTokenArgs");
        expect(manifest).toEqual([["tokens"]]);
        expect(pythonNames(types[`${schema.name}:index:BottleManifest`].properties)).toEqual(manifest[0]);
        expect(pythonNames(types[`${schema.name}:index:BottleToken`].properties)).toEqual(token[0]);
        const read = [...source.matchAll(/\bsidecar\.([a-z_]+)/g)].map((m) => m[1]);
        expect(read.length).toBeGreaterThan(0);
        expect(read.filter((name) => !pythonNames(resource.properties).includes(name))).toEqual([]);
    });

    test("its bottle is a valid manifest", () => {
        const bottle = parseBottleManifest(YAML.parse(fs.readFileSync(path.join(EXAMPLE, "bottle.yaml"), "utf8")));
        expect(bottle.tokens.map((t) => t.TokenRef)).toEqual(["ANTHROPIC_API_KEY", "GITHUB_TOKEN"]);
    });
});
