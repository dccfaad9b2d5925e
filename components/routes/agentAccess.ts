import { PROXY_ALIAS } from "../../sidecar/contract";
import { FIXED_ROUTES } from "./kinds";
import type { CredProxyAgentRoute, CredProxyRoute } from "./types";

/** Placeholder credential for SDKs that refuse to start without one; the proxy replaces it. */
export const AGENT_PLACEHOLDER_TOKEN = "injected-by-cred-proxy";

export function proxyBaseUrl(port: number, host: string = PROXY_ALIAS): string {
    return `http://${host}:${port}`;
}

export function agentRoutes(routes: ReadonlyArray<CredProxyRoute>, port: number, host?: string): CredProxyAgentRoute[] {
    const base = proxyBaseUrl(port, host);
    return routes.map((u) => ({ kind: u.kind, path: u.path, url: `${base}${u.path}` }));
}

/**
 * The environment an agent container should get so that common clients go through the proxy:
 * the Anthropic SDK and Claude Code (base URL plus a placeholder credential of the kind the proxy
 * holds: an API key, or an OAuth token), GitHub API clients, npm, and git, whose
 * `url.<base>.insteadOf` rewrites are passed with `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`_VALUE_n`
 * so that `git clone https://github.com/o/r` just works inside the bottle.
 */
export function agentEnvironment(routes: ReadonlyArray<CredProxyRoute>, port: number, host?: string): Record<string, string> {
    const base = proxyBaseUrl(port, host);
    const env: Record<string, string> = { CRED_PROXY_URL: base };
    const rewrites: Array<[string, string]> = [];
    for (const u of routes) {
        const url = `${base}${u.path}`;
        if (u.path === FIXED_ROUTES.anthropic[0].path) {
            env.ANTHROPIC_BASE_URL = url.replace(/\/$/, "");
            // The placeholder the agent's client reads for the token kind the proxy holds, so that
            // it sends the matching header (which the proxy replaces) and, for OAuth, its betas.
            if (u.authHeader === "x-api-key") {
                env.ANTHROPIC_API_KEY = AGENT_PLACEHOLDER_TOKEN;
            } else {
                env.ANTHROPIC_AUTH_TOKEN = AGENT_PLACEHOLDER_TOKEN;
                env.CLAUDE_CODE_OAUTH_TOKEN = AGENT_PLACEHOLDER_TOKEN;
            }
        } else if (u.path === FIXED_ROUTES.github[0].path) {
            env.GITHUB_API_URL = url.replace(/\/$/, "");
        } else if (u.path === FIXED_ROUTES.github[1].path) {
            rewrites.push([url, gitPrefix(u.upstream)]);
        } else if (u.path === FIXED_ROUTES.npm[0].path) {
            env.NPM_CONFIG_REGISTRY = url;
        } else if (u.kind === "gitea" || u.kind === "http") {
            rewrites.push([url, gitPrefix(u.upstream)]);
        }
    }
    if (rewrites.length > 0) {
        env.GIT_CONFIG_COUNT = String(rewrites.length);
        rewrites.forEach(([proxied, original], n) => {
            env[`GIT_CONFIG_KEY_${n}`] = `url.${proxied}.insteadOf`;
            env[`GIT_CONFIG_VALUE_${n}`] = original;
        });
    }
    return env;
}

/**
 * The URL prefix git should rewrite. git matches `insteadOf` prefixes literally, and people type
 * hosts in lower case without default ports, so the upstream is normalised the WHATWG way
 * (`https://Git.Example.com:443/x` becomes `https://git.example.com/x/`).
 */
function gitPrefix(upstream: string): string {
    return new URL(`${upstream}/`).href;
}
