/**
 * Header rewriting in both directions.
 *
 * Headers travel as Node's flat raw arrays ([name, value, name, value, ...]) so that order,
 * spelling and repeated fields survive; only the fields below are removed or set.
 */
import { ANTHROPIC_OAUTH_BETA, Route } from "./routesFile";

/** Hop-by-hop fields (RFC 9110 7.6.1, plus the non-standard ones proxies still see). */
const HOP_BY_HOP = new Set([
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
]);

/**
 * Agent fields that never reach an upstream:
 * - credentials, because the route's own token replaces them, and every header some service
 *   behind the proxy reads as one (GitLab's `Private-Token` and `Job-Token`, `X-Auth-Token`): sent
 *   alongside the injected token, it would let a token the agent holds act through the proxy;
 * - cookies (`Cookie` and the obsolete `Cookie2`), because every route shares the proxy's single
 *   origin from the agent's point of view, so a cookie one upstream set would otherwise be sent to
 *   all the others;
 * - forwarding metadata, which the agent could forge and the upstream has no use for;
 * - overrides of the target or the method that frameworks honour behind a proxy (IIS and
 *   Symfony's `X-Original-URL`/`X-Rewrite-URL`, Rails and Express's `X-HTTP-Method-Override` and
 *   kin, `X-Host`): the request the proxy checked must be the request the upstream serves.
 */
const AGENT_ONLY = new Set([
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "private-token",
    "job-token",
    "x-auth-token",
    "cookie",
    "cookie2",
    "forwarded",
    "x-real-ip",
    "x-host",
    "x-original-host",
    "x-original-url",
    "x-original-uri",
    "x-rewrite-url",
    "x-override-url",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
]);

/** Upstream fields the agent never sees (cookies: same single-origin reason as above). */
const UPSTREAM_ONLY = new Set(["set-cookie", "set-cookie2"]);

/** Framing fields a `Connection` header may not remove: Node re-frames bodies itself. */
const FRAMING = new Set(["content-length", "host"]);

/**
 * Adds the names listed in one `Connection` field value, lower-cased, to `into` (created when
 * first needed). Hop-by-hop names are left out: both callers drop those anyway, so the usual
 * `Connection: keep-alive` costs no set.
 */
function addConnectionTokens(value: string, into: Set<string> | undefined): Set<string> | undefined {
    for (const token of value.includes(",") ? value.split(",") : [value]) {
        const name = token.trim().toLowerCase();
        if (name && !FRAMING.has(name) && !HOP_BY_HOP.has(name)) (into ??= new Set()).add(name);
    }
    return into;
}

/**
 * The lower-cased name of every field of a raw header list (one `toLowerCase` per field, not
 * one per field per pass), and the names listed in its `Connection` fields.
 */
function lowerNames(raw: string[]): { names: string[]; named: Set<string> | undefined } {
    const names = new Array<string>(raw.length >> 1);
    let named: Set<string> | undefined;
    for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase();
        names[i >> 1] = name;
        if (name === "connection") named = addConnectionTokens(raw[i + 1], named);
    }
    return { names, named };
}

/**
 * Request headers for the upstream: agent headers minus the dropped ones, plus Host and the
 * route's credential. `credentialHeaders` (lower-case) are the fields any route of the table
 * carries a token in: what the agent sends under one of those names is its own credential for
 * some service behind the proxy, and reaches no upstream. On an Anthropic OAuth route the agent's
 * `anthropic-beta` values are kept and the OAuth beta added, in one field.
 */
export function upstreamRequestHeaders(
    raw: string[],
    route: Route,
    credentialHeaders: ReadonlySet<string> = new Set([route.authHeader.toLowerCase()]),
): string[] {
    const { names, named } = lowerNames(raw);
    const out: string[] = ["Host", route.upstream.host];
    let betas: string[] | undefined;
    for (let i = 0; i < raw.length; i += 2) {
        const name = names[i >> 1];
        if (name === "host" || HOP_BY_HOP.has(name) || AGENT_ONLY.has(name) || named?.has(name) || credentialHeaders.has(name)) continue;
        if (name.startsWith("x-forwarded-")) continue;
        if (route.anthropicOAuth && name === "anthropic-beta") {
            (betas ??= []).push(...raw[i + 1].split(","));
            continue;
        }
        out.push(raw[i], raw[i + 1]);
    }
    if (route.anthropicOAuth) {
        const merged = new Set((betas ?? []).map((b) => b.trim()).filter((b) => b !== ""));
        merged.add(ANTHROPIC_OAUTH_BETA);
        out.push("anthropic-beta", [...merged].join(","));
    }
    out.push(route.authHeader, route.credential);
    return out;
}

