/**
 * The credentials the real services accept, each enforced by a fake that follows the service's
 * documented rule, and sent by the clients agents use, through the server in process:
 * - api.anthropic.com takes an API key only in `x-api-key`, and an OAuth token only as
 *   `Authorization: Bearer` with `oauth-2025-04-20` in `anthropic-beta`; anything else is a 401;
 * - github.com's git endpoints take a token only as the password of HTTP Basic (`x-access-token`);
 * - api.github.com takes `Bearer` or `token`; the npm registry takes `Bearer`.
 * The clients: the Anthropic SDK, Claude Code, git, the npm CLI and @octokit/rest.
 */
import Anthropic from "@anthropic-ai/sdk";
import { createHash } from "crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { IncomingMessage, ServerResponse } from "http";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { agentEnvironment, credProxyRoutes, parseBottleManifest, renderCredProxyRoutes } from "../../components/core";
import { parseRoutesFile, parseUpstream, resolveTokens } from "../../sidecar/routesFile";
import { cloneAndCommit, git, gitHttpBackend, seedRepository } from "./helpers/gitBackend";
import { InProcessProxy, route, startInProcess } from "./helpers/inprocess";
import { assertNoLeaks, fakeToken } from "./helpers/leaks";
import { FakeUpstream, Recorded, headerValues, readBody, startUpstream } from "./helpers/upstream";
import { runCommand } from "../helpers/commands";
import { gzipSync } from "zlib";
import tar from "tar-stream";

const oauthToken = `sk-ant-oat01-${fakeToken("oauth")}`;
const apiKey = `sk-ant-api03-${fakeToken("key")}`;
const githubToken = fakeToken("github");
const npmToken = fakeToken("npm");
const LEFT_PAD_INDEX = "module.exports = (s, n) => String(s).padStart(n);\n";

/** A package tarball as npm publishes it: package/package.json and package/index.js, gzipped. */
async function leftPadTarball(): Promise<Buffer> {
    const pack = tar.pack();
    pack.entry({ name: "package/package.json" }, JSON.stringify({ name: "left-pad", version: "1.0.0", main: "index.js" }));
    pack.entry({ name: "package/index.js" }, LEFT_PAD_INDEX);
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    return gzipSync(Buffer.concat(chunks));
}

/**
 * The npm registry as it checks credentials (Bearer only), serving one package. Its packument
 * names the tarball on registry.npmjs.org, as the real one does: npm rewrites that host to the
 * configured registry (its replace-registry-host default), so the tarball comes through the proxy.
 */
function npmRegistry(tarball: Buffer) {
    const integrity = `sha512-${createHash("sha512").update(tarball).digest("base64")}`;
    return (req: IncomingMessage, res: ServerResponse, rec: Recorded): void => {
        void readBody(req, rec).then(() => {
            if (req.headers.authorization !== `Bearer ${npmToken}`) {
                res.writeHead(401, { "Content-Type": "application/json" });
                res.end('{"error":"authentication required"}');
                return;
            }
            if (req.url === "/left-pad") {
                res.writeHead(200, { "Content-Type": "application/json" });
                res.end(
                    JSON.stringify({
                        name: "left-pad",
                        "dist-tags": { latest: "1.0.0" },
                        versions: {
                            "1.0.0": {
                                name: "left-pad",
                                version: "1.0.0",
                                main: "index.js",
                                dist: { tarball: "https://registry.npmjs.org/left-pad/-/left-pad-1.0.0.tgz", integrity },
                            },
                        },
                    }),
                );
                return;
            }
            if (req.url === "/left-pad/-/left-pad-1.0.0.tgz") {
                res.writeHead(200, { "Content-Type": "application/octet-stream" });
                res.end(tarball);
                return;
            }
            res.writeHead(404, { "Content-Type": "application/json" });
            res.end('{"error":"not found"}');
        });
    };
}
const REAL_OAUTH_BETA = "oauth-2025-04-20";

