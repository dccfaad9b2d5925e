/**
 * Request-target safety checks and route matching.
 *
 * Matching works on the raw bytes of the path, never on a decoded form, so a prefix has exactly
 * one spelling and the rest of the path reaches the upstream unchanged. Because the upstream
 * (or something behind it) may decode that rest, once or several times, every decoding of the
 * path is checked for dot segments, backslashes and control characters: none of them may let a
 * request climb out of the route's upstream path.
 */
import { Route } from "./routesFile";

export type TargetCheck =
    | { ok: true; path: string; query: string }
    /** `refusal`: the access log's reason, `target` or `query_credential`. */
    | { ok: false; reason: string; refusal: "target" | "query_credential" };

export interface RouteMatch {
    route: Route;
    /** Path (and query) to request from the upstream. */
    upstreamTarget: string;
}

// pchar (RFC 3986) plus "/", and "[" "]" which clients leave as they are in IPv6 Gitea prefixes:
// anything else in a path must be percent-encoded by the client.
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%[\]]*$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const ENCODED = /%[0-9A-Fa-f]{2}/;
// Printable ASCII without "#" (clients never send fragments) and "\" (some servers read it as "/").
const QUERY_CHARS = /^[\x21-\x22\x24-\x5b\x5d-\x7e]*$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\x00-\x1f\x7f]/;
/**
 * Query parameters that services behind the proxy read as credentials, some of them before the
 * Authorization header (Gitea reads `token` and `access_token` first; OAuth 2 resource servers
 * may read `access_token`, RFC 6750 2.3; GitLab reads `private_token`). One the agent sent would
 * let a token it holds act through the proxy, so requests carrying one are refused.
 */
const CREDENTIAL_PARAMS = new Set(["access_token", "token", "private_token", "api_key", "apikey"]);
// A query can only name one of them if it mentions one of these, or encodes something.
const MAY_NAME_CREDENTIAL = /token|key|%/i;

// Each round undoes one layer of percent-encoding; anything still encoded after that is refused
// rather than guessed about.
const MAX_DECODE_ROUNDS = 3;

/** Checks a raw request target (`req.url`) and splits it into path and query (with its "?"). */
export function checkTarget(target: string): TargetCheck {
    if (!target.startsWith("/")) {
        return refused("request target must be a path (absolute-form and authority-form are refused)");
    }
    const q = target.indexOf("?");
    const path = q === -1 ? target : target.slice(0, q);
    const query = q === -1 ? "" : target.slice(q);
    if (!PATH_CHARS.test(path)) return refused("path contains a character that must be percent-encoded");
    if (BAD_PERCENT.test(path)) return refused("path contains a malformed percent-escape");
    if (path.includes("//")) return refused("path contains an empty segment");
    if (!QUERY_CHARS.test(query.slice(1))) {
        return refused("query contains a character that must be percent-encoded");
    }
    const credential = credentialParam(query);
    if (credential !== undefined) {
        return {
            ok: false,
            reason: `query parameter "${credential}" is a credential: the proxy sends the route's own, remove it`,
            refusal: "query_credential",
        };
    }
    let view = path;
    for (let round = 0; ; round++) {
        if (hasDotSegment(view)) return refused('path contains a "." or ".." segment');
        if (view.includes("\\")) return refused("path contains a backslash");
        if (CONTROL.test(view)) return refused("path contains a control character");
        if (!ENCODED.test(view)) break;
        if (round === MAX_DECODE_ROUNDS) return refused("path is percent-encoded too many times");
        view = percentDecode(view);
    }
    return { ok: true, path, query };
}

function refused(reason: string): TargetCheck {
    return { ok: false, reason, refusal: "target" };
}

/**
 * The credential parameter `query` (with its "?") names, in our own spelling, or undefined. Names
 * are compared as servers read them: "+" as a space, percent-escapes decoded once, any case,
 * "&" or ";" between pairs, and a trailing "[]" (Rails' array form) ignored.
 */
function credentialParam(query: string): string | undefined {
    if (query.length < 2 || !MAY_NAME_CREDENTIAL.test(query)) return undefined;
    for (const pair of query.slice(1).split(/[&;]/)) {
        const eq = pair.indexOf("=");
        const raw = (eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, " ");
        const name = percentDecode(raw).toLowerCase().replace(/\[\]$/, "");
        if (CREDENTIAL_PARAMS.has(name)) return name;
    }
    return undefined;
}

/** True when a segment, split on "/" or "\" and ignoring ";params", is "." or "..". */
function hasDotSegment(path: string): boolean {
    if (!path.includes(".")) return false; // the common case, without splitting
    return path.split(/[/\\]/).some((segment) => {
        const name = segment.split(";")[0];
        return name === "." || name === "..";
    });
}

/** Decodes every %XX to the byte it names (as a Latin-1 char), whether or not it is valid UTF-8. */
function percentDecode(s: string): string {
    return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Methods a read-only route forwards anywhere: they read, by RFC 9110's definition of safe. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Why a read-only route refuses a request, or undefined when it forwards it. Reads pass (`GET`,
 * `HEAD`, `OPTIONS`), and so does a git fetch, whose one `POST` is to `git-upload-pack`; a push
 * (`git-receive-pack`, or its ref advertisement `info/refs?service=git-receive-pack`) and every
 * other write are refused. Decided on the raw target: a spelling that is not literally one of the
 * allowed endpoints is refused, never decoded into one.
 */
export function readOnlyRefusal(method: string, path: string, query: string): string | undefined {
    if (path.endsWith("/git-receive-pack")) return "git pushes (git-receive-pack) are refused on a read-only route";
    if (method === "POST" && path.endsWith("/git-upload-pack")) return undefined;
    if (!SAFE_METHODS.has(method)) return `${method} is refused on a read-only route; it forwards GET, HEAD, OPTIONS and git fetches`;
    if (path.endsWith("/info/refs") && query !== "") {
        const services = new URLSearchParams(query.slice(1)).getAll("service");
        if (services.some((s) => s !== "git-upload-pack")) return "git pushes (git-receive-pack) are refused on a read-only route";
    }
    return undefined;
}

/** Longest-prefix route lookup on whole path segments. */
export class RouteTable {
    private readonly routes: Route[];

    constructor(routes: Route[]) {
        // Longest first, so "/gitea/a/b/" wins over "/gitea/a/".
        this.routes = [...routes].sort((a, b) => b.path.length - a.path.length);
    }

    /** All configured prefixes, for the start-up line. */
    prefixes(): string[] {
        return this.routes.map((r) => r.path);
    }

    /**
     * Finds the route for an already checked path. Route paths end with "/", so a plain prefix
     * test only matches whole segments ("/anthropicx/" is not under "/anthropic/"). The prefix
     * without its slash ("/anthropic") maps to the upstream's own path: it names the route's
     * root, and answering it directly saves a redirect that would point at the proxy's address.
     */
    match(path: string, query: string): RouteMatch | undefined {
        for (const route of this.routes) {
            const base = route.upstream.basePath;
            if (path.startsWith(route.path)) {
                return { route, upstreamTarget: `${base}/${path.slice(route.path.length)}${query}` };
            }
            if (path === route.path.slice(0, -1)) {
                return { route, upstreamTarget: `${base || "/"}${query}` };
            }
        }
        return undefined;
    }
}
