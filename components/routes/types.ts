// The route table's shapes. Like the manifest's (../manifest/types.ts) they are schema types of
// the multi-language package, read by Pulumi's analyzer, so the same rules hold: interfaces,
// supported types, a doc comment on every property.
import type { AuthScheme } from "../../sidecar/contract";
import type { RouteKind } from "../manifest/types";

/** How the proxy presents a route's token upstream: `Authorization: <scheme> <token>`. */
export const RouteAuthScheme = {
    /** `Authorization: Bearer <token>` (Anthropic, GitHub, npm). */
    Bearer: "Bearer",
    /** `Authorization: token <token>` (Gitea). */
    Token: "token",
    /** `Authorization: Basic base64(<user>:<token>)` (git over HTTPS on github.com). */
    Basic: "Basic",
    /** The bare token in its header (`x-api-key: <token>` for an Anthropic API key). */
    None: "none",
} as const;
export type RouteAuthScheme = (typeof RouteAuthScheme)[keyof typeof RouteAuthScheme];

// The server's routes file names the same schemes (sidecar/contract.ts), and dist/sidecar cannot
// import from here: the compiler keeps the two lists equal.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const SCHEMES_MATCH_THE_SERVER: Same<RouteAuthScheme, AuthScheme> = true;
void SCHEMES_MATCH_THE_SERVER;

/** One route of the proxy: an agent-facing path prefix bound to an upstream and a token slot. */
export interface CredProxyRoute {
    /** The service this route serves. */
    kind: RouteKind;
    /** Agent-facing path prefix, starting and ending with `/`. */
    path: string;
    /** Absolute upstream base URL, no trailing `/`. */
    upstream: string;
    /** How the token is presented upstream. */
    authScheme: RouteAuthScheme;
    /** The slot: the environment variable that carries the token inside the proxy container. */
    tokenEnv: string;
    /** The TokenRef whose value fills the slot (a `tokenValues` key or a host environment variable). */
    tokenRef: string;
    /** The header the token goes in, when not `Authorization` (`x-api-key` for an Anthropic API key). */
    authHeader?: string;
    /** The user name of `Basic` (`x-access-token` for git on github.com). */
    authUser?: string;
    /** True when the route forwards only reads and git fetches (`Access: read-only`). */
    readOnly?: boolean;
}

/** How the agent reaches one route: it only ever sees the proxy's URL, never the token. */
export interface CredProxyAgentRoute {
    /** The service this route serves. */
    kind: RouteKind;
    /** Agent-facing path prefix, starting and ending with `/`. */
    path: string;
    /** `http://cred-proxy:<port><path>`: plain HTTP on the bottle's internal network. */
    url: string;
}