/**
 * Finds any of the proxy's tokens in text from an upstream. Every route's token is looked for,
 * not just the answering route's: when two routes share an upstream, one route's token reflected
 * to the other's agent is as much a leak. The search ignores case (a token echoed in another case
 * is still shown) and also looks for each token percent-encoded, as a URL in `Location` would
 * carry it.
 */
export class TokenMatcher {
    private readonly forms: string[];

    constructor(tokens: readonly string[]) {
        const forms = new Set<string>();
        for (const token of tokens) {
            forms.add(token.toLowerCase());
            forms.add(encodeURIComponent(token).toLowerCase());
        }
        this.forms = [...forms];
    }

    /**
     * A matcher for every route's token, and for what a route sends that hides it: the base64
     * of a Basic credential carries the token without containing it.
     */
    static forRoutes(routes: readonly Route[]): TokenMatcher {
        return new TokenMatcher(
            routes.flatMap((r) => (r.authScheme === "Basic" ? [r.token, r.credential.slice("Basic ".length)] : [r.token])),
        );
    }

    foundIn(text: string): boolean {
        const lower = text.toLowerCase();
        for (const form of this.forms) if (lower.includes(form)) return true;
        return false;
    }
}

/**
 * Response headers for the agent. Besides hop-by-hop fields and cookies, any field whose name or
 * value carries a token is dropped: an upstream that reflects request headers (a debugging echo
 * endpoint, a redirect carrying the credential, a header named after it) must not hand a token to
 * the agent. Bodies are streamed untouched and cannot be scrubbed; see README.
 */
export function agentResponseHeaders(raw: string[], tokens: TokenMatcher): { headers: string[]; scrubbed: number } {
    const { names, named } = lowerNames(raw);
    const headers: string[] = [];
    let scrubbed = 0;
    for (let i = 0; i < raw.length; i += 2) {
        const name = names[i >> 1];
        if (HOP_BY_HOP.has(name) || UPSTREAM_ONLY.has(name) || named?.has(name)) continue;
        if (tokens.foundIn(raw[i + 1]) || tokens.foundIn(name)) {
            scrubbed++;
            continue;
        }
        headers.push(raw[i], raw[i + 1]);
    }
    return { headers, scrubbed };
}

/** What the server needs to know about an agent's request headers, from one pass over them. */
export interface RequestHeaderFacts {
    /** Why the message length is ambiguous (see `framingProblem`), or undefined. */
    framing: string | undefined;
    /** An `Upgrade` field is present. */
    upgrade: boolean;
    /** The request carries a body (see `hasRequestBody`). */
    withBody: boolean;
    /** A `Content-Length` field is present. */
    contentLength: boolean;
    /** The declared body length, when there is exactly one `Content-Length` field. */
    bodyLength: number | undefined;
}

export function requestHeaderFacts(raw: string[]): RequestHeaderFacts {
    let contentLengths = 0;
    let transferEncodings = 0;
    let otherCoding = false;
    let upgrade = false;
    let withBody = false;
    let bodyLength: number | undefined;
    for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase();
        if (name === "content-length") {
            contentLengths++;
            // Node's parser has already refused anything but digits here.
            bodyLength = Number(raw[i + 1].trim());
            if (bodyLength !== 0) withBody = true;
        } else if (name === "transfer-encoding") {
            transferEncodings++;
            withBody = true;
            // Node accepts e.g. "gzip, chunked" and "identity"; re-framed as plain chunked the
            // upstream would misread the body, so only plain chunked is forwarded.
            if (raw[i + 1].trim().toLowerCase() !== "chunked") otherCoding = true;
        } else if (name === "upgrade") {
            upgrade = true;
        }
    }
    let framing: string | undefined;
    if (contentLengths > 1) framing = "more than one Content-Length header";
    else if (contentLengths > 0 && transferEncodings > 0) framing = "both Content-Length and Transfer-Encoding";
    else if (transferEncodings > 1) framing = "more than one Transfer-Encoding header";
    else if (otherCoding) framing = "a Transfer-Encoding other than chunked";
    if (contentLengths !== 1) bodyLength = undefined;
    return { framing, upgrade, withBody, contentLength: contentLengths > 0, bodyLength };
}

/**
 * Request-smuggling guards on top of Node's parser, which already rejects most conflicts: a
 * message whose length is ambiguous is refused rather than re-framed.
 */
export function framingProblem(raw: string[]): string | undefined {
    return requestHeaderFacts(raw).framing;
}

/** Whether the agent's request carries a body (so it must be streamed, and cannot be retried). */
export function hasRequestBody(raw: string[]): boolean {
    return requestHeaderFacts(raw).withBody;
}
