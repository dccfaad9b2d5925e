/**
 * A newcomer's main job, exactly as the README's quick start says it: in a copy of this
 * repository, with no Pulumi CLI on PATH and no token set, run the block's lines one by one. `up`
 * must provide the engine (the engine script, from its cache here), build the proxy image when it
 * is missing, say loudly that the tokens are placeholders, bring the example bottle up healthy and
 * print what the agent gets; `destroy` must take it all down again.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BUILT_BY_LABEL } from "../../cli/bottle/provision";
import { BOTTLE_LABEL } from "./helpers/bottle";
import { runCommand, type CommandResult } from "../helpers/commands";
import { REPO_ROOT, describeEngine, docker, removeContainer, removeNetwork } from "./helpers";

/** The shell lines of the first `sh` block under "## Quick start". */
function quickStartLines(): string[] {
    const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Quick start"));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
    if (block === undefined) throw new Error("README.md has no sh block under ## Quick start");
    return block
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
}

/** The working tree as git sees it (tracked and new files, nothing ignored), copied to `dir`. */
function copyWorkingTree(dir: string): void {
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: REPO_ROOT,
        encoding: "utf8",
    })
        .split("\0")
        .filter((f) => f !== "" && !/^stacks\/Pulumi\.(e2e|bench)-/.test(f));
    for (const f of files) {
        const from = path.join(REPO_ROOT, f);
        try {
            mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
            copyFileSync(from, path.join(dir, f));
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // deleted but not yet committed
        }
    }
}

/** PATH without any folder that holds a `pulumi`: the newcomer has none. */
function pathWithoutPulumi(): string {
    return (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter((d) => {
            try {
                execFileSync("test", ["-e", path.join(d, "pulumi")]);
                return false;
            } catch {
                return true;
            }
        })
        .join(path.delimiter);
}

function shell(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
    return runCommand("bash", ["-c", line], { cwd, env, timeoutMs: 0 });
}

async function bottleLeftovers(slug: string): Promise<{ containers: string[]; networks: string[] }> {
    const label = `${BOTTLE_LABEL}=${slug}`;
    const containers = await docker().listContainers({ all: true, filters: { label: [label] } });
    const networks = await docker().listNetworks({ filters: { label: [label] } });
    return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id) };
}

describeEngine("the README's quick start", () => {
    const lines = quickStartLines();
    const clone = mkdtempSync(path.join(os.tmpdir(), "cred-proxy-quickstart-"));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithoutPulumi(), INIT_CWD: clone };
    // The newcomer has set nothing: no token, no backend, no passphrase beyond the README's.
    for (const key of [
        "ANTHROPIC_API_KEY",
        "GITHUB_TOKEN",
        "GITEA_TOKEN",
        "NPM_TOKEN",
        "PULUMI_BACKEND_URL",
        "PULUMI_CONFIG_PASSPHRASE",
        "NODE_OPTIONS",
        "JEST_WORKER_ID",
    ]) {
        delete env[key];
    }
    const slug = "example";

    beforeAll(async () => {
        if ((await bottleLeftovers(slug)).containers.length > 0) {
            throw new Error(`a bottle "${slug}" already runs on this engine; the quick start would collide with it`);
        }
        // A cred-proxy:latest this command built earlier goes, so the build is shown; a user's own stays.
        const [key, value] = BUILT_BY_LABEL.split("=");
        const ours = (await docker().listImages({ filters: { reference: ["cred-proxy:latest"] } })).filter(
            (i) => i.Labels?.[key] === value,
        );
        if (ours.length > 0) await docker().getImage("cred-proxy:latest").remove();
        copyWorkingTree(clone);
    }, 120_000);

    afterAll(async () => {
        const left = await bottleLeftovers(slug);
        for (const c of left.containers) await removeContainer(c);
        for (const n of left.networks) await removeNetwork(n);
        rmSync(clone, { recursive: true, force: true });
    }, 120_000);

    it("has the three lines: npm ci, up with placeholder tokens, destroy", () => {
        expect(lines).toHaveLength(3);
        expect(lines[0]).toBe("npm ci");
        expect(lines[1]).toMatch(/npm run bottle -- up stacks\/bottles\/example\.yaml --placeholder-tokens$/);
        expect(lines[2]).toMatch(/npm run bottle -- destroy stacks\/bottles\/example\.yaml$/);
    });

    it("npm ci sets the copy up", async () => {
        const r = await shell(lines[0], clone, env);
        expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
    }, 600_000);

    it("up provides the engine and the image, says the tokens are placeholders, and prints what the agent gets", async () => {
        const r = await shell(lines[1], clone, env);
        const printed = `${r.stdout}\n${r.stderr}`;
        expect({ code: r.code, printed: r.code === 0 ? "" : printed }).toEqual({ code: 0, printed: "" });
        expect(r.stderr).toMatch(/No Pulumi CLI found: providing one with \.ci\/pulumi-engine\.sh/);
        expect(r.stderr).toMatch(/Pulumi CLI ready in \d+\.\d s/);
        expect(r.stderr).toMatch(
            /Proxy image cred-proxy:latest (built in \d+\.\d s|\(found on the Docker engine\))|Proxy image: cred-proxy:latest \(found/,
        );
        expect(r.stderr).toMatch(/PLACEHOLDER TOKENS for ANTHROPIC_API_KEY, GITHUB_TOKEN, GITEA_TOKEN, NPM_TOKEN/);
        expect(r.stdout).toMatch(/The bottle's proxy example-cred-proxy is up and healthy \(pulumi up took \d+\.\d s\)/);
        expect(r.stdout).toContain("joins network example-internal only");
        expect(r.stdout).toContain("ANTHROPIC_BASE_URL=http://cred-proxy:8080/anthropic");
        const info = await docker().getContainer("example-cred-proxy").inspect();
        expect(info.State.Health?.Status).toBe("healthy");
        expect(info.Config.Image).toBe("cred-proxy:latest");
    }, 1_200_000);

    it("destroy takes the bottle down: no container or network of it is left", async () => {
        const r = await shell(lines[2], clone, env);
        expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
        expect(r.stdout).toMatch(/- 5 deleted/);
        expect(await bottleLeftovers(slug)).toEqual({ containers: [], networks: [] });
    }, 300_000);
});
