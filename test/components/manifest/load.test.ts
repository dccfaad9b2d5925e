import fs from "fs";
import os from "os";
import path from "path";
import {
    loadBottleManifest,
    ManifestError,
    parseBottleManifest,
    type BottleManifest,
    type ValidatedManifest,
} from "../../../components/core";
import { fakeToken } from "../../helpers/fakeTokens";

const FIXTURES = path.join(__dirname, "fixtures");

const expectedBottle: BottleManifest & Record<string, unknown> = {
    slug: "demo",
    tokens: [
        { Kind: "anthropic", TokenRef: "ANTHROPIC_API_KEY" },
        { Kind: "github", TokenRef: "GH_TOKEN" },
        { Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: "https://git.example.com:3000/sub/" },
        { Kind: "npm", TokenRef: "NPM_TOKEN" },
    ],
    egress: { allow: ["api.anthropic.com", "registry.npmjs.org"] },
};

let tmp: string;

beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-manifest-"));
});

afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
});

/** Writes a token-free manifest to the temporary directory. */
function tmpFile(name: string, text: string): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
}

function loadError(file: string): ManifestError {
    try {
        loadBottleManifest(file);
    } catch (err) {
        expect(err).toBeInstanceOf(ManifestError);
        return err as ManifestError;
    }
    throw new Error(`expected ${file} to be refused`);
}

let virtualCount = 0;

/**
 * Loads `text` as if it were the content of a manifest file, without writing it to disk: text that
 * holds a fake token never touches the file system. The path does not exist; only reads of that
 * exact path are answered from memory.
 */
function loadVirtual(ext: string, text: string): ValidatedManifest {
    const file = path.join(tmp, `virtual-${virtualCount++}${ext}`);
    const realRead = fs.readFileSync;
    const spy = jest
        .spyOn(fs, "readFileSync")
        .mockImplementation(((p: fs.PathOrFileDescriptor, options?: unknown) =>
            p === file
                ? text
                : (realRead as (p: fs.PathOrFileDescriptor, o?: unknown) => string | Buffer)(p, options)) as typeof fs.readFileSync);
    try {
        return loadBottleManifest(file);
    } finally {
        spy.mockRestore();
    }
}

function virtualError(ext: string, text: string): ManifestError {
    try {
        loadVirtual(ext, text);
    } catch (err) {
        expect(err).toBeInstanceOf(ManifestError);
        return err as ManifestError;
    }
    throw new Error("expected the manifest to be refused");
}

function visibleText(err: ManifestError): string {
    return [err.message, String(err), err.stack ?? "", JSON.stringify(err.issues)].join("\n");
}

describe("loadBottleManifest: reading", () => {
    it.each(["bottle.yaml", "bottle.yml", "bottle.json"])("reads %s", (name) => {
        expect(loadBottleManifest(path.join(FIXTURES, name))).toEqual(expectedBottle);
    });

    it("reads a manifest without tokens as an empty token list", () => {
        expect(loadBottleManifest(tmpFile("no-tokens.yaml", "slug: demo\n"))).toEqual({ slug: "demo", tokens: [] });
        expect(loadBottleManifest(tmpFile("no-tokens.json", '{"slug": "demo"}'))).toEqual({ slug: "demo", tokens: [] });
    });

    it("reads a single YAML document that starts with ---", () => {
        expect(loadBottleManifest(tmpFile("marker.yaml", "---\ntokens:\n  - Kind: npm\n    TokenRef: NPM_TOKEN\n"))).toEqual({
            tokens: [{ Kind: "npm", TokenRef: "NPM_TOKEN" }],
        });
    });

    it("resolves YAML anchors and aliases", () => {
        const text = "gitea: &gitea\n  Kind: gitea\n  TokenRef: GITEA_TOKEN\n  Url: https://git.example.com\ntokens:\n  - *gitea\n";
        const entry = { Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: "https://git.example.com" };
        expect(loadBottleManifest(tmpFile("anchors.yaml", text))).toEqual({ gitea: entry, tokens: [entry] });
    });

    it("never reads a token value: TokenRefs stay names", () => {
        const bottle = loadBottleManifest(path.join(FIXTURES, "bottle.yaml"));
        expect(bottle.tokens.map((t) => t.TokenRef)).toEqual(["ANTHROPIC_API_KEY", "GH_TOKEN", "GITEA_TOKEN", "NPM_TOKEN"]);
    });
});

