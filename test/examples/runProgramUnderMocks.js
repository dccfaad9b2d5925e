// Runs a Pulumi TypeScript program the way Pulumi's Node.js host does (ts-node, found from the
// program's folder, registered with the options Pulumi derives from the program's tsconfig.json,
// type-checking unless the tsconfig says noCheck; then `require(main)`), against the mock engine
// of the built cred-proxy package. Config comes from PULUMI_CONFIG, as the host passes it (project
// defaults from Pulumi.yaml are not applied: the program's own fallbacks are).
// Prints one JSON document: { resources, state, outputs, resolved, loadedSources } or { error }.
//
// Usage: node runProgramUnderMocks.js <program dir> <stack name>
const path = require("path");
const fs = require("fs");

const [programDir, stackName] = process.argv.slice(2);
const ROOT = path.resolve(__dirname, "../..");
const YAML = require("yaml");
const project = YAML.parse(fs.readFileSync(path.join(programDir, "Pulumi.yaml"), "utf8"));
const tsConfigPath = path.join(programDir, "tsconfig.json");

const fromProgram = (name) => require.resolve(name, { paths: [programDir] });
const tsutils = require(fromProgram("@pulumi/pulumi/tsutils"));
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
require(fromProgram("ts-node")).register({
    compiler: fromProgram("typescript"),
    transpileOnly: Boolean(compilerOptions.noCheck),
    project: tsConfigPath,
    skipProject: false,
    compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});

// The recorder from the built package, so nothing of the repository's TypeScript sources loads.
const { installMocks, settle, valueOf: outputValue } = require(path.join(ROOT, "dist/cli/plan/mockEngine"));
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
    const ours = [path.join(ROOT, "components") + path.sep, path.join(ROOT, "sidecar") + path.sep, path.join(ROOT, "stacks") + path.sep];
    return Object.keys(require.cache).filter((file) => ours.some((dir) => file.startsWith(dir)));
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
        JSON.stringify({
            resources: registered,
            state,
            outputs,
            resolved: fs.realpathSync(fromProgram("cred-proxy")),
            loadedSources: sourcesLoaded(),
        }),
    );
}

main().catch((err) => {
    process.stdout.write(JSON.stringify({ resources: registered, error: { name: err.name, message: String(err.message) } }));
    process.exitCode = 1;
});
