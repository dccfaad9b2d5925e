import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { runPlanCommand } from "../../../cli/plan/command";
import { planResources, renderPlanJson, type PlanDocument } from "../../../cli/plan/document";
import { fakeToken } from "../../helpers/fakeTokens";
import { runUnderMocks } from "../../helpers/pulumiMocks";

const ROOT = path.resolve(__dirname, "../../..");
const EXAMPLE = "stacks/bottles/example.yaml";
const REFS = ["ANTHROPIC_API_KEY", "GITHUB_TOKEN", "GITEA_TOKEN", "NPM_TOKEN"];

interface Result {
    status: number;
    out: string;
    err: string;
}

async function plan(argv: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
    let out = "";
    let err = "";
    const status = await runPlanCommand(argv, {
        io: { out: (t) => (out += t), err: (t) => (err += t) },
        env,
        cwd: ROOT,
        projectDir: ROOT,
    });
    return { status, out, err };
}

describe("npm run plan -- <manifest>: what the component would declare, offline", () => {
    test("prints the resource tree with inputs, the routes, the token slots and the agent's view", async () => {
        const { status, out, err } = await plan([EXAMPLE]);
        expect(err).toBe("");
        expect(status).toBe(0);
        expect(out).toContain('Plan for bottle "example" (stacks/bottles/example.yaml)');
        expect(out).toMatch(/^ {2}cred-proxy:index:CredProxySidecar {2}example$/m);
        expect(out).toMatch(/^ {2}├─ docker:index\/container:Container {2}example-proxy {2}\(delete before replace\)$/m);
        expect(out).toMatch(/^ {2}└─ docker:index\/network:Network {2}example-internal/m);
        expect(out).toMatch(/^ {2}│ {4}envs: \[secret\]$/m);
        expect(out).toMatch(/^ {7}internal: true$/m);
        expect(out).toMatch(
            /^ {2}\/gitea\/gitea\.example\.com\/ +https:\/\/gitea\.example\.com +token +read-write +CRED_PROXY_TOKEN_2 +GITEA_TOKEN$/m,
        );
        expect(out).toMatch(/^ {2}CRED_PROXY_TOKEN_1 +GITHUB_TOKEN$/m);
        expect(out).toContain("Agent (joins example-internal only; the proxy also sits on example-egress)");
        expect(out).toMatch(/^ {4}ANTHROPIC_BASE_URL=http:\/\/cred-proxy:8080\/anthropic$/m);
    });

    test("the routes table says how each route sends its token and what it lets through", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-plan-auth-"));
        try {
            const file = path.join(dir, "auth.yaml");
            fs.writeFileSync(
                file,
                "tokens:\n  - { Kind: anthropic, TokenRef: ANTHROPIC_API_KEY, Auth: api-key }\n  - { Kind: github, TokenRef: GH, Access: read-only }\n",
            );
            const { status, out } = await plan([file]);
            expect(status).toBe(0);
            expect(out).toMatch(
                /^ {2}\/anthropic\/ +https:\/\/api\.anthropic\.com +x-api-key \(bare token\) +read-write +CRED_PROXY_TOKEN_0 +ANTHROPIC_API_KEY$/m,
            );
            expect(out).toMatch(/^ {2}\/gh-api\/ +https:\/\/api\.github\.com +Bearer +read-only +CRED_PROXY_TOKEN_1 +GH$/m);
            expect(out).toMatch(/^ {2}\/gh-git\/ +https:\/\/github\.com +Basic x-access-token +read-only +CRED_PROXY_TOKEN_1 +GH$/m);
            expect(out).toMatch(/^ {4}ANTHROPIC_API_KEY=injected-by-cred-proxy$/m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("--json is a sorted document: the resources with every input, and the stack's outputs", async () => {
        const { status, out } = await plan([EXAMPLE, "--json"]);
        expect(status).toBe(0);
        const doc = JSON.parse(out) as PlanDocument;
        expect(renderPlanJson(doc)).toBe(out); // already in canonical (sorted) form
        expect(doc.bottle).toEqual({
            manifest: EXAMPLE,
            slug: "example",
            image: "cred-proxy:latest",
            port: 8080,
            tokenValues: "placeholders",
        });
        expect(doc.resources.map((r) => `${r.type} ${r.name} <- ${r.parent}`)).toEqual([
            "cred-proxy:index:CredProxySidecar example <- null",
            "docker:index/container:Container example-proxy <- cred-proxy:index:CredProxySidecar::example",
            "docker:index/network:Network example-egress <- cred-proxy:index:CredProxySidecar::example",
            "docker:index/network:Network example-internal <- cred-proxy:index:CredProxySidecar::example",
        ]);
        const container = doc.resources[1].inputs;
        expect(container.envs).toBe("[secret]");
        expect(container.uploads).toEqual([expect.objectContaining({ file: "/etc/cred-proxy/routes.json", permissions: "0444" })]);
        expect(doc.outputs.tokenEnvMap).toEqual({
            CRED_PROXY_TOKEN_0: "ANTHROPIC_API_KEY",
            CRED_PROXY_TOKEN_1: "GITHUB_TOKEN",
            CRED_PROXY_TOKEN_2: "GITEA_TOKEN",
            CRED_PROXY_TOKEN_3: "NPM_TOKEN",
        });
        expect(doc.outputs.routes.map((r) => r.path)).toEqual([
            "/anthropic/",
            "/gh-api/",
            "/gh-git/",
            "/gitea/gitea.example.com/",
            "/npm/",
        ]);
        expect(doc.outputs.agentEnvironment.NPM_CONFIG_REGISTRY).toBe("http://cred-proxy:8080/npm/");
    });

    test("never reads a token: works with none set, ignores set ones, and shows no placeholder", async () => {
        const saved = Object.fromEntries(REFS.map((ref) => [ref, process.env[ref]]));
        try {
            for (const ref of REFS) delete process.env[ref];
            const bare = await plan([EXAMPLE, "--json"]);
            expect(bare.status).toBe(0);
            const values = REFS.map((ref) => fakeToken(ref));
            REFS.forEach((ref, i) => (process.env[ref] = values[i]));
            const withTokens = await plan([EXAMPLE, "--json"], { ...process.env });
            const text = await plan([EXAMPLE], { ...process.env });
            expect(withTokens.out).toBe(bare.out);
            for (const value of values) {
                expect(withTokens.out + text.out).not.toContain(value);
            }
            expect(withTokens.out + text.out).not.toContain("plan-placeholder");
        } finally {
            for (const ref of REFS) {
                if (saved[ref] === undefined) delete process.env[ref];
                else process.env[ref] = saved[ref];
            }
        }
    });

    test("--image, --slug and --port change what is declared", async () => {
        const doc = JSON.parse(
            (await plan([EXAMPLE, "--json", "--image", "reg.example/cred-proxy@sha256:abc", "--slug", "b7", "--port", "9090"])).out,
        ) as PlanDocument;
        expect(doc.bottle).toMatchObject({ slug: "b7", image: "reg.example/cred-proxy@sha256:abc", port: 9090 });
        expect(doc.resources.map((r) => r.name)).toEqual(["b7", "b7-proxy", "b7-egress", "b7-internal"]);
        expect(doc.resources[1].inputs).toMatchObject({ image: "reg.example/cred-proxy@sha256:abc", name: "b7-cred-proxy" });
        expect(doc.resources[1].inputs.command).toEqual(["--port", "9090", "--routes", "/etc/cred-proxy/routes.json"]);
        expect(doc.outputs.proxyUrl).toBe("http://cred-proxy:9090");
    });

    test("a relative manifest is found from where npm run was typed (INIT_CWD)", async () => {
        const { status, out } = await plan(["bottles/example.yaml", "--json"], { INIT_CWD: path.join(ROOT, "stacks") });
        expect(status).toBe(0);
        expect((JSON.parse(out) as PlanDocument).bottle.manifest).toBe(EXAMPLE);
    });
});

describe("a bad manifest or command line", () => {
    let dir: string;
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-plan-"));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("prints every problem with its path, exits 1, no stack trace and never a value", async () => {
        const pasted = fakeToken("pasted");
        const file = path.join(dir, "bad.yaml");
        fs.writeFileSync(
            file,
            YAML.stringify({
                name: "bad",
                tokens: [
                    { Kind: "gitea", TokenRef: "GITEA_TOKEN", Url: `https://user:${pasted}@git.example.com` },
                    { Kind: "npm", TokenRef: "NPM_TOKEN", Token: pasted },
                    { Kind: pasted, TokenRef: "X" },
                ],
            }),
        );
        const { status, out, err } = await plan([file]);
        expect(status).toBe(1);
        expect(out).toBe("");
        expect(err).toContain("(3 problems)");
        expect(err).toContain("tokens[0].Url: must not contain user info");
        expect(err).toContain("tokens[1].Token: unknown key");
        expect(err).toContain("tokens[2].Kind: must be one of anthropic, github, gitea, npm");
        expect(err).not.toContain(pasted);
        expect(err).not.toMatch(/^\s+at /m);
    });

    test("a manifest without tokens, or an unreadable one, is one clean message", async () => {
        const empty = path.join(dir, "empty.yaml");
        fs.writeFileSync(empty, "name: empty\ntokens: []\n");
        const none = await plan([empty]);
        expect(none.status).toBe(1);
        expect(none.err).toMatch(/args\.bottle\.tokens: declares no tokens/);
        const missing = await plan([path.join(dir, "nope.yaml")]);
        expect(missing.status).toBe(1);
        expect(missing.err).toMatch(/nope\.yaml \(1 problem\):\n {2}- file not found\n$/);
    });

    test.each([
        [[], "name one bottle manifest to plan"],
        [["a.yaml", "b.yaml"], "name exactly one bottle manifest"],
        [["a.yaml", "--port", "0"], "--port must be a whole number"],
        [["a.yaml", "--bogus"], "unknown option --bogus"],
        [["--update-snapshots", "a.yaml"], "takes no manifest or other options"],
        [["--update-snapshots", "--check-snapshots"], "exclude each other"],
    ])("%j is a usage error (exit 2)", async (argv, message) => {
        const { status, err } = await plan(argv);
        expect(status).toBe(2);
        expect(err).toContain(message);
        expect(err).toContain("Run with --help for usage.");
    });

    test("--help prints the usage", async () => {
        const { status, out } = await plan(["--help"]);
        expect(status).toBe(0);
        expect(out).toMatch(/^Usage:\n {2}cred-proxy-plan <manifest> \[--json\]/);
    });
});

describe("the plan is what the per-bottle stack program declares", () => {
    test("same resources, parents and inputs (secrets masked) as stacks/bottle.ts with the example stack config", async () => {
        const config = YAML.parse(fs.readFileSync(path.join(ROOT, "stacks/Pulumi.example.yaml"), "utf8")).config as Record<string, string>;
        const run = runUnderMocks(ROOT, "example", {
            env: { PULUMI_CONFIG: JSON.stringify(config), ...Object.fromEntries(REFS.map((ref) => [ref, fakeToken(ref)])) },
        });
        expect(run.error).toBeUndefined();
        const doc = JSON.parse((await plan([EXAMPLE, "--json"])).out) as PlanDocument;
        expect(JSON.parse(JSON.stringify(planResources(run.resources)))).toEqual(doc.resources);
    }, 120_000);
});

describe("the entry points", () => {
    test("start with a node shebang", () => {
        for (const entry of ["plan/main.ts", "bottle/main.ts"]) {
            expect(fs.readFileSync(path.join(ROOT, "cli", entry), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
        }
    });

    test("the built cred-proxy-plan bin prints the committed plan of the example", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const bin = path.join(ROOT, pkg.bin["cred-proxy-plan"]);
        if (!fs.existsSync(bin)) {
            throw new Error(`${pkg.bin["cred-proxy-plan"]} is missing: run \`npm run build\` (npm test does it first)`);
        }
        const child = spawnSync(process.execPath, [bin, EXAMPLE, "--json"], {
            cwd: ROOT,
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "" },
        });
        expect(child.stderr).toBe("");
        expect(child.status).toBe(0);
        expect(child.stdout).toBe(fs.readFileSync(path.join(ROOT, "stacks/plans/example.plan.json"), "utf8"));
    });
});
