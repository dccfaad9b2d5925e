/**
 * A Gitea stand-in: a Node HTTP server that checks `Authorization: token <value>` and runs
 * `git http-backend` as a CGI program for everything under its base path.
 */
import { execFile, execFileSync, spawn } from "child_process";
import { IncomingMessage, ServerResponse } from "http";
import { join } from "path";
import { Recorded } from "./upstream";

export const GIT_EXEC_PATH = execFileSync("git", ["--exec-path"]).toString().trim();

/** Environment for git commands: no user or system configuration, no prompts, no proxies. */
export function gitEnv(home: string): Record<string, string> {
    return {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_TERMINAL_PROMPT: "0",
        GIT_AUTHOR_NAME: "Agent",
        GIT_AUTHOR_EMAIL: "agent@example.invalid",
        GIT_COMMITTER_NAME: "Agent",
        GIT_COMMITTER_EMAIL: "agent@example.invalid",
    };
}

/** Runs git asynchronously: the fake upstream lives in this process and must keep serving. */
export function git(cwd: string, home: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("git", args, { cwd, env: gitEnv(home), timeout: 60_000 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`git ${args.join(" ")} failed: ${stderr}`));
            else resolve(stdout);
        });
    });
}

/** A request handler for `startUpstream` serving the repositories under `projectRoot`. */
export function gitHttpBackend(projectRoot: string, basePath: string, token: string) {
    return (req: IncomingMessage, res: ServerResponse, rec: Recorded): void => {
        if (req.headers.authorization !== `token ${token}`) {
            res.writeHead(401, { "WWW-Authenticate": 'Basic realm="gitea"' });
            res.end("unauthorized");
            return;
        }
        const url = new URL(req.url ?? "/", "http://x");
        if (!url.pathname.startsWith(`${basePath}/`)) {
            res.writeHead(404);
            res.end();
            return;
        }
        const env: Record<string, string> = {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            GIT_PROJECT_ROOT: projectRoot,
            GIT_HTTP_EXPORT_ALL: "1",
            GIT_CONFIG_NOSYSTEM: "1",
            HOME: projectRoot,
            REQUEST_METHOD: req.method ?? "GET",
            PATH_INFO: decodeURIComponent(url.pathname.slice(basePath.length)),
            QUERY_STRING: url.search.slice(1),
            REMOTE_USER: "agent",
            REMOTE_ADDR: "127.0.0.1",
            CONTENT_TYPE: req.headers["content-type"] ?? "",
        };
        // Without CONTENT_LENGTH (chunked uploads) http-backend reads until end of input.
        if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
        if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = req.headers["content-encoding"];
        if (req.headers["git-protocol"]) env.HTTP_GIT_PROTOCOL = String(req.headers["git-protocol"]);
        const cgi = spawn(join(GIT_EXEC_PATH, "git-http-backend"), [], { env, stdio: ["pipe", "pipe", "pipe"] });
        req.on("data", (d: Buffer) => (rec.bodyLength += d.length));
        req.pipe(cgi.stdin);
        cgi.stderr.on("data", () => undefined);
        let head = Buffer.alloc(0);
        let headersDone = false;
        cgi.stdout.on("data", (chunk: Buffer) => {
            if (headersDone) return void res.write(chunk);
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf("\r\n\r\n");
            if (end === -1) return;
            headersDone = true;
            let status = 200;
            for (const line of head.subarray(0, end).toString().split("\r\n")) {
                const colon = line.indexOf(":");
                const name = line.slice(0, colon).trim();
                const value = line.slice(colon + 1).trim();
                if (name.toLowerCase() === "status") status = parseInt(value, 10);
                else res.setHeader(name, value);
            }
            res.writeHead(status);
            res.write(head.subarray(end + 4));
        });
        cgi.on("close", () => res.end());
    };
}