/** Anthropic's Messages API as it checks credentials. */
function anthropicRules(req: IncomingMessage, res: ServerResponse, rec: Recorded): void {
    void readBody(req, rec).then(() => {
        const auth = headerValues(req.rawHeaders, "authorization");
        const keys = headerValues(req.rawHeaders, "x-api-key");
        const betas = headerValues(req.rawHeaders, "anthropic-beta").flatMap((v) => v.split(",").map((b) => b.trim()));
        const byKey = keys.length === 1 && keys[0] === apiKey && auth.length === 0;
        const byOAuth = auth.length === 1 && auth[0] === `Bearer ${oauthToken}` && keys.length === 0 && betas.includes(REAL_OAUTH_BETA);
        if (!byKey && !byOAuth) {
            res.writeHead(401, { "Content-Type": "application/json" });
            res.end('{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}');
            return;
        }
        const text = byKey ? "hello, key" : "hello, oauth";
        const message = {
            id: "msg_test",
            type: "message",
            role: "assistant",
            model: "claude-test",
            content: [{ type: "text", text }],
            stop_reason: "end_turn",
            stop_sequence: null,
            usage: { input_tokens: 3, output_tokens: 2 },
        };
        if ((JSON.parse(rec.body.toString() || "{}") as { stream?: boolean }).stream !== true) {
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(JSON.stringify(message));
            return;
        }
        // A streamed answer as the Messages API sends one: server-sent events, one block of text.
        const events: Array<[string, unknown]> = [
            ["message_start", { type: "message_start", message: { ...message, content: [], stop_reason: null } }],
            ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
            ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }],
            ["content_block_stop", { type: "content_block_stop", index: 0 }],
            [
                "message_delta",
                { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } },
            ],
            ["message_stop", { type: "message_stop" }],
        ];
        res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
        for (const [event, data] of events) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        res.end();
    });
}

/** api.github.com as it checks credentials: `Bearer` or `token` with the account's token. */
function githubApi(req: IncomingMessage, res: ServerResponse, rec: Recorded): void {
    void readBody(req, rec).then(() => {
        const auth = req.headers.authorization;
        if (auth !== `Bearer ${githubToken}` && auth !== `token ${githubToken}`) {
            res.writeHead(401, { "Content-Type": "application/json" });
            res.end('{"message":"Requires authentication"}');
            return;
        }
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ login: "bottle-bot", id: 1, type: "User" }));
    });
}

let anthropicUp: FakeUpstream;
let githubUp: FakeUpstream;
let registryUp: FakeUpstream;
let githubApiUp: FakeUpstream;
let proxy: InProcessProxy;
let work: string;

beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "cred-proxy-services-"));
    anthropicUp = await startUpstream({ handler: anthropicRules });
    githubUp = await startUpstream();
    registryUp = await startUpstream({ handler: npmRegistry(await leftPadTarball()) });
    githubApiUp = await startUpstream({ handler: githubApi });
    mkdirSync(join(work, "repos"));
    const basic = `Basic ${Buffer.from(`x-access-token:${githubToken}`).toString("base64")}`;
    githubUp.setHandler(gitHttpBackend(join(work, "repos"), "", basic, "GitHub"));
    proxy = await startInProcess([
        // The fake stands in for api.anthropic.com, whose Bearer routes carry the OAuth beta
        // (config.test.ts holds the rule that decides this from the upstream's host).
        { ...route("/anthropic/", anthropicUp.url, oauthToken), anthropicOAuth: true },
        route("/anthropic-key/", anthropicUp.url, apiKey, "none", { authHeader: "x-api-key" }),
        route("/gh-git/", githubUp.url, githubToken, "Basic", { authUser: "x-access-token" }),
        route("/npm/", registryUp.url, npmToken),
        route("/gh-api/", githubApiUp.url, githubToken),
        { ...route("/gh-git-ro/", githubUp.url, githubToken, "Basic", { authUser: "x-access-token" }), access: "read-only" },
    ]);
});

afterAll(async () => {
    await proxy.shutdown();
    await Promise.all([anthropicUp.close(), githubUp.close(), registryUp.close(), githubApiUp.close()]);
    rmSync(work, { recursive: true, force: true });
    assertNoLeaks();
});

