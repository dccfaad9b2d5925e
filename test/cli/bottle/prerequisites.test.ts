import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    backendFor,
    findOnPath,
    findPulumiCli,
    missingCliProblem,
    passphraseProblem,
    tokenProblems,
} from "../../../cli/bottle/prerequisites";
import { parseBottleManifest } from "../../../components/core";
import { fakeToken } from "../../helpers/fakeTokens";

let dir: string;
beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-prereq-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(rel: string, mode: number): string {
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, "#!/bin/sh\n");
    fs.chmodSync(full, mode);
    return full;
}

describe("finding the Pulumi CLI", () => {
    test("a PATH without pulumi (and no ~/.pulumi/bin) finds nothing", () => {
        file("bin/node", 0o755);
        const env = { PATH: [path.join(dir, "bin"), path.join(dir, "empty")].join(path.delimiter), HOME: path.join(dir, "home") };
        expect(findOnPath("pulumi", env, "linux")).toBeUndefined();
        expect(findPulumiCli(env, "linux")).toBeUndefined();
        expect(findPulumiCli({}, "linux")).toBeUndefined();
    });

    test("a pulumi that is not executable, or a folder named pulumi, does not count", () => {
        file("a/pulumi", 0o644);
        fs.mkdirSync(path.join(dir, "b/pulumi"), { recursive: true });
        expect(findPulumiCli({ PATH: `${path.join(dir, "a")}${path.delimiter}${path.join(dir, "b")}` }, "linux")).toBeUndefined();
    });

    test("the first executable pulumi on PATH; a <root>/bin/pulumi gives its root to the Automation API", () => {
        const first = file("tools/bin/pulumi", 0o755);
        file("later/pulumi", 0o755);
        const env = { PATH: [path.join(dir, "nothing"), path.join(dir, "tools/bin"), path.join(dir, "later")].join(path.delimiter) };
        expect(findPulumiCli(env, "linux")).toEqual({ command: first, root: path.join(dir, "tools") });
        expect(findPulumiCli({ PATH: path.join(dir, "later") }, "linux")).toEqual({ command: path.join(dir, "later/pulumi") });
    });

    test("the installer's ~/.pulumi/bin (or $PULUMI_HOME/bin) when PATH has none yet", () => {
        const installed = file("home/.pulumi/bin/pulumi", 0o755);
        expect(findPulumiCli({ PATH: "", HOME: path.join(dir, "home") }, "linux")).toEqual({
            command: installed,
            root: path.join(dir, "home/.pulumi"),
        });
        const custom = file("ph/bin/pulumi", 0o755);
        expect(findPulumiCli({ PULUMI_HOME: path.join(dir, "ph") }, "linux")).toEqual({ command: custom, root: path.join(dir, "ph") });
    });

    test("on Windows, PATHEXT's extensions are tried", () => {
        const exe = file("win/pulumi.EXE", 0o644);
        expect(findOnPath("pulumi", { PATH: path.join(dir, "win"), PATHEXT: ".COM;.EXE" }, "win32")).toBe(exe);
    });

    test("the message for a missing CLI is one line that says how to install it", () => {
        const message = missingCliProblem();
        expect(message).not.toContain("\n");
        expect(message).toMatch(/^the Pulumi CLI is not installed .*curl -fsSL https:\/\/get\.pulumi\.com \| sh/);
    });
});

describe("the backend", () => {
    test("defaults to a file backend in the project's .pulumi-state folder", () => {
        expect(backendFor({}, "/work/proj")).toEqual({ url: "file:///work/proj/.pulumi-state", localDir: "/work/proj/.pulumi-state" });
        expect(backendFor({ PULUMI_BACKEND_URL: "" }, "/work/proj").url).toBe("file:///work/proj/.pulumi-state");
    });

    test("PULUMI_BACKEND_URL overrides it", () => {
        expect(backendFor({ PULUMI_BACKEND_URL: "s3://bucket/bottles" }, "/p")).toEqual({ url: "s3://bucket/bottles" });
    });
});

describe("the passphrase", () => {
    const file = "file:///p/.pulumi-state";

    test("a file (or other self-managed) backend needs PULUMI_CONFIG_PASSPHRASE or _FILE", () => {
        expect(passphraseProblem({}, file, undefined)).toMatch(/^PULUMI_CONFIG_PASSPHRASE is not set \(nor PULUMI_CONFIG_PASSPHRASE_FILE/);
        expect(passphraseProblem({}, "s3://b", undefined)).toMatch(/PULUMI_CONFIG_PASSPHRASE is not set/);
        expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE: "x" }, file, undefined)).toBeUndefined();
        expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE: "" }, file, undefined)).toBeUndefined(); // Pulumi accepts an empty one
    });

    test("PULUMI_CONFIG_PASSPHRASE_FILE must name an existing file, and the message never shows a passphrase", () => {
        const existing = path.join(dir, "pass");
        fs.writeFileSync(existing, "s3cr3t-passphrase\n");
        expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE_FILE: existing }, file, undefined)).toBeUndefined();
        const message = passphraseProblem({ PULUMI_CONFIG_PASSPHRASE_FILE: path.join(dir, "nope") }, file, undefined);
        expect(message).toMatch(/^PULUMI_CONFIG_PASSPHRASE_FILE names a file that does not exist/);
    });

    test("Pulumi Cloud, or a stack with another secrets provider, needs none", () => {
        expect(passphraseProblem({}, "https://api.pulumi.com", undefined)).toBeUndefined();
        expect(passphraseProblem({}, file, "awskms://alias/bottles")).toBeUndefined();
        expect(passphraseProblem({}, file, "passphrase")).toMatch(/is not set/);
    });
});

describe("tokens, checked before Pulumi runs the program", () => {
    const bottle = parseBottleManifest({
        tokens: [
            { Kind: "anthropic", TokenRef: "ANTHROPIC_API_KEY" },
            { Kind: "github", TokenRef: "GITHUB_TOKEN" },
            { Kind: "gitea", TokenRef: "GITHUB_TOKEN", Url: "https://g.example.com" },
            { Kind: "npm", TokenRef: "NPM_TOKEN" },
        ],
    });

    test("each TokenRef missing from the environment and the stack's config secrets is named once, with both ways to set it", () => {
        const problems = tokenProblems(bottle, { NPM_TOKEN: fakeToken("npm") }, new Set(["ANTHROPIC_API_KEY"]), "b1");
        expect(problems).toEqual([
            "GITHUB_TOKEN (tokens[1], github) is not set; export it, or store it in the stack with " +
                "`pulumi config set --secret --path 'tokens.GITHUB_TOKEN' --stack b1`, or remove the token entry",
        ]);
    });

    test("values that cannot be sent as a header are named, never shown", () => {
        const bad = `${fakeToken("gh")}\n`;
        const problems = tokenProblems(bottle, { ANTHROPIC_API_KEY: "", GITHUB_TOKEN: bad, NPM_TOKEN: "ok-token" }, new Set(), "b1");
        expect(problems).toEqual([
            "ANTHROPIC_API_KEY (tokens[0], anthropic) is empty; an empty token is never injected",
            "GITHUB_TOKEN (tokens[1], github) contains a line break (CR or LF), which would break or forge HTTP headers",
        ]);
        expect(problems.join("\n")).not.toContain(bad.trim());
    });

    test("all set: no problems", () => {
        expect(tokenProblems(bottle, { ANTHROPIC_API_KEY: "a", GITHUB_TOKEN: "b", NPM_TOKEN: "c" }, new Set(), "b1")).toEqual([]);
    });
});
