/* global Buffer */
"use strict";
/**
 * `git http-backend` run as a CGI program for one Node HTTP request: the git half of the fake
 * upstreams in test/sidecar/helpers/gitBackend.ts and test/e2e/fixtures/fake-upstream.js.
 *
 * Plain CommonJS on Node built-ins because the end-to-end fake runs it inside a container that
 * has node and git and nothing else (fakeUpstreams.ts copies it in next to fake-upstream.js).
 *
 * The caller checks the credential and decides which requests are git's before calling
 * `serveGitCgi`; nothing here looks at `Authorization`.
 */
const { spawn } = require("child_process");

/** The three smart-HTTP endpoints under a repository `<name>.git`. */
const GIT_SMART_PATH = /\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/**
 * The server side's identity, for any git in it that asks: the container's uid has no passwd
 * entry for git to make one up from.
 */
const SERVER_IDENTITY = {
    GIT_AUTHOR_NAME: "Fake Upstream",
    GIT_AUTHOR_EMAIL: "upstream@example.invalid",
    GIT_COMMITTER_NAME: "Fake Upstream",
    GIT_COMMITTER_EMAIL: "upstream@example.invalid",
};

/** Enough of http-backend's stderr to explain a failure, without growing with a chatty one. */
const STDERR_LIMIT = 2000;

/** Environment for git commands: no user or system configuration, no prompts, no proxies. */
function gitEnv(home) {
    return {
        PATH: process.env.PATH || "/usr/bin:/bin",
        HOME: home,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_TERMINAL_PROMPT: "0",
        GIT_AUTHOR_NAME: "Agent",
        GIT_AUTHOR_EMAIL: "agent@example.invalid",
        GIT_COMMITTER_NAME: "Agent",
        GIT_COMMITTER_EMAIL: "agent@example.invalid",
    };
}

function plain(res, status, text) {
    if (res.destroyed || res.writableEnded) return;
    if (!res.headersSent) res.writeHead(status, { "Content-Type": "text/plain" });
    res.end(text);
}

/** Answer `req` with `git http-backend` for the repositories under `opts.projectRoot`. */
function serveGitCgi(req, res, opts) {
    let pathInfo;
    try {
        pathInfo = decodeURIComponent(opts.pathInfo);
    } catch {
        req.resume();
        plain(res, 400, "malformed path\n");
        return;
    }
    const env = {
        PATH: process.env.PATH || "/usr/bin:/bin",
        HOME: opts.home,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_PROJECT_ROOT: opts.projectRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        // Stated either way, so that whether a push is accepted does not hinge on http-backend's
        // default (receive-pack only for a request with REMOTE_USER) or on the repository's config.
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.receivepack",
        GIT_CONFIG_VALUE_0: opts.receivePack === false ? "false" : "true",
        GATEWAY_INTERFACE: "CGI/1.1",
        SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
        REQUEST_METHOD: req.method,
        PATH_INFO: pathInfo,
        QUERY_STRING: opts.query,
        CONTENT_TYPE: req.headers["content-type"] || "",
        REMOTE_ADDR: req.socket.remoteAddress || "",
        REMOTE_USER: opts.remoteUser,
        ...SERVER_IDENTITY,
    };
    // Without CONTENT_LENGTH (a chunked upload) http-backend reads until the end of input.
    if (req.headers["content-length"] !== undefined) env.CONTENT_LENGTH = req.headers["content-length"];
    if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = req.headers["content-encoding"];
    if (req.headers["git-protocol"]) env.HTTP_GIT_PROTOCOL = String(req.headers["git-protocol"]);

    let stderr = "";
    let settled = false;
    let headersDone = false;
    const settle = (exitCode, startError) => {
        if (settled) return;
        settled = true;
        if (startError) stderr = `${stderr}${startError}`;
        if (opts.onExit) opts.onExit({ exitCode, stderr: stderr.slice(0, STDERR_LIMIT) });
        if (headersDone) res.end();
        else if (startError) plain(res, 502, "git http-backend did not start\n");
        else plain(res, 502, "git http-backend sent no headers\n");
    };

    let cgi;
    try {
        cgi = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
    } catch (e) {
        // Synchronous refusals (a NUL byte from a %00 in the path, say) never reach "error".
        req.resume();
        settle(null, e instanceof Error ? e.message : String(e));
        return;
    }
    cgi.on("error", (e) => {
        // Only a failed start: a failed kill leaves the running CGI to finish on its own.
        if (cgi.pid !== undefined) return;
        req.unpipe(cgi.stdin);
        req.resume();
        settle(null, e.message);
    });
    cgi.on("close", (code) => settle(code, ""));
    // A client that went away leaves http-backend blocked on its input or output for good.
    res.on("close", () => {
        if (cgi.exitCode === null && cgi.signalCode === null) cgi.kill();
    });

    req.on("data", (c) => {
        if (opts.onBodyBytes) opts.onBodyBytes(c.length);
    });
    // EPIPE when http-backend stops reading early (an error answer): its exit code tells the story.
    cgi.stdin.on("error", () => undefined);
    req.pipe(cgi.stdin);
    cgi.stderr.on("data", (c) => {
        if (stderr.length < STDERR_LIMIT) stderr += c.toString("utf8");
    });
    let head = Buffer.alloc(0);
    cgi.stdout.on("data", (chunk) => {
        if (res.destroyed) return;
        if (headersDone) return void res.write(chunk);
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        headersDone = true;
        let status = 200;
        // Header bytes are not necessarily UTF-8; latin1 maps each byte to one character.
        for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
            const colon = line.indexOf(":");
            if (colon <= 0) continue;
            const name = line.slice(0, colon).trim();
            const value = line.slice(colon + 1).trim();
            if (name.toLowerCase() === "status") status = parseInt(value, 10);
            else res.setHeader(name, value);
        }
        res.writeHead(status);
        res.write(head.subarray(end + 4));
    });
}

module.exports = { GIT_SMART_PATH, gitEnv, serveGitCgi };