describe("Anthropic: the SDK with the placeholder the agent's environment gives it", () => {
    test.each([
        ["an OAuth token", "/anthropic", { authToken: "injected-by-cred-proxy", apiKey: null }, "hello, oauth"],
        ["an API key", "/anthropic-key", { apiKey: "injected-by-cred-proxy", authToken: null }, "hello, key"],
    ])("%s: the request carries exactly what the API accepts", async (_what, path, creds, answer) => {
        const client = new Anthropic({ baseURL: `http://127.0.0.1:${proxy.port}${path}`, maxRetries: 0, ...creds });
        const before = anthropicUp.requests.length;
        const message = await client.messages.create(
            { model: "claude-test", max_tokens: 16, messages: [{ role: "user", content: "hi" }] },
            { headers: { "anthropic-beta": "agent-beta-2025" } },
        );
        expect(message.content).toEqual([expect.objectContaining({ type: "text", text: answer })]);
        const rec = anthropicUp.requests[before];
        expect(rec.rawHeaders.join("\n")).not.toContain("injected-by-cred-proxy");
        // The agent's own beta survives either way.
        expect(headerValues(rec.rawHeaders, "anthropic-beta").join(",")).toContain("agent-beta-2025");
    });

    test("without the proxy's rewriting the fake refuses: a key as Bearer, or OAuth without its beta", async () => {
        const asBearer = await fetch(`${anthropicUp.url}/v1/messages`, {
            method: "POST",
            headers: { Authorization: `Bearer ${apiKey}` },
            body: "{}",
        });
        const noBeta = await fetch(`${anthropicUp.url}/v1/messages`, {
            method: "POST",
            headers: { Authorization: `Bearer ${oauthToken}` },
            body: "{}",
        });
        expect([asBearer.status, noBeta.status]).toEqual([401, 401]);
    });
});

describe("Claude Code: one prompt, with only the environment the component gives the agent", () => {
    // The native build @anthropic-ai/claude-code installs for this platform (it runs offline).
    const claude = join(dirname(require.resolve("@anthropic-ai/claude-code/package.json")), "bin", "claude.exe");

    test.each([
        ["oauth", oauthToken, "hello, oauth"],
        ["api-key", apiKey, "hello, key"],
    ] as const)(
        "Auth: %s",
        async (auth, token, answer) => {
            // The whole planned path: manifest, route table, routes file, the server's reading of it
            // (which decides the OAuth beta from api.anthropic.com); only the address is the fake's.
            const planned = credProxyRoutes(
                parseBottleManifest({ tokens: [{ Kind: "anthropic", TokenRef: "ANTHROPIC_TOKEN", Auth: auth }] }),
            );
            const [served] = resolveTokens(parseRoutesFile(renderCredProxyRoutes(planned), "routes file"), {
                [planned[0].tokenEnv]: token,
            });
            const fake = parseUpstream(anthropicUp.url);
            if (typeof fake === "string") throw new Error(fake);
            const own = await startInProcess([{ ...served, upstream: fake }]);
            try {
                const dir = mkdtempSync(join(work, "claude-"));
                const env = {
                    PATH: process.env.PATH ?? "",
                    HOME: dir,
                    ...agentEnvironment(planned, own.port, "127.0.0.1"),
                    // No update checks or telemetry: the bottle has no route to them, and neither has CI.
                    DISABLE_AUTOUPDATER: "1",
                    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
                };
                const before = anthropicUp.requests.length;
                // On a refusal Claude Code retries for minutes; a minute is far more than one answer needs.
                const run = await runCommand(claude, ["-p", "Say hello."], { cwd: dir, env, timeoutMs: 60_000 });
                expect({ code: run.code, stdout: run.stdout.trim() }).toEqual({ code: 0, stdout: answer });
                const seen = anthropicUp.requests.slice(before);
                expect(seen.map((r) => [r.method, r.url.split("?")[0]])).toEqual([["POST", "/v1/messages"]]);
                const sent = seen[0].rawHeaders;
                expect(sent.join("\n")).not.toContain("injected-by-cred-proxy");
                if (auth === "oauth") {
                    expect([headerValues(sent, "authorization"), headerValues(sent, "x-api-key")]).toEqual([[`Bearer ${oauthToken}`], []]);
                    // Given ANTHROPIC_AUTH_TOKEN, Claude Code sends a plain Bearer without the OAuth
                    // beta: the API accepts the request because the proxy adds it to Claude Code's own.
                    const betas = headerValues(sent, "anthropic-beta").join(",").split(",");
                    expect(betas).toEqual(expect.arrayContaining([REAL_OAUTH_BETA, "claude-code-20250219"]));
                } else {
                    expect([headerValues(sent, "authorization"), headerValues(sent, "x-api-key")]).toEqual([[], [apiKey]]);
                }
            } finally {
                await own.shutdown();
            }
        },
        120_000,
    );
});

