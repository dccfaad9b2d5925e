import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { CliError } from "../errors";
import { DEFAULT_IMAGE } from "../defaults";
import { stackShortName } from "../stackName";

/** The config namespace of the per-bottle stack program (the Pulumi project's name). */
export const CONFIG_NAMESPACE = "cred-proxy";
const key = (name: string) => `${CONFIG_NAMESPACE}:${name}`;

/** What the bottle command needs to know of a stack's `Pulumi.<stack>.yaml`, read without Pulumi. */
export interface StackConfigFile {
    manifestPath?: string;
    hasInlineManifest: boolean;
    image?: string;
    slug?: string;
    port?: string;
    /** TokenRefs stored as `tokens.<TokenRef>` (secrets; only their names are read). */
    tokenRefs: Set<string>;
    /** The stack's `secretsprovider`, when it names one. */
    secretsProvider?: string;
}

export function stackConfigPath(stackConfigDir: string, stackName: string): string {
    return path.join(stackConfigDir, `Pulumi.${stackShortName(stackName)}.yaml`);
}

/** Reads a stack's config file; a stack without one has an empty config. */
export function readStackConfigFile(file: string): StackConfigFile {
    const empty: StackConfigFile = { hasInlineManifest: false, tokenRefs: new Set() };
    if (!fs.existsSync(file)) {
        return empty;
    }
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch {
        throw new CliError(`${file} is not valid YAML; fix or remove it`);
    }
    const top = isObject(doc) ? doc : {};
    const config = isObject(top.config) ? top.config : {};
    const get = (name: string): unknown => config[key(name)] ?? config[name];
    const text = (name: string): string | undefined => {
        const value = get(name);
        return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
    };
    const tokens = get("tokens");
    return {
        manifestPath: text("manifestPath"),
        hasInlineManifest: get("manifest") !== undefined,
        image: text("image"),
        slug: text("slug"),
        port: text("port"),
        tokenRefs: new Set(isObject(tokens) ? Object.keys(tokens) : []),
        secretsProvider: typeof top.secretsprovider === "string" ? top.secretsprovider : undefined,
    };
}

/** What the command wants the stack's config to say. */
export interface DesiredConfig {
    /** Relative to the project folder when the manifest is inside it, as the program resolves it. */
    manifestPath: string;
    /** `--image`; when absent the stack keeps its image, and a new stack gets cred-proxy:latest. */
    image?: string;
    slug: string;
    /** `--port`; when absent the stack keeps its port (default 8080). */
    port?: number;
}

export interface ConfigChange {
    key: string;
    value: string;
    /**
     * Set with `--path`: the CLI then stores a number as a YAML integer, which the `integer` type
     * declared in Pulumi.yaml requires (a plain `config set` stores the string "9090").
     */
    path: boolean;
}

export interface ConfigPlan {
    set: ConfigChange[];
    remove: string[];
}

/**
 * The config changes that make a stack run this bottle, and only those: a stack whose config
 * already says the same is left untouched (its `Pulumi.<stack>.yaml` may be committed). The slug
 * is written only when it differs from the stack name, the program's default for it.
 */
export function planConfigChanges(desired: DesiredConfig, stackName: string, current: StackConfigFile): ConfigPlan {
    const plan: ConfigPlan = { set: [], remove: [] };
    const want = (name: string, value: string, asPath = false) => plan.set.push({ key: key(name), value, path: asPath });
    if (current.hasInlineManifest) {
        // The program takes exactly one of manifest and manifestPath.
        plan.remove.push(key("manifest"));
    }
    if (current.manifestPath !== desired.manifestPath) {
        want("manifestPath", desired.manifestPath);
    }
    const image = desired.image ?? current.image ?? DEFAULT_IMAGE;
    if (current.image !== image) {
        want("image", image);
    }
    const slugIsDefault = current.slug === undefined && desired.slug === stackShortName(stackName);
    if (current.slug !== desired.slug && !slugIsDefault) {
        want("slug", desired.slug);
    }
    if (desired.port !== undefined && current.port !== String(desired.port)) {
        want("port", String(desired.port), true);
    }
    return plan;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
