/** A gitea or http entry's `Url` taken apart: the host that names its route and the upstream it forwards to. */
export interface UpstreamTarget {
    /** WHATWG `URL.host`: lower-case host name, `:port` only when not the scheme's default. */
    upstreamHost: string;
    /** The URL as written, trailing `/` removed. */
    upstream: string;
}

/**
 * Checks a gitea or http entry's `Url` and derives its route host. Returns a message (naming the
 * rule, never echoing the URL, which may hold credentials by mistake) when the URL is unusable.
 */
export function parseUpstreamUrl(raw: string): UpstreamTarget | { error: string } {
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (/[\s\u0000-\u001f\u007f-\u009f]/.test(raw)) {
        return { error: "must not contain whitespace or control characters" };
    }
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        return { error: "must be an absolute http or https URL, such as https://git.example.com" };
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        return { error: "must use the http or https scheme" };
    }
    if (!/^https?:\/\/[^/]/i.test(raw) || url.host === "") {
        return { error: "must be an absolute http or https URL with a host, such as https://gitea.example.com" };
    }
    const authority = raw.slice(raw.indexOf("//") + 2).split(/[/?#]/, 1)[0];
    if (url.username !== "" || url.password !== "" || authority.includes("@")) {
        return { error: "must not contain user info; the token comes from TokenRef" };
    }
    if (raw.includes("?")) {
        return { error: "must not contain a query string" };
    }
    if (raw.includes("#")) {
        return { error: "must not contain a fragment" };
    }
    return { upstreamHost: url.host, upstream: raw.replace(/\/+$/, "") };
}
