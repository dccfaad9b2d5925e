/**
 * Which headers and Basic users a route may name: shared by the server (reading its routes file)
 * and the component (validating a manifest), so that both refuse the same, like tokenValue.ts.
 * It lives with the server because dist/sidecar must stand alone in the image.
 */

// An RFC 9110 field name.
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Framing, hop-by-hop and routing fields: a token there would change how the request is
// delimited or where it goes, and the proxy sets or drops them itself.
const NOT_CREDENTIAL_FIELDS = new Set([
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "cookie",
    "proxy-authorization",
]);
// RFC 7617 forbids ":" in a Basic user; visible ASCII only, like a token value.
const BASIC_USER = /^[\x21-\x39\x3b-\x7e]+$/;

/** Why `name` cannot carry a route's token, or undefined when it can. */
export function credentialHeaderProblem(name: string): string | undefined {
    if (!FIELD_NAME.test(name) || NOT_CREDENTIAL_FIELDS.has(name.toLowerCase())) {
        return "must be a header field name other than framing, hop-by-hop, Host, Expect or Cookie fields";
    }
    return undefined;
}

/** Why `user` cannot be the user of a Basic credential, or undefined when it can. */
export function basicUserProblem(user: string): string | undefined {
    return BASIC_USER.test(user) ? undefined : 'must be visible ASCII characters without ":"';
}