describe("github.com git: Basic with x-access-token", () => {
    test("clone and push through /gh-git/", async () => {
        const home = join(work, "home");
        mkdirSync(home);
        const repos = join(work, "repos");
        await seedRepository(repos, work, home, "owner/project.git");

        const clone = join(work, "clone");
        const remote = `http://127.0.0.1:${proxy.port}/gh-git/owner/project.git`;
        await cloneAndCommit(remote, clone, home, { name: "agent.txt", content: "work\n", message: "agent work" });
        await git(clone, home, ["push", "origin", "main"]);

        const pushed = await git(repos, home, ["--git-dir", "owner/project.git", "log", "--format=%s", "main"]);
        expect(pushed.trim().split("\n")).toEqual(["agent work", "seed"]);
        expect(githubUp.requests.length).toBeGreaterThan(0);
        expect(githubUp.requests.every((r) => headerValues(r.rawHeaders, "authorization").length === 1)).toBe(true);
        expect(githubUp.requests.some((r) => r.url.endsWith("/git-receive-pack"))).toBe(true);
    });
});

describe("a read-only git route", () => {
    test("git clones through it, and its push is refused before github.com sees it", async () => {
        const home = join(work, "home-ro");
        mkdirSync(home);
        const clone = join(work, "clone-ro");
        const remote = `http://127.0.0.1:${proxy.port}/gh-git-ro/owner/project.git`;
        await cloneAndCommit(remote, clone, home, { name: "more.txt", content: "more\n", message: "not allowed" });
        const before = githubUp.requests.length;
        await expect(git(clone, home, ["push", "origin", "main"])).rejects.toThrow(/403/);
        expect(githubUp.requests.slice(before)).toEqual([]);
        expect(proxy.access).toContainEqual(expect.objectContaining({ route: "/gh-git-ro/", status: 403, reason: "read_only" }));
    });
});

describe("npm: the CLI installs a package, its tarball included, through /npm/", () => {
    test("with only the agent's environment (NPM_CONFIG_REGISTRY), every request carries the bottle's token", async () => {
        const dir = mkdtempSync(join(work, "npm-"));
        const env = {
            PATH: process.env.PATH ?? "",
            HOME: join(dir, "home"),
            NPM_CONFIG_REGISTRY: `http://127.0.0.1:${proxy.port}/npm/`,
            npm_config_cache: join(dir, "cache"),
            npm_config_update_notifier: "false",
            npm_config_audit: "false",
            npm_config_fund: "false",
        };
        writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "agent-project", version: "1.0.0", private: true }));
        const before = registryUp.requests.length;
        const run = await runCommand("npm", ["install", "left-pad@1.0.0", "--no-save"], { cwd: dir, env, timeoutMs: 120_000 });
        expect(run.stderr).not.toMatch(/ERR!/);
        expect(run.code).toBe(0);
        expect(readFileSync(join(dir, "node_modules/left-pad/index.js"), "utf8")).toBe(LEFT_PAD_INDEX);
        const seen = registryUp.requests.slice(before);
        expect(seen.map((r) => r.url)).toEqual(expect.arrayContaining(["/left-pad", "/left-pad/-/left-pad-1.0.0.tgz"]));
        for (const r of seen) expect(headerValues(r.rawHeaders, "authorization")).toEqual([`Bearer ${npmToken}`]);
    }, 120_000);
});

describe("GitHub's API: @octokit/rest through /gh-api/", () => {
    test("an Octokit with no token of its own, pointed at GITHUB_API_URL, is served as the bottle's account", async () => {
        // Octokit is ESM-only: it runs in its own Node process, as in an agent's script.
        const script = [
            'const { Octokit } = require("@octokit/rest");',
            "new Octokit({ baseUrl: process.env.GITHUB_API_URL })",
            "    .rest.users.getAuthenticated()",
            "    .then((r) => process.stdout.write(JSON.stringify({ status: r.status, login: r.data.login })))",
            "    .catch((e) => { process.stderr.write(String(e.status)); process.exitCode = 1; });",
        ].join("\n");
        const before = githubApiUp.requests.length;
        const run = await runCommand(process.execPath, ["-e", script], {
            env: { PATH: process.env.PATH ?? "", GITHUB_API_URL: `http://127.0.0.1:${proxy.port}/gh-api` },
            timeoutMs: 60_000,
        });
        expect(run.stderr).toBe("");
        expect(JSON.parse(run.stdout)).toEqual({ status: 200, login: "bottle-bot" });
        const seen = githubApiUp.requests.slice(before);
        expect(seen.map((r) => [r.method, r.url])).toEqual([["GET", "/user"]]);
        expect(headerValues(seen[0].rawHeaders, "authorization")).toEqual([`Bearer ${githubToken}`]);
    });
});
