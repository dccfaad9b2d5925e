import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { CliError } from "./errors";

/** This package's name: the folder that holds a package.json with it is the project folder. */
export const PACKAGE_NAME = "cred-proxy";

/**
 * The project folder: the nearest folder at or above `start` whose package.json is this
 * package's. Works from the TypeScript sources (cli/) and from dist/cli/.
 */
export function findPackageRoot(start: string): string {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest)) {
            try {
                if (JSON.parse(fs.readFileSync(manifest, "utf8")).name === PACKAGE_NAME) {
                    return dir;
                }
            } catch {
                // not ours; keep looking
            }
        }
        if (path.dirname(dir) === dir) {
            throw new CliError(`cannot find the ${PACKAGE_NAME} package folder above ${start}`);
        }
    }
}

/** The Pulumi project settings the bottle command relies on. */
export interface PulumiProject {
    dir: string;
    name: string;
    /** Folder of the `Pulumi.<stack>.yaml` files (the project's `stackConfigDir`, or the project folder). */
    stackConfigDir: string;
}

/**
 * Reads `Pulumi.yaml` in the package folder. The bottle command drives this repository's stack
 * program (stacks/bottle.ts), which is not part of the published package: run it from a clone.
 */
export function readPulumiProject(dir: string): PulumiProject {
    const file = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(file)) {
        throw new CliError(
            `${file} is missing: the bottle command drives this repository's per-bottle stack program; run it from a clone of the repository`,
        );
    }
    const settings = YAML.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; stackConfigDir?: unknown } | null;
    const name = typeof settings?.name === "string" ? settings.name : PACKAGE_NAME;
    const configDir = typeof settings?.stackConfigDir === "string" ? settings.stackConfigDir : ".";
    return { dir, name, stackConfigDir: path.resolve(dir, configDir) };
}

/**
 * The folder relative paths on the command line are resolved against: where the user typed the
 * command. `npm run` changes to the package folder and passes the original folder as INIT_CWD.
 */
export function invocationDir(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
    return env.INIT_CWD ? path.resolve(env.INIT_CWD) : cwd;
}

/** A path as shown in plans and stored in stack config: relative to the project when inside it, with `/`. */
export function projectRelative(projectDir: string, file: string): string {
    const rel = path.relative(projectDir, path.resolve(file));
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
        return path.resolve(file);
    }
    return rel.split(path.sep).join("/");
}
