/** One problem found in a bottle manifest: where it is and what to do about it. */
export interface ManifestIssue {
    /** Property path in the manifest, e.g. `tokens[2].Url`; empty for the document itself. */
    path: string;
    message: string;
}

/**
 * A bottle manifest that cannot be used. Every problem is listed at once so that a user fixes the
 * whole manifest in one round; messages name paths and rules, never the values found there.
 */
export class ManifestError extends Error {
    readonly issues: ManifestIssue[];
    /** The file the manifest came from, when it came from one. */
    readonly file?: string;

    constructor(issues: ManifestIssue[], file?: string) {
        super(formatIssues(issues, file));
        this.name = "ManifestError";
        this.issues = issues;
        this.file = file;
    }
}

function formatIssues(issues: ManifestIssue[], file?: string): string {
    const where = file ? `bottle manifest ${file}` : "bottle manifest";
    const noun = issues.length === 1 ? "problem" : "problems";
    const lines = issues.map((i) => `  - ${i.path ? `${i.path}: ` : ""}${i.message}`);
    return `Invalid ${where} (${issues.length} ${noun}):\n${lines.join("\n")}`;
}

/** Renders a property path the way users write it: `tokens[2].Url`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
    let out = "";
    for (const part of path) {
        if (typeof part === "number") {
            out += `[${part}]`;
        } else {
            const key = String(part);
            out += out === "" ? key : `.${key}`;
        }
    }
    return out;
}
