import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { ManifestError } from "./errors";
import { parseBottleManifest } from "./parse";
import type { ValidatedManifest } from "./schema";

/**
 * Reads a bottle manifest from a `.yaml`, `.yml` or `.json` file and validates it.
 *
 * Every failure is a {@link ManifestError} naming the file: a missing or unreadable file, a syntax
 * error (with its line and column, without quoting the line), or the schema problems.
 */
export function loadBottleManifest(file: string): ValidatedManifest {
    const ext = path.extname(file).toLowerCase();
    if (ext !== ".yaml" && ext !== ".yml" && ext !== ".json") {
        throw fileError(file, "unsupported file type; a bottle manifest is a .yaml, .yml or .json file");
    }
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const reason =
            code === "ENOENT"
                ? "file not found"
                : code === "EISDIR"
                  ? "is a directory, not a file"
                  : `cannot read the file (${code ?? "unknown error"})`;
        throw fileError(file, reason);
    }
    const document = ext === ".json" ? parseJson(file, text) : parseYaml(file, text);
    try {
        return parseBottleManifest(document);
    } catch (err) {
        throw err instanceof ManifestError ? new ManifestError(err.issues, file) : err;
    }
}

function parseJson(file: string, text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        // V8's messages sometimes quote the source, which may hold anything; report only where.
        throw fileError(file, `is not valid JSON at ${lineAndColumn(text, jsonErrorOffset(text))}`);
    }
}

/**
 * Finds the first offset at which `text` stops being a prefix of some valid JSON document, by
 * binary search: every prefix of a viable prefix is viable. Needed because V8 omits the position
 * from some of its messages.
 */
function jsonErrorOffset(text: string): number {
    const viable = (length: number): boolean => {
        const prefix = text.slice(0, length);
        try {
            JSON.parse(prefix);
            return true;
        } catch (err) {
            const message = (err as Error).message;
            const at = /at position (\d+)/.exec(message);
            return message.includes("end of JSON input") || (at !== null && Number(at[1]) >= prefix.trimEnd().length);
        }
    };
    if (viable(text.length)) {
        return text.length; // the document just ends too early
    }
    let good = 0;
    let bad = text.length;
    while (bad - good > 1) {
        const mid = (good + bad) >> 1;
        if (viable(mid)) {
            good = mid;
        } else {
            bad = mid;
        }
    }
    return bad - 1;
}

// The yaml library's messages can repeat source text (a tag, a scalar header), and a manifest may
// hold a pasted token by mistake: errors are worded here from the error code alone.
const YAML_PROBLEMS: Readonly<Record<string, string>> = {
    DUPLICATE_KEY: "a key appears twice in the same mapping",
    MULTIPLE_DOCS: "holds more than one YAML document; a manifest is one document",
    BAD_INDENT: "the indentation is inconsistent",
    BLOCK_AS_IMPLICIT_KEY: "a block value is used as a mapping key",
    MISSING_CHAR: "a closing bracket, brace or quote is missing",
    MULTILINE_IMPLICIT_KEY: "a mapping key spans more than one line",
    TAB_AS_INDENT: "tabs are used for indentation; use spaces",
    UNEXPECTED_TOKEN: "there is an unexpected character",
    BAD_SCALAR_START: "a plain value starts with a reserved character; quote it",
    TAG_RESOLVE_FAILED: "a tag cannot be resolved",
    ALIAS_PROPS: "an alias has properties",
    BAD_ALIAS: "an alias is invalid or refers to nothing",
};

function parseYaml(file: string, text: string): unknown {
    try {
        // logLevel "error": warnings would otherwise print source lines through process.emitWarning.
        return YAML.parse(text, { uniqueKeys: true, maxAliasCount: 100, prettyErrors: true, logLevel: "error" });
    } catch (err) {
        if (err instanceof YAML.YAMLError) {
            const pos = err.linePos?.[0];
            const where = pos ? ` at line ${pos.line}, column ${pos.col}` : "";
            const reason = YAML_PROBLEMS[err.code] ?? `a syntax error (${err.code})`;
            throw fileError(file, `is not valid YAML${where}: ${reason}`);
        }
        throw fileError(file, "is not valid YAML");
    }
}

function lineAndColumn(text: string, offset: number): string {
    const before = text.slice(0, offset).split("\n");
    return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

function fileError(file: string, message: string): ManifestError {
    return new ManifestError([{ path: "", message }], file);
}
