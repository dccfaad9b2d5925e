/**
 * A git host stand-in (Gitea, github.com): a Node HTTP server that accepts exactly one
 * `Authorization` value, as the real host does its own scheme only, and runs `git http-backend`
 * (test/helpers/gitCgi.js) for everything under its base path.
 */
import { execFile } from "child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { dirname, join } from "path";
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
 * Creates the bare repository `name` under `repos`, accepting pushes, with one commit ("seed",
 * README.md) on `main`, made in a scratch clone under `work`.
 */
export async function seedRepository(repos: string, work: string, home: string, name: string): Promise<void> {
    const seed = mkdtempSync(join(work, "seed-"));
    mkdirSync(join(repos, dirname(name)), { recursive: true });
    await git(repos, home, ["init", "--bare", "-b", "main", name]);
    await git(repos, home, ["--git-dir", name, "config", "http.receivepack", "true"]);
    await git(work, home, ["init", "-b", "main", seed]);
    writeFileSync(join(seed, "README.md"), "hello\n");
    await git(seed, home, ["add", "README.md"]);
    await git(seed, home, ["commit", "-m", "seed"]);
    await git(seed, home, ["push", join(repos, name), "main"]);
}

/** Clones `remote` into `clone` and commits one file there: an agent's work, ready to push. */
export async function cloneAndCommit(
    remote: string,
    clone: string,
    home: string,
    file: { name: string; content: string | Buffer; message: string },
): Promise<void> {
    await git(dirname(clone), home, ["clone", remote, clone]);
    writeFileSync(join(clone, file.name), file.content);
    await git(clone, home, ["add", file.name]);
    await git(clone, home, ["commit", "-m", file.message]);
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