describe("loadBottleManifest: file problems", () => {
    it("refuses a missing file, naming it", () => {
        const file = path.join(tmp, "does-not-exist.yaml");
        const err = loadError(file);
        expect(err.file).toBe(file);
        expect(err.issues).toEqual([{ path: "", message: expect.stringMatching(/not found/) }]);
        expect(err.message).toContain(file);
    });

    it("refuses a directory, naming it", () => {
        const dir = path.join(tmp, "a-directory.yaml");
        fs.mkdirSync(dir);
        const err = loadError(dir);
        expect(err.file).toBe(dir);
        expect(err.issues).toEqual([{ path: "", message: expect.stringMatching(/directory/) }]);
        expect(err.message).toContain(dir);
    });

    it.each(["bottle.txt", "bottle.toml", "bottle", "bottle.yaml.bak", "bottle.jsonc"])(
        "refuses the unsupported file type of %s",
        (name) => {
            const file = tmpFile(name, "tokens: []\n");
            const err = loadError(file);
            expect(err.file).toBe(file);
            expect(err.issues).toEqual([{ path: "", message: expect.stringMatching(/\.yaml.*\.yml.*\.json/) }]);
            expect(err.message).toContain(file);
        },
    );
});

describe("loadBottleManifest: syntax errors", () => {
    it("YAML: reports the line of a bad indentation", () => {
        const file = tmpFile("bad-indent.yaml", "tokens:\n  - Kind: npm\n   TokenRef: NPM_TOKEN\n");
        const err = loadError(file);
        expect(err.file).toBe(file);
        expect(err.issues).toHaveLength(1);
        expect(err.issues[0].path).toBe("");
        expect(err.issues[0].message).toMatch(/YAML/);
        expect(err.issues[0].message).toMatch(/\bline 3\b/);
        expect(err.message).toContain(file);
    });

    it("YAML: reports the line of an unclosed quote", () => {
        const err = loadError(tmpFile("unclosed.yaml", 'slug: demo\ntokens:\n  - Kind: "npm\n    TokenRef: NPM_TOKEN\n'));
        expect(err.issues[0].message).toMatch(/YAML/);
        expect(err.issues[0].message).toMatch(/\bline \d+\b/);
    });

    it("YAML: refuses duplicate keys, at the line of the second one", () => {
        const err = loadError(tmpFile("dup.yaml", "tokens:\n  - Kind: npm\n    TokenRef: NPM_TOKEN\n    TokenRef: OTHER_TOKEN\n"));
        expect(err.issues).toEqual([{ path: "", message: expect.stringMatching(/line 4\b[\s\S]*(unique|duplicate|twice)/i) }]);
    });

    it("YAML: refuses a duplicate top-level tokens key", () => {
        const err = loadError(tmpFile("dup-top.yaml", "tokens:\n  - Kind: npm\n    TokenRef: A\ntokens: []\n"));
        expect(err.issues).toEqual([{ path: "", message: expect.stringMatching(/line 4\b/) }]);
    });

    it("YAML: refuses several documents in one file", () => {
        const file = tmpFile("multi.yaml", "tokens:\n  - Kind: npm\n    TokenRef: NPM_TOKEN\n---\ntokens: []\n");
        const err = loadError(file);
        expect(err.file).toBe(file);
        expect(err.issues).toEqual([{ path: "", message: expect.stringMatching(/document/) }]);
    });

    it.each([
        // [label, text, "line L, column C" of the first character that cannot be JSON]
        ["a trailing comma in a list", '{\n  "tokens": [\n    {"Kind": "npm", "TokenRef": "NPM_TOKEN"},\n  ]\n}\n', "line 4, column 3"],
        ["a trailing comma in an object", '{\n  "tokens": [\n    {"Kind": "npm", "TokenRef": "NPM_TOKEN",}\n  ]\n}\n', "line 3, column 45"],
        ["a trailing comma at the top level", '{"tokens": [],}', "line 1, column 15"],
        ["a missing comma", '{\n  "slug": "demo"\n  "tokens": []\n}\n', "line 3, column 3"],
        ["single quotes", "{'tokens': []}", "line 1, column 2"],
        ["a comment", '{\n  // tokens\n  "tokens": []\n}', "line 2, column 3"],
        ["a document cut short", '{\n  "tokens": [\n', "line 3, column 1"],
        ["an empty file", "", "line 1, column 1"],
        ["text after the document", '{"tokens": []}\nx', "line 2, column 1"],
    ])("JSON: %s is reported at its line and column", (_label, text, where) => {
        const file = tmpFile(`syntax-${where.replace(/\W+/g, "-")}.json`, text);
        const err = loadError(file);
        expect(err.file).toBe(file);
        expect(err.issues).toEqual([{ path: "", message: expect.stringContaining(`JSON at ${where}`) }]);
        expect(err.message).toContain(file);
    });
});

