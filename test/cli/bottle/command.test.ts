import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runBottleCommand } from "../../../cli/bottle/command";
import type { BottleRun } from "../../../cli/bottle/run";
import { fakeToken } from "../../helpers/fakeTokens";
import { copyFromRepo } from "../../helpers/tempTree";

const TOKENS = {
    ANTHROPIC_API_KEY: fakeToken("a"),
    GITHUB_TOKEN: fakeToken("gh"),
    GITEA_TOKEN: fakeToken("gt"),
    NPM_TOKEN: fakeToken("npm"),
};

let project: string;
let pulumiBin: string;

/** A scratch copy of the project's Pulumi files, and a folder with an executable `pulumi`. */
beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-bottle-"));
    copyFromRepo(project, ["Pulumi.yaml", "stacks/Pulumi.example.yaml", "stacks/bottles/example.yaml"]);
    pulumiBin = path.join(project, "tools/bin");
    fs.mkdirSync(pulumiBin, { recursive: true });
    fs.writeFileSync(path.join(pulumiBin, "pulumi"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

interface Outcome {
    status: number;
    out: string;
    err: string;
    runs: BottleRun[];
}

async function bottle(argv: string[], env: Record<string, string | undefined>): Promise<Outcome> {
    let out = "";
    let err = "";
    const runs: BottleRun[] = [];
    const status = await runBottleCommand(argv, {
        io: { out: (t) => (out += t), err: (t) => (err += t) },
        env,
        cwd: project,
        projectDir: project,
        platform: "linux",
        driver: {
            async run(run) {
                runs.push(run);
                return 0;
            },
        },
    });
    return { status, out, err, runs };
}

const ready = () => ({ PATH: pulumiBin, HOME: path.join(project, "home"), PULUMI_CONFIG_PASSPHRASE: "pass", ...TOKENS });

describe("npm run bottle -- <command> <manifest>: everything checked before Pulumi is called", () => {
    test("preview of the example: stack named after the bottle, default file backend, config already right", async () => {
        const { status, out, err, runs } = await bottle(["preview", "stacks/bottles/example.yaml"], ready());
        expect(err).toBe("");
        expect(status).toBe(0);
        expect(runs).toHaveLength(1);
        expect(runs[0]).toMatchObject({
            operation: "preview",
            stackName: "example",
            slug: "example",
            projectDir: project,
            backend: { url: `file://${project}/.pulumi-state`, localDir: path.join(project, ".pulumi-state") },
            cli: { command: path.join(pulumiBin, "pulumi"), root: path.join(project, "tools") },
            config: { set: [], remove: [] },
            stackConfigFile: path.join(project, "stacks/Pulumi.example.yaml"),
        });
        expect(out).toBe(`preview: stack example (bottle example, stacks/bottles/example.yaml) on file://${project}/.pulumi-state\n`);
    });

    test("--stack, --image and --port become the stack's config", async () => {
        const { status, out, runs } = await bottle(
            ["up", "stacks/bottles/example.yaml", "--stack", "example-staging", "--image", "reg/cred-proxy:2", "--port", "9090"],
            ready(),
        );
        expect(status).toBe(0);
        expect(runs[0].stackName).toBe("example-staging");
        expect(runs[0].stackConfigFile).toBe(path.join(project, "stacks/Pulumi.example-staging.yaml"));
        expect(runs[0].config.set).toEqual([
            { key: "cred-proxy:manifestPath", value: "stacks/bottles/example.yaml", path: false },
            { key: "cred-proxy:image", value: "reg/cred-proxy:2", path: false },
            { key: "cred-proxy:slug", value: "example", path: false },
            { key: "cred-proxy:port", value: "9090", path: true },
        ]);
        expect(out).toContain("  config cred-proxy:port = 9090\n");
    });

    test("PULUMI_BACKEND_URL overrides the backend", async () => {
        const { runs } = await bottle(["outputs", "stacks/bottles/example.yaml"], { ...ready(), PULUMI_BACKEND_URL: "file:///srv/pulumi" });
        expect(runs[0].backend).toEqual({ url: "file:///srv/pulumi" });
    });

    test("a manifest outside the project is stored by absolute path; relative paths start where npm run was typed", async () => {
        const outside = path.join(os.tmpdir(), `cred-proxy-outside-${process.pid}.yaml`);
        fs.writeFileSync(outside, "name: outside\ntokens:\n  - Kind: npm\n    TokenRef: NPM_TOKEN\n");
        try {
            const { runs } = await bottle(["preview", path.basename(outside)], { ...ready(), INIT_CWD: path.dirname(outside) });
            expect(runs[0].stackName).toBe("outside");
            expect(runs[0].config.set[0]).toEqual({ key: "cred-proxy:manifestPath", value: outside, path: false });
        } finally {
            fs.rmSync(outside);
        }
    });

    test("without the Pulumi CLI on PATH: one line saying how to install it, and Pulumi is not called", async () => {
        const { status, err, runs } = await bottle(["preview", "stacks/bottles/example.yaml"], {
            ...ready(),
            PATH: path.join(project, "stacks"),
        });
        expect(status).toBe(1);
        expect(runs).toEqual([]);
        expect(err.split("\n").filter(Boolean)).toHaveLength(1);
        expect(err).toMatch(/^the Pulumi CLI is not installed .*get\.pulumi\.com/);
    });

    test("without a passphrase: says which variables, for every command", async () => {
        const { PULUMI_CONFIG_PASSPHRASE: _unused, ...env } = ready();
        for (const command of ["preview", "up", "destroy", "outputs"]) {
            const { status, err, runs } = await bottle([command, "stacks/bottles/example.yaml"], env);
            expect(status).toBe(1);
            expect(runs).toEqual([]);
            expect(err).toMatch(/^PULUMI_CONFIG_PASSPHRASE is not set \(nor PULUMI_CONFIG_PASSPHRASE_FILE/);
        }
    });

    test("preview and up name each missing token before calling Pulumi; destroy and outputs do not need them", async () => {
        const { GITEA_TOKEN: _a, NPM_TOKEN: _b, ...env } = ready();
        for (const command of ["preview", "up"]) {
            const { status, err, runs } = await bottle([command, "stacks/bottles/example.yaml"], env);
            expect(status).toBe(1);
            expect(runs).toEqual([]);
            expect(err.split("\n").filter(Boolean)).toEqual([
                expect.stringMatching(
                    /^GITEA_TOKEN \(tokens\[2\], gitea\) is not set; export it, or store it in the stack with `pulumi config set --secret --path 'tokens\.GITEA_TOKEN' --stack example`/,
                ),
                expect.stringMatching(/^NPM_TOKEN \(tokens\[3\], npm\) is not set/),
            ]);
        }
        for (const command of ["destroy", "outputs"]) {
            expect((await bottle([command, "stacks/bottles/example.yaml"], env)).status).toBe(0);
        }
    });

    test("a token stored as a stack config secret need not be in the environment", async () => {
        fs.appendFileSync(
            path.join(project, "stacks/Pulumi.example.yaml"),
            "  cred-proxy:tokens:\n    GITEA_TOKEN:\n      secure: v1:AAAA\n",
        );
        const { GITEA_TOKEN: _unused, ...env } = ready();
        expect((await bottle(["up", "stacks/bottles/example.yaml"], env)).status).toBe(0);
    });

    test("every missing prerequisite is reported at once, one line each, never a value", async () => {
        const bad = ` ${fakeToken("padded")}`;
        const { status, err } = await bottle(["up", "stacks/bottles/example.yaml"], { PATH: "", GITHUB_TOKEN: bad });
        expect(status).toBe(1);
        const lines = err.split("\n").filter(Boolean);
        expect(lines).toHaveLength(6); // CLI, passphrase, ANTHROPIC_API_KEY, GITHUB_TOKEN (whitespace), GITEA_TOKEN, NPM_TOKEN
        expect(lines[3]).toBe(
            "GITHUB_TOKEN (tokens[1], github) has leading or trailing whitespace; strip it (a trailing newline from a file or echo is common)",
        );
        expect(err).not.toContain(bad.trim());
    });

    test("a bad manifest prints its problems with their paths, before anything else", async () => {
        fs.writeFileSync(path.join(project, "bad.yaml"), "tokens:\n  - Kind: gitea\n    TokenRef: X\n");
        const { status, err, runs } = await bottle(["up", "bad.yaml"], {});
        expect(status).toBe(1);
        expect(runs).toEqual([]);
        expect(err).toBe(
            "Invalid bottle manifest bad.yaml (1 problem):\n  - tokens[0].Url: is required for gitea entries: the Gitea instance's base URL, such as https://gitea.example.com\n",
        );
    });

    test("a manifest whose name is no slug, without --slug, is refused", async () => {
        fs.writeFileSync(path.join(project, "b.yaml"), "name: Not A Slug\ntokens:\n  - Kind: npm\n    TokenRef: NPM_TOKEN\n");
        const { status, err } = await bottle(["preview", "b.yaml"], ready());
        expect(status).toBe(1);
        expect(err).toMatch(/^b\.yaml: name cannot be used as the bottle's slug/);
        expect((await bottle(["preview", "b.yaml", "--slug", "b"], ready())).runs[0].slug).toBe("b");
    });

    test("outside a clone (no Pulumi.yaml) the command says it drives this repository's stack program", async () => {
        fs.rmSync(path.join(project, "Pulumi.yaml"));
        const { status, err } = await bottle(["preview", "stacks/bottles/example.yaml"], ready());
        expect(status).toBe(1);
        expect(err).toMatch(/Pulumi\.yaml is missing: the bottle command drives this repository's per-bottle stack program/);
    });

    test.each([
        [[], "name a command: preview, up, destroy, outputs"],
        [["deploy", "x.yaml"], 'unknown command "deploy"'],
        [["up"], "up: name the bottle manifest"],
        [["up", "a.yaml", "b.yaml"], "up: name exactly one bottle manifest"],
        [["destroy", "a.yaml", "--image", "i"], "--image applies to preview and up only"],
        [["outputs", "a.yaml", "--port", "1"], "--port applies to preview and up only"],
        [["up", "a.yaml", "--stack", "a b"], "--stack must be a stack name"],
        [["up", "a.yaml", "--port", "http"], "--port must be a whole number"],
    ])("%j is a usage error (exit 2)", async (argv, message) => {
        fs.writeFileSync(path.join(project, "a.yaml"), "tokens:\n  - Kind: npm\n    TokenRef: NPM_TOKEN\n");
        const { status, err, runs } = await bottle(argv, ready());
        expect(status).toBe(2);
        expect(runs).toEqual([]);
        expect(err).toContain(message);
    });

    test("--help prints the usage", async () => {
        const { status, out } = await bottle(["--help"], {});
        expect(status).toBe(0);
        expect(out).toMatch(/^Usage:\n {2}cred-proxy-bottle preview\|up\|destroy\|outputs <manifest>/);
    });
});
