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

/** Names listed in every `Connection` field of a raw header list, lower-cased. */
function connectionTokens(raw: string[]): Set<string> {
    const out = new Set<string>();
    for (let i = 0; i < raw.length; i += 2) {
        if (raw[i].toLowerCase() !== "connection") continue;
        for (const token of raw[i + 1].split(",")) {
            const name = token.trim().toLowerCase();
            if (name && !FRAMING.has(name)) out.add(name);
        }
    }
    return out;
}

/** Request headers for the upstream: agent headers minus the dropped ones, plus Host and Authorization. */
export function upstreamRequestHeaders(raw: string[], route: Route): string[] {
    const named = connectionTokens(raw);
    const out: string[] = ["Host", route.upstream.host];
    for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase();
        if (name === "host" || HOP_BY_HOP.has(name) || AGENT_ONLY.has(name) || named.has(name)) continue;
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
    const named = connectionTokens(raw);
    const headers: string[] = [];
    let scrubbed = 0;
    for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase();
        if (HOP_BY_HOP.has(name) || UPSTREAM_ONLY.has(name) || named.has(name)) continue;
        if (raw[i + 1].includes(token)) {
            scrubbed++;
            continue;
        }
        headers.push(raw[i], raw[i + 1]);
    }
    return { headers, scrubbed };
}

/**
 * Request-smuggling guards on top of Node's parser, which already rejects most conflicts: a
 * message whose length is ambiguous is refused rather than re-framed.
 */
export function framingProblem(raw: string[]): string | undefined {
    let contentLengths = 0;
    let transferEncodings = 0;
    let otherCoding = false;
    for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase();
        if (name === "content-length") contentLengths++;
        if (name === "transfer-encoding") {
            transferEncodings++;
            // Node accepts e.g. "gzip, chunked" and "identity"; re-framed as plain chunked the
            // upstream would misread the body, so only plain chunked is forwarded.
            if (raw[i + 1].trim().toLowerCase() !== "chunked") otherCoding = true;
        }
    }
    if (contentLengths > 1) return "more than one Content-Length header";
    if (contentLengths > 0 && transferEncodings > 0) return "both Content-Length and Transfer-Encoding";
    if (transferEncodings > 1) return "more than one Transfer-Encoding header";
    if (otherCoding) return "a Transfer-Encoding other than chunked";
    return undefined;
}

/** Whether the agent's request carries a body (so it must be streamed, and cannot be retried). */
export function hasRequestBody(raw: string[]): boolean {
    for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase();
        if (name === "transfer-encoding") return true;
        if (name === "content-length" && raw[i + 1].trim() !== "0") return true;
    }
    return false;
}
