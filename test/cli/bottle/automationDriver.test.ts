import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderOutputs, pulumiFailure } from "../../../cli/bottle/automationDriver";
import { runBottleCommand } from "../../../cli/bottle/command";
import { requireBuiltDist } from "../../helpers/dist";
import { copyFromRepo } from "../../helpers/tempTree";

// The Automation API driver, run against a stand-in for the Pulumi CLI (fixtures/fake-pulumi.js)
// that records how it is called, so every call can be asserted (test/e2e runs the real one).
const ROOT = path.resolve(__dirname, "../../..");
const FAKE = path.join(__dirname, "fixtures/fake-pulumi.js");
const TOKENS = { ANTHROPIC_API_KEY: "a-token", GITHUB_TOKEN: "b-token", GITEA_TOKEN: "c-token", NPM_TOKEN: "d-token" };

interface Call {
    args: string[];
    cwd: string;
    backend?: string;
    passphraseSet: boolean;
}

let project: string;
let log: string;
let fakeBin: string;
const saved: Record<string, string | undefined> = {};

beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-driver-"));
    copyFromRepo(project, ["Pulumi.yaml", "stacks/Pulumi.example.yaml", "stacks/bottles/example.yaml"]);
    fakeBin = path.join(project, "fake-pulumi/bin");
    fs.mkdirSync(fakeBin, { recursive: true });
    fs.copyFileSync(FAKE, path.join(fakeBin, "pulumi"));
    fs.chmodSync(path.join(fakeBin, "pulumi"), 0o755);
    log = path.join(project, "calls.jsonl");
    // The Automation API runs the CLI with this process's environment (plus the workspace's).
    for (const name of ["FAKE_PULUMI_LOG", "FAKE_PULUMI_NO_STACK", "FAKE_PULUMI_FAIL", "PATH"]) saved[name] = process.env[name];
    process.env.FAKE_PULUMI_LOG = log;
    process.env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`;
    // With no engine events from the stand-in, the Automation API warns that the summary is empty.
    jest.spyOn(console, "warn").mockImplementation(() => undefined);
});

afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
    jest.restoreAllMocks();
    fs.rmSync(project, { recursive: true, force: true });
});

async function bottle(argv: string[], extraEnv: Record<string, string> = {}) {
    let out = "";
    let err = "";
    const status = await runBottleCommand(argv, {
        io: { out: (t) => (out += t), err: (t) => (err += t) },
        env: { PATH: fakeBin, PULUMI_CONFIG_PASSPHRASE: "pass", ...TOKENS, ...extraEnv },
        cwd: project,
        projectDir: project,
    });
    const calls: Call[] = fs.existsSync(log)
        ? fs
              .readFileSync(log, "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l))
        : [];
    return { status, out, err, calls, commands: calls.map((c) => c.args.filter((a) => !a.startsWith("tcp://")).join(" ")) };
}

describe("the Automation API driver, against a stand-in Pulumi CLI", () => {
    test("preview: this project as workDir, the default file backend (created), config written, preview --diff streamed", async () => {
        const { status, out, err, calls, commands } = await bottle([
            "preview",
            "stacks/bottles/example.yaml",
            "--stack",
            "staging",
            "--port",
            "9090",
        ]);
        expect(err).toBe("");
        expect(status).toBe(0);
        expect(commands).toEqual([
            "version",
            "stack select --stack staging --non-interactive",
            "config set-all --stack staging --plaintext cred-proxy:manifestPath=stacks/bottles/example.yaml --plaintext cred-proxy:image=cred-proxy:latest --plaintext cred-proxy:slug=example --non-interactive",
            "config set --path cred-proxy:port --stack staging --plaintext --non-interactive -- 9090",
            "preview --diff --color never --exec-kind auto.local --event-log --stack staging --non-interactive",
        ]);
        // `pulumi version` (the CLI check) runs before the workspace exists; every other call runs in it.
        for (const call of calls.filter((c) => c.args[0] !== "version")) {
            expect(call.cwd).toBe(project);
            expect(call.backend).toBe(`file://${project}/.pulumi-state`);
        }
        expect(fs.statSync(path.join(project, ".pulumi-state")).isDirectory()).toBe(true);
        expect(out).toContain("preview: stack staging, 4 resources\n");
    });

    test("up, then outputs as sorted JSON", async () => {
        const up = await bottle(["up", "stacks/bottles/example.yaml"]);
        expect(up.status).toBe(0);
        expect(up.commands).toContain("up --yes --skip-preview --color never --exec-kind auto.local --stack example --non-interactive");
        expect(up.commands.filter((c) => c.startsWith("config"))).toEqual([]); // the committed stack config already says it all
        // After up: what the agent gets, read back from the stack's outputs.
        expect(up.commands).toContain("stack output --json --stack example --non-interactive");
        expect(up.out).toMatch(/The bottle's proxy example-cred-proxy is up and healthy \(pulumi up took \d+\.\d s\)\.\n/);
        expect(up.out).toContain(
            "The agent container joins network example-internal only, with this environment:\n  CRED_PROXY_URL=http://cred-proxy:8080\n",
        );
        expect(up.out).toContain("(as JSON: npm run -s bottle -- outputs stacks/bottles/example.yaml)\n");
        const outputs = await bottle(["outputs", "stacks/bottles/example.yaml"]);
        expect(outputs.status).toBe(0);
        expect(outputs.out.slice(outputs.out.indexOf("{"))).toBe(
            '{\n  "agentEnvironment": {\n    "CRED_PROXY_URL": "http://cred-proxy:8080"\n  },\n  "containerName": "example-cred-proxy",\n  "internalNetworkName": "example-internal",\n  "proxyUrl": "http://cred-proxy:8080"\n}\n',
        );
    });

    test("destroy of a stack that does not exist: says so, creates nothing", async () => {
        process.env.FAKE_PULUMI_NO_STACK = "1";
        const { status, err, commands } = await bottle(["destroy", "stacks/bottles/example.yaml"]);
        expect(status).toBe(1);
        expect(err).toBe(`there is no stack example on file://${project}/.pulumi-state: nothing to destroy\n`);
        expect(commands).toEqual(["version", "stack select --stack example --non-interactive"]);
    });

    test("a failing operation: Pulumi's output is streamed, then one line says what failed", async () => {
        process.env.FAKE_PULUMI_FAIL = "up";
        const { status, out, err } = await bottle(["up", "stacks/bottles/example.yaml"]);
        expect(status).toBe(1);
        expect(out).toContain("up output before the failure\n");
        expect(err).toBe("error: up failed on purpose\npulumi up failed for stack example; see its output above\n");
    });

    test("a failing config step reports Pulumi's error line, not the whole command result", async () => {
        process.env.FAKE_PULUMI_FAIL = "config";
        const { status, err } = await bottle(["preview", "stacks/bottles/example.yaml", "--image", "other"]);
        expect(status).toBe(1);
        expect(err).toBe("writing the config of stack example failed: config failed on purpose\n");
    });

    test("PULUMI_BACKEND_URL is passed on, and no local state folder is made", async () => {
        const { status, calls } = await bottle(["outputs", "stacks/bottles/example.yaml"], { PULUMI_BACKEND_URL: "file:///elsewhere" });
        expect(status).toBe(0);
        expect(new Set(calls.filter((c) => c.args[0] !== "version").map((c) => c.backend))).toEqual(new Set(["file:///elsewhere"]));
        expect(fs.existsSync(path.join(project, ".pulumi-state"))).toBe(false);
    });
});

