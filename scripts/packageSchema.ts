import * as fs from "fs";
import * as path from "path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { CredProxySidecar } from "../components/credProxySidecar/component";

/** The committed schema snapshot, relative to the package folder. `npm run schema:update` writes it. */
export const SCHEMA_SNAPSHOT = "schema.json";

/**
 * The Pulumi package name the Node.js plugin host derives from package.json `name` (its
 * run-plugin command): the scope becomes the namespace, other characters outside
 * `[-a-zA-Z0-9_]` become `-`. It is the first part of every type token.
 */
export function pluginPackageName(npmName: string): string {
    const match = /^(@[^/]+\/)?(.+)$/.exec(npmName);
    if (match === null) {
        throw new Error(`package.json name ${JSON.stringify(npmName)} is not a package name`);
    }
    return match[2].replace(/[^-a-zA-Z0-9_]/g, "-");
}

/**
 * The package schema exactly as the plugin host answers GetSchema: the same `ComponentProvider`
 * (Pulumi's analyzer over the TypeScript sources, from the package folder's tsconfig.json and the
 * entry point it finds there), with the options `pulumi-language-nodejs` gives it when it runs the
 * plugin folder. Returns the host's own JSON text.
 */
export async function hostSchema(packageDir: string): Promise<string> {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { name: string };
    const provider = new ComponentProvider({
        name: pluginPackageName(pkg.name),
        dirname: packageDir,
        components: [CredProxySidecar],
    });
    return provider.getSchema();
}

/** The snapshot's text for a schema: indented JSON, so that changes show up as readable diffs. */
export function renderSchema(schemaJson: string): string {
    return `${JSON.stringify(JSON.parse(schemaJson), null, 2)}\n`;
}