describe("loadBottleManifest: schema errors", () => {
    it("carry the file name and the same issues parseBottleManifest reports", () => {
        const file = path.join(FIXTURES, "invalid.yaml");
        const err = loadError(file);
        expect(err.file).toBe(file);
        expect(err.message.split("\n")[0]).toContain(`bottle manifest ${file}`);
        const direct = (() => {
            try {
                parseBottleManifest({
                    tokens: [
                        { Kind: "npm", Tokenref: "NPM_TOKEN" },
                        { Kind: "gitea", TokenRef: "GITEA_TOKEN" },
                        { Kind: "npm", TokenRef: "NPM_TOKEN_2" },
                    ],
                });
            } catch (e) {
                return e as ManifestError;
            }
            throw new Error("expected a ManifestError");
        })();
        expect(err.issues).toEqual(direct.issues);
        expect(err.issues.map((i) => i.path)).toEqual(
            expect.arrayContaining(["tokens[0].TokenRef", "tokens[0].Tokenref", "tokens[1].Url"]),
        );
    });

    it("JSON: a manifest that is not an object names the file", () => {
        const file = tmpFile("list.json", '[{"Kind": "npm", "TokenRef": "NPM_TOKEN"}]');
        const err = loadError(file);
        expect(err.file).toBe(file);
        expect(err.issues).toEqual([{ path: "", message: expect.stringMatching(/object/) }]);
    });

    it("YAML: an empty file is not a manifest", () => {
        const err = loadError(tmpFile("empty.yaml", ""));
        expect(err.issues).toEqual([{ path: "", message: expect.stringMatching(/object|mapping/) }]);
    });
});