describe("the driver's output helpers", () => {
    test("outputs are sorted and a secret one is masked", () => {
        expect(renderOutputs({ b: { value: 1, secret: false }, a: { value: "s", secret: true } })).toBe(
            '{\n  "a": "[secret]",\n  "b": 1\n}\n',
        );
    });

    test("a failed command is summarised by its error lines only", () => {
        const err = new Error("code: 255\n stdout: lots of output\n stderr: warning: x\nerror: passphrase must be set\n\n err?: \n");
        expect(pulumiFailure("selecting stack s", err).message).toBe("selecting stack s failed: passphrase must be set");
        expect(pulumiFailure("x", new Error("boom\nmore")).message).toBe("x failed: boom");
    });
});

describe("the built cred-proxy-bottle bin", () => {
    const bin = () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const file = path.join(ROOT, pkg.bin["cred-proxy-bottle"]);
        requireBuiltDist();
        return file;
    };
    const nodeDir = path.dirname(process.execPath);

    // Without CRED_PROXY_NO_PROVISION the bin would build the engine (test/e2e/quickstart.test.ts).
    test("with no pulumi on PATH and provisioning off: one line, exit 1", () => {
        const child = spawnSync(process.execPath, [bin(), "preview", "stacks/bottles/example.yaml"], {
            cwd: ROOT,
            encoding: "utf8",
            env: { PATH: nodeDir, HOME: project, PULUMI_CONFIG_PASSPHRASE: "p", CRED_PROXY_NO_PROVISION: "1", ...TOKENS },
        });
        expect(child.status).toBe(1);
        expect(child.stdout).toBe("");
        expect(child.stderr).toMatch(/^the Pulumi CLI is not installed [^\n]*\n$/);
    });

    test("drives this repository's project with the CLI it finds", () => {
        const child = spawnSync(process.execPath, [bin(), "outputs", "stacks/bottles/example.yaml"], {
            cwd: ROOT,
            encoding: "utf8",
            env: {
                PATH: `${fakeBin}${path.delimiter}${nodeDir}`,
                HOME: project,
                PULUMI_CONFIG_PASSPHRASE: "p",
                PULUMI_BACKEND_URL: `file://${project}/state`,
                FAKE_PULUMI_LOG: log,
            },
        });
        expect(child.stderr).toBe("");
        expect(child.status).toBe(0);
        expect(JSON.parse(child.stdout.slice(child.stdout.indexOf("{"))).proxyUrl).toBe("http://cred-proxy:8080");
        const calls = fs
            .readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as Call);
        expect(new Set(calls.filter((c) => c.args[0] !== "version").map((c) => c.cwd))).toEqual(new Set([ROOT]));
    });
});
