/**
 * Types of gitCgi.js, which stays JavaScript because the end-to-end fake upstream runs it in a
 * container without TypeScript (tsconfig.json has no allowJs).
 */
import type { IncomingMessage, ServerResponse } from "http";

/** How `git http-backend` ended: `exitCode` is null when it never started or was killed. */
export interface GitCgiExit {
    exitCode: number | null;
    /** The start of its stderr, or why it did not start. */
    stderr: string;
}

export interface GitCgiOptions {
    /** GIT_PROJECT_ROOT: the folder holding the repositories. */
    projectRoot: string;
    /** The request path below the caller's base path, still percent-encoded: `/org/repo.git/info/refs`. */
    pathInfo: string;
    /** The query string, without `?`. */
    query: string;
    /** HOME of the CGI. */
    home: string;
    /** REMOTE_USER: the user the caller authenticated. */
    remoteUser: string;
    /** Called with the size of each request body chunk. */
    onBodyBytes?(n: number): void;
    /** Called once, when the CGI has ended or failed to start. */
    onExit?(result: GitCgiExit): void;
    /** Accept pushes (http.receivepack); default true. */
    receivePack?: boolean;
}

/** The three smart-HTTP endpoints under a repository `<name>.git`. */
export declare const GIT_SMART_PATH: RegExp;

/** Environment for git commands: no user or system configuration, no prompts, no proxies. */
export declare function gitEnv(home: string): Record<string, string>;

/**
 * Answer `req` with `git http-backend`, after the caller has authenticated and routed it.
 * 502 when the CGI does not start or sends no headers; the CGI is killed if `res` closes first.
 */
export declare function serveGitCgi(req: IncomingMessage, res: ServerResponse, opts: GitCgiOptions): void;
