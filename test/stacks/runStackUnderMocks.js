// Runs a stack program the way Pulumi's Node.js host does (ts-node registered with the options
// Pulumi derives from the project's tsconfig.json, then `require(main)`), but against the mock
// engine. Config comes from PULUMI_CONFIG, as the host passes it. Prints one JSON document:
// { resources, state, outputs } or { error } (exit 1).
//
// Usage: node runStackUnderMocks.js <project dir> <stack name>
const path = require("path");
const fs = require("fs");

const [projectDir, stackName] = process.argv.slice(2);
const YAML = require("yaml");
const project = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
const tsConfigPath = path.join(projectDir, "tsconfig.json");

// The same steps as @pulumi/pulumi/cmd/run/run.js for a CommonJS package on TypeScript >= 4.7.
const tsutils = require("@pulumi/pulumi/tsutils");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly: process.env.PULUMI_NODEJS_TRANSPILE_ONLY ? process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true" : compilerOptions.noCheck,
    project: tsConfigPath,
    skipProject: false,
    compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});

const { installMocks, settle, valueOf: outputValue } = require(path.join(projectDir, "test/helpers/pulumiMocks"));
const registered = installMocks({ project: project.name, stack: stackName });
const pulumi = require("@pulumi/pulumi");

async function main() {
    const program = require(path.resolve(projectDir, project.main));
    const outputs = {};
    for (const [key, value] of Object.entries(program)) {
        outputs[key] = pulumi.Output.isInstance(value) ? await outputValue(value) : value;
    }
    await settle();
    const state = [...pulumi.runtime.getMonitor().getRegisteredResources().values()];
    process.stdout.write(JSON.stringify({ resources: registered, state, outputs }));
}

main().catch((err) => {
    process.stdout.write(JSON.stringify({ resources: registered, error: { name: err.name, message: err.message, runError: pulumi.RunError.isInstance(err) } }));
    process.exitCode = 1;
});
