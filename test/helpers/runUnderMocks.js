// Runs a Pulumi TypeScript program the way Pulumi's Node.js host does, against the mock engine:
// ts-node, typescript and Pulumi's tsutils found from the program's folder, registered with the
// options Pulumi derives from the program's tsconfig.json (type-checking unless
// PULUMI_NODEJS_TRANSPILE_ONLY or the tsconfig's noCheck says otherwise, as
// @pulumi/pulumi/cmd/run/run.js decides), then `require(main)`. Config comes from PULUMI_CONFIG,
// as the host passes it (project defaults from Pulumi.yaml are not applied: the program's own
// fallbacks are). Plain JavaScript: it must register ts-node before any TypeScript loads.
//
// Prints one JSON document: { resources, state, outputs, resolved, loadedSources } or
// { resources, error: { name, message, runError } } (exit 1). `resolved` is the real path of the
// `cred-proxy` package as the program resolves it, when it does.
//
// Usage: node runUnderMocks.js <program dir> <stack name> [--mocks=source|dist]
//   source (default): the mock engine from cli/plan/mockEngine.ts, compiled by the program's ts-node
//   dist: from the built package (dist/), so that none of this repository's TypeScript loads, as
//         for a program that imports the package rather than living in it
"use strict";
const path = require("path");
const fs = require("fs");

const [programDir, stackName, ...flags] = process.argv.slice(2);
const mocksFrom = flags.includes("--mocks=dist") ? "dist" : "source";
const ROOT = path.resolve(__dirname, "../..");
const YAML = require("yaml");
const project = YAML.parse(fs.readFileSync(path.join(programDir, "Pulumi.yaml"), "utf8"));
const tsConfigPath = path.join(programDir, "tsconfig.json");

const fromProgram = (name) => require.resolve(name, { paths: [programDir] });
const tsutils = require(fromProgram("@pulumi/pulumi/tsutils"));
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
const transpileOnlyEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
require(fromProgram("ts-node")).register({
    compiler: fromProgram("typescript"),
    transpileOnly: transpileOnlyEnv ? transpileOnlyEnv === "true" : Boolean(compilerOptions.noCheck),
    project: tsConfigPath,
    skipProject: false,
    compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});

const mockEngine = mocksFrom === "dist" ? path.join(ROOT, "dist/cli/plan/mockEngine.js") : path.join(ROOT, "cli/plan/mockEngine");
const { installMocks, settle, valueOf: outputValue } = require(mockEngine);
// `docker.getNetwork` (the component's check of a network passed in) finds the networks the program
// itself declared, with the `internal` flag it declared them with, as the real provider would.
const NETWORK = "docker:index/network:Network";
const declaredNetworks = new Proxy(
    {},
    {
        get(_target, name) {
            const network = registered.find((r) => r.type === NETWORK && r.inputs.name === name);
            return network && { internal: network.inputs.internal === true };
        },
    },
);
const registered = installMocks({ project: project.name, stack: stackName, existingNetworks: declaredNetworks });
const pulumi = require(fromProgram("@pulumi/pulumi"));

function sourcesLoaded() {
    const ours = ["components", "sidecar", "stacks"].map((dir) => path.join(ROOT, dir) + path.sep);
    return Object.keys(require.cache).filter((file) => ours.some((dir) => file.startsWith(dir)));
}

function resolvedPackage() {
    try {
        return fs.realpathSync(fromProgram("cred-proxy"));
    } catch {
        return undefined;
    }
}

async function main() {
    const program = require(path.resolve(programDir, project.main ?? "index.ts"));
    const outputs = {};
    for (const [key, value] of Object.entries(program)) {
        outputs[key] = pulumi.Output.isInstance(value) ? await outputValue(value) : value;
    }
    await settle();
    const state = [...pulumi.runtime.getMonitor().getRegisteredResources().values()];
    process.stdout.write(
        JSON.stringify({ resources: registered, state, outputs, resolved: resolvedPackage(), loadedSources: sourcesLoaded() }),
    );
}

main().catch((err) => {
    const error = { name: err.name, message: String(err.message), runError: pulumi.RunError.isInstance(err) };
    process.stdout.write(JSON.stringify({ resources: registered, error }));
    process.exitCode = 1;
});
