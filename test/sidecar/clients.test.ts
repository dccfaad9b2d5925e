/**
 * The clients agents really use, through the server run as a child process: the official
 * Anthropic TypeScript SDK streaming a message, and the git command line cloning and pushing
 * over smart HTTP on a `token` route.
 */
import Anthropic from "@anthropic-ai/sdk";
import { randomBytes } from "crypto";
import { mkdirSync, mkdtempSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { ChildProxy, startChildProxy } from "./helpers/child";
import { cloneAndCommit, git, gitHttpBackend, seedRepository } from "./helpers/gitBackend";
import { assertNoLeaks, fakeToken } from "./helpers/leaks";
import { FakeUpstream, headerValues, readBody, startUpstream } from "./helpers/upstream";

const anthropicToken = fakeToken();
const giteaToken = fakeToken();
let anthropicUp: FakeUpstream;
let giteaUp: FakeUpstream;
let child: ChildProxy;
let work: string;

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const STREAM = [
    sse("message_start", {
        type: "message_start",
        message: {
            id: "msg_test",
            type: "message",
            role: "assistant",
            model: "claude-test",
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 7, output_tokens: 1 },
        },
    }),
    sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    sse("ping", { type: "ping" }),
    sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } }),
    sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: ", agent" } }),
    sse("content_block_stop", { type: "content_block_stop", index: 0 }),
    sse("message_delta", {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 3 },
    }),
    sse("message_stop", { type: "message_stop" }),
];

beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "cred-proxy-clients-"));
    anthropicUp = await startUpstream({
        handler: (req, res, rec) =>
            void readBody(req, rec).then(async () => {
                const auth = headerValues(req.rawHeaders, "authorization");
                if (auth.length !== 1 || auth[0] !== `Bearer ${anthropicToken}` || req.headers["x-api-key"] !== undefined) {
                    res.writeHead(401, { "Content-Type": "application/json" });
                    res.end('{"type":"error","error":{"type":"authentication_error","message":"bad credentials"}}');
                    return;
                }
                res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
                for (const event of STREAM) {
                    res.write(event);
                    await new Promise((r) => setTimeout(r, 10));
                }
                res.end();
            }),
    });
    giteaUp = await startUpstream();
    mkdirSync(join(work, "repos"));
    giteaUp.setHandler(gitHttpBackend(join(work, "repos"), "/sub", `token ${giteaToken}`));
    child = await startChildProxy(
        [
            { path: "/anthropic/", upstream: anthropicUp.url, auth_scheme: "Bearer", token_env: "CRED_PROXY_TOKEN_0" },
            {
                path: `/gitea/127.0.0.1:${giteaUp.port}/`,
                upstream: `${giteaUp.url}/sub`,
                auth_scheme: "token",
                token_env: "CRED_PROXY_TOKEN_1",
            },
        ],
        { env: { CRED_PROXY_TOKEN_0: anthropicToken, CRED_PROXY_TOKEN_1: giteaToken } },
    );
});

afterAll(async () => {
    expect(await child.stop()).toBe(0);
    await Promise.all([anthropicUp.close(), giteaUp.close()]);
    assertNoLeaks();
});

describe("Anthropic SDK", () => {
    test.each([
        ["authToken", { authToken: "placeholder", apiKey: null }],
        ["apiKey", { apiKey: "placeholder", authToken: null }],
    ])("streams a message with %s set to a placeholder", async (_name, creds) => {
        const client = new Anthropic({ baseURL: `http://127.0.0.1:${child.port}/anthropic`, maxRetries: 0, ...creds });
        const before = anthropicUp.requests.length;
        const deltas: string[] = [];
        const stream = client.messages.stream({
            model: "claude-test",
            max_tokens: 64,
            messages: [{ role: "user", content: "Say hello" }],
        });
        stream.on("text", (text) => deltas.push(text));
        const message = await stream.finalMessage();
        expect(deltas).toEqual(["Hello", ", agent"]);
        expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "Hello, agent" })]);
        expect(message.stop_reason).toBe("end_turn");
        const rec = anthropicUp.requests[before];
        expect(rec.method).toBe("POST");
        expect(rec.url).toMatch(/^\/v1\/messages(\?|$)/);
        expect(rec.rawHeaders.join("\n")).not.toContain("placeholder");
        expect(headerValues(rec.rawHeaders, "authorization")).toEqual([`Bearer ${anthropicToken}`]);
        expect(JSON.parse(rec.body.toString())).toMatchObject({ model: "claude-test", stream: true });
    });
});

describe("git over smart HTTP", () => {
    test("clone, commit and push through a token route", async () => {
        const home = join(work, "home");
        mkdirSync(home);
        const repos = join(work, "repos");
        await seedRepository(repos, work, home, "owner/project.git");

        const remote = `http://127.0.0.1:${child.port}/gitea/127.0.0.1:${giteaUp.port}/owner/project.git`;
        const clone = join(work, "clone");
        // Big enough, with a small post buffer, to make git stream the pack with chunked encoding.
        await cloneAndCommit(remote, clone, home, { name: "blob.bin", content: randomBytes(3 * 1024 * 1024), message: "agent work" });
        expect((await git(clone, home, ["log", "--format=%s"])).trim().split("\n")).toEqual(["agent work", "seed"]);
        await git(clone, home, ["-c", "http.postBuffer=65536", "push", "origin", "main"]);

        const pushed = await git(repos, home, ["--git-dir", "owner/project.git", "log", "--format=%s", "main"]);
        expect(pushed.trim().split("\n")).toEqual(["agent work", "seed"]);
        const receive = giteaUp.requests.filter((r) => r.url.endsWith("/git-receive-pack"));
        expect(receive.length).toBeGreaterThan(0);
        expect(receive.some((r) => r.headers["transfer-encoding"] === "chunked" && r.bodyLength > 3_000_000)).toBe(true);
        for (const r of giteaUp.requests) {
            expect(r.url.startsWith("/sub/owner/project.git/")).toBe(true);
            expect(headerValues(r.rawHeaders, "authorization")).toEqual([`token ${giteaToken}`]);
        }
    });
});
