/**
 * A git host stand-in (Gitea, github.com): a Node HTTP server that accepts exactly one
 * `Authorization` value, as the real host does its own scheme only, and runs `git http-backend`
 * (test/helpers/gitCgi.js) for everything under its base path.
 */
import { execFile } from "child_process";
import { IncomingMessage, ServerResponse } from "http";
import { gitEnv, serveGitCgi } from "../../helpers/gitCgi";
import { Recorded } from "./upstream";

/** Runs git asynchronously: the fake upstream lives in this process and must keep serving. */
export function git(cwd: string, home: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("git", args, { cwd, env: gitEnv(home), timeout: 60_000 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`git ${args.join(" ")} failed: ${stderr}`));
            else resolve(stdout);
        });
    });
}

/**
 * A request handler for `startUpstream` serving the repositories under `projectRoot` to requests
 * whose `Authorization` is exactly `authorization` (`token <t>` for Gitea, `Basic ...` for github.com).
 */
export function gitHttpBackend(projectRoot: string, basePath: string, authorization: string, realm = "gitea") {
    return (req: IncomingMessage, res: ServerResponse, rec: Recorded): void => {
        if (req.headers.authorization !== authorization) {
            req.resume();
            res.writeHead(401, { "WWW-Authenticate": `Basic realm="${realm}"` });
            res.end("unauthorized");
            return;
        }
        const url = new URL(req.url ?? "/", "http://x");
        if (!url.pathname.startsWith(`${basePath}/`)) {
            req.resume();
            res.writeHead(404);
            res.end();
            return;
        }
        serveGitCgi(req, res, {
            projectRoot,
            pathInfo: url.pathname.slice(basePath.length),
            query: url.search.slice(1),
            home: projectRoot,
            remoteUser: "agent",
            onBodyBytes: (n) => (rec.bodyLength += n),
        });
    };
}
