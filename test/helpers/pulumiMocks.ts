// The mock-runtime recorder lives in the package (the offline plan command uses it too); the
// tests import it from here, together with the leak-hunting helpers and the program runner below.
import { spawnSync } from "child_process";
import * as path from "path";
import { isSecretWrapper, type RegisteredResource } from "../../cli/plan/mockEngine";

export { installMocks, isSecretWrapper, SECRET_SIG, SECRET_SIG_VALUE, settle, valueOf } from "../../cli/plan/mockEngine";
export type { MockOptions, RegisteredResource } from "../../cli/plan/mockEngine";

/**
 * Paths at which `needle` appears in `value` outside any secret wrapper: every such path is a
 * leak. Keys are searched too, since a value can end up as a map key.
 */
export function plaintextOccurrences(value: unknown, needle: string, path = "$"): string[] {
    if (isSecretWrapper(value)) {
        return [];
    }
    if (typeof value === "string") {
        return value.includes(needle) ? [path] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => plaintextOccurrences(v, needle, `${path}[${i}]`));
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => [
            ...(k.includes(needle) ? [`${path} (key)`] : []),
            ...plaintextOccurrences(v, needle, `${path}.${k}`),
        ]);
    }
    return [];
}

/** Every string found inside secret wrappers, so tests can check a secret did arrive. */
export function secretStrings(value: unknown, inSecret = false): string[] {
    if (isSecretWrapper(value)) {
        return secretStrings(value.value, true);
    }
    if (typeof value === "string") {
        return inSecret ? [value] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v) => secretStrings(v, inSecret));
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).flatMap((v) => secretStrings(v, inSecret));
    }
    return [];
}

/** What `runUnderMocks` reports: runUnderMocks.js's document, with the child's exit status. */
export interface ProgramRun {
    resources: RegisteredResource[];
    state?: unknown[];
    outputs?: Record<string, unknown>;
    /** The real path `cred-proxy` resolves to from the program's folder, when it resolves. */
    resolved?: string;
    /** This repository's sources (components/, sidecar/, stacks/) the program loaded. */
    loadedSources?: string[];
    error?: { name: string; message: string; runError: boolean };
    status: number | null;
    stderr: string;
}

/**
 * Runs a Pulumi program in a child process as Pulumi's Node.js host would, under the mock engine
 * (runUnderMocks.js). The child gets PATH, HOME and `env` only: no token of this process leaks in.
 */
export function runUnderMocks(
    programDir: string,
    stack: string,
    options: { env?: Record<string, string>; mocks?: "source" | "dist"; cwd?: string } = {},
): ProgramRun {
    const child = spawnSync(
        process.execPath,
        [path.join(__dirname, "runUnderMocks.js"), programDir, stack, `--mocks=${options.mocks ?? "source"}`],
        {
            cwd: options.cwd ?? programDir,
            env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
            encoding: "utf8",
            timeout: 120_000,
        },
    );
    const out = child.stdout.trim();
    if (!out.startsWith("{")) {
        throw new Error(`the program printed no result (status ${child.status}): ${child.stderr}`);
    }
    return { ...JSON.parse(out), status: child.status, stderr: child.stderr };
}