describe("loadBottleManifest: messages never quote the source", () => {
    // Each broken line holds a fake token, as if a token had been pasted into the manifest.
    const yamlCases: Array<[string, (t: string) => string]> = [
        ["an unclosed flow sequence", (t) => `tokens:\n  - Kind: npm\n    TokenRef: [${t}\n`],
        ["a bad indentation", (t) => `tokens:\n  - Kind: npm\n   TokenRef: ${t}\n`],
        ["an unclosed quote", (t) => `tokens:\n  - Kind: npm\n    TokenRef: "${t}\n`],
        ["a tab indentation", (t) => `tokens:\n\t- TokenRef: ${t}\n`],
        ["a duplicate key", (t) => `tokens:\n  - Kind: npm\n    TokenRef: ${t}\n    TokenRef: ${t}\n`],
        ["a nested compact mapping", (t) => `TokenRef: a: ${t}\n`],
        ["a value starting with a reserved character", (t) => `TokenRef: @${t}\n`],
        ["a scalar after a list", (t) => `- Kind: npm\n${t}\n`],
        ["an unclosed flow mapping", (t) => `{ TokenRef: ${t}\n`],
        ["a second document", (t) => `tokens: []\n---\nTokenRef: ${t}\n`],
        ["a block scalar header with extra characters", (t) => `tokens:\n  - Kind: npm\n    TokenRef: |${t}\n      x\n`],
        ["a folded scalar header with extra characters", (t) => `TokenRef: >-${t}\n  x\n`],
        ["an undeclared tag handle", (t) => `TokenRef: !e!${t} x\n`],
        ["an unsupported YAML version directive", (t) => `%YAML 1.${t}\n---\ntokens: []\n`],
    ];

    it.each(yamlCases)("YAML: %s", (_label, makeText) => {
        const token = fakeToken("yaml");
        const err = virtualError(".yaml", makeText(token));
        expect(err.issues).toHaveLength(1);
        expect(err.issues[0].message).toMatch(/YAML/);
        expect(visibleText(err)).not.toContain(token);
    });

    const jsonCases: Array<[string, (t: string) => string]> = [
        ["a trailing comma after the token", (t) => `{\n  "tokens": [\n    {"Kind": "npm", "TokenRef": "${t}",}\n  ]\n}\n`],
        ["an unquoted token", (t) => `{\n  "tokens": [\n    {"Kind": "npm", "TokenRef": ${t}}\n  ]\n}\n`],
        ["an unterminated string", (t) => `{"tokens": [{"Kind": "npm", "TokenRef": "${t}`],
        ["a raw newline in a string", (t) => `{"TokenRef": "${t}\n${t}"}`],
        ["a token after the document", (t) => `{"tokens": []} ${t}`],
        ["a token as a key without quotes", (t) => `{${t}: 1}`],
    ];

    it.each(jsonCases)("JSON: %s", (_label, makeText) => {
        const token = fakeToken("json");
        const err = virtualError(".json", makeText(token));
        expect(err.issues).toEqual([{ path: "", message: expect.stringMatching(/JSON at line \d+, column \d+/) }]);
        expect(visibleText(err)).not.toContain(token);
    });

    it("schema errors of a loaded file do not quote a pasted token", () => {
        const token = fakeToken("schema");
        const err = virtualError(
            ".yaml",
            `tokens:\n  - Kind: github\n    TokenRef: ${token}\n  - Kind: gitea\n    TokenRef: G\n    Url: https://x:${token}@git.example.com\n`,
        );
        expect(err.issues.map((i) => i.path)).toEqual(["tokens[0].TokenRef", "tokens[1].Url"]);
        expect(visibleText(err)).not.toContain(token);
    });

    // A YAML warning (an unknown tag, say) does not stop the load, but the yaml library prints it
    // with the offending source line through process.emitWarning, i.e. to stderr and the deploy log.
    it("YAML: loading does not print source lines as process warnings", () => {
        const token = fakeToken("warn");
        const warnings: string[] = [];
        const spy = jest.spyOn(process, "emitWarning").mockImplementation(((warning: string | Error) => {
            warnings.push(typeof warning === "string" ? warning : `${warning.name}: ${warning.message}`);
        }) as typeof process.emitWarning);
        try {
            loadVirtual(".yaml", `tokens:\n  - Kind: npm\n    TokenRef: !${token} NPM_TOKEN\n`);
        } catch {
            // refusing the manifest is fine too; printing its source is not
        } finally {
            spy.mockRestore();
        }
        for (const w of warnings) {
            expect(w).not.toContain(token);
        }
    });
});
