/**
 * Header rewriting in both directions.
 *
 * Headers travel as Node's flat raw arrays ([name, value, name, value, ...]) so that order,
 * spelling and repeated fields survive; only the fields below are removed or set.
 */
import { Route } from "./routesFile";

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
 * - credentials, because the route's own token replaces them;
 * - cookies, because every route shares the proxy's single origin from the agent's point of
 *   view, so a cookie one upstream set would otherwise be sent to all the others;
 * - forwarding metadata, which the agent could forge and the upstream has no use for.
 */
const AGENT_ONLY = new Set(["authorization", "proxy-authorization", "x-api-key", "cookie", "forwarded", "x-real-ip"]);

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

/** Request headers for the upstream: agent headers minus the dropped ones, plus Host and Authorization. */
export function upstreamRequestHeaders(raw: string[], route: Route): string[] {
    const { names, named } = lowerNames(raw);
    const out: string[] = ["Host", route.upstream.host];
    for (let i = 0; i < raw.length; i += 2) {
        const name = names[i >> 1];
        if (name === "host" || HOP_BY_HOP.has(name) || AGENT_ONLY.has(name) || named?.has(name)) continue;
        if (name.startsWith("x-forwarded-")) continue;
        out.push(raw[i], raw[i + 1]);
    }
    out.push("Authorization", `${route.authScheme} ${route.token}`);
    return out;
}

/**
 * Response headers for the agent. Besides hop-by-hop fields and cookies, any field whose value
 * contains the route's token is dropped: an upstream that reflects request headers (a debugging
 * echo endpoint, a redirect carrying the credential) must not hand the token to the agent. Bodies
 * are streamed untouched and cannot be scrubbed; see README.
 */
export function agentResponseHeaders(raw: string[], token: string): { headers: string[]; scrubbed: number } {
    const { names, named } = lowerNames(raw);
    const headers: string[] = [];
    let scrubbed = 0;
    for (let i = 0; i < raw.length; i += 2) {
        const name = names[i >> 1];
        if (HOP_BY_HOP.has(name) || UPSTREAM_ONLY.has(name) || named?.has(name)) continue;
        if (raw[i + 1].includes(token)) {
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
