import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { BottleManifest } from "../components";
import { loadBottleManifest, ManifestError, parseBottleManifest } from "../components";

/** The per-bottle stack's settings, read from config and checked before anything is declared. */
export interface BottleStackConfig {
    bottle: BottleManifest;
    image: string;
    slug: string;
    port?: number;
    tokenValues: Record<string, pulumi.Input<string>>;
}

/** The project folder: manifest paths in config are relative to it, whatever the working dir. */
const PROJECT_DIR = path.resolve(__dirname, "..");

export function readBottleStackConfig(config = new pulumi.Config("cred-proxy")): BottleStackConfig {
    const manifestPath = config.get("manifestPath");
    const inline = config.getObject<unknown>("manifest");
    if ((manifestPath === undefined) === (inline === undefined)) {
        throw new pulumi.RunError(
            "cred-proxy: set exactly one of cred-proxy:manifestPath (a manifest file) and cred-proxy:manifest (an inline object)",
        );
    }
    let bottle: BottleManifest;
    try {
        bottle = manifestPath !== undefined ? loadBottleManifest(path.resolve(PROJECT_DIR, manifestPath)) : parseBottleManifest(inline);
    } catch (err) {
        // A RunError prints just the listed problems, not a stack trace.
        throw err instanceof ManifestError ? new pulumi.RunError(err.message) : err;
    }
    const tokens = config.getObject<Record<string, unknown>>("tokens") ?? {};
    const tokenValues: Record<string, pulumi.Input<string>> = {};
    for (const [ref, value] of Object.entries(tokens)) {
        if (typeof value !== "string") {
            throw new pulumi.RunError(
                `cred-proxy:tokens.${ref} must be a string; set it with pulumi config set --secret --path 'tokens.${ref}'`,
            );
        }
        tokenValues[ref] = pulumi.secret(value);
    }
    return {
        bottle,
        image: config.require("image"),
        slug: config.get("slug") ?? pulumi.getStack(),
        port: config.getNumber("port"),
        tokenValues,
    };
}
