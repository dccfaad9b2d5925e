/**
 * Runs the server inside the test process, with its logs captured instead of printed.
 */
import { Logger } from "../../../sidecar/accessLog";
import { ProxyConfig } from "../../../sidecar/config";
import type { AuthScheme } from "../../../sidecar/contract";
import { Route, parseUpstream, resolveTokens } from "../../../sidecar/routesFile";
import { RunningServer, startServer } from "../../../sidecar/server";
import { assertNoLeaks, fakeToken, scan } from "./leaks";
import { startUpstream } from "./upstream";

export interface InProcessProxy extends RunningServer {
    access: Array<Record<string, unknown>>;
    events: string[];
}

/**
 * A route from test-friendly fields, resolved as the server resolves the routes file (its
 * credential built, its start-up checks run); throws when the upstream is malformed.
 */
export function route(
    path: string,
    upstream: string,
    token: string,
    authScheme: AuthScheme = "Bearer",
    extra: { authHeader?: string; authUser?: string } = {},
): Route {
    const parsed = parseUpstream(upstream);
    if (typeof parsed === "string") throw new Error(parsed);
    const spec = { path, upstream: parsed, authScheme, tokenEnv: "CRED_PROXY_TOKEN_0", authHeader: extra.authHeader ?? "Authorization" };
    return resolveTokens([extra.authUser !== undefined ? { ...spec, authUser: extra.authUser } : spec], { CRED_PROXY_TOKEN_0: token })[0];
}

export async function startInProcess(routes: Route[], overrides: Partial<ProxyConfig> = {}): Promise<InProcessProxy> {
    const access: Array<Record<string, unknown>> = [];
    const events: string[] = [];
    const logger: Logger = {
        access: {
            write: (line) => {
                scan(line, "access log");
                access.push(JSON.parse(line) as Record<string, unknown>);
            },
        },
        events: {
            write: (line) => {
                scan(line, "event log");
                events.push(line);
            },
        },
    };
    const config: ProxyConfig = {
        host: "127.0.0.1",
        port: 0,
        routes,
        connectTimeoutMs: 5_000,
        headersTimeoutMs: 10_000,
        drainTimeoutMs: 2_000,
        expectContinueTimeoutMs: 1_000,
        agentTimeoutMs: 10_000,
        maxConnections: 1_024,
        ...overrides,
    };
    const running = await startServer(config, logger);
    return { ...running, access, events };
}

/**
 * One recording upstream behind a proxy route `/api/` carrying `token`; `closeAll` (for afterAll)
 * shuts every proxy and upstream it started, newest first.
 */
export function apiRouteFixture(token: string) {
    const closers: Array<() => Promise<unknown>> = [];
    return {
        async setup(overrides: Partial<ProxyConfig> = {}, upstreamUrl?: string) {
            const upstream = await startUpstream();
            closers.push(() => upstream.close());
            const proxy = await startInProcess([route("/api/", upstreamUrl ?? upstream.url, token)], overrides);
            closers.push(() => proxy.shutdown());
            return { upstream, proxy };
        },
        /** Adds something else to close with the rest. */
        defer(close: () => Promise<unknown>): void {
            closers.push(close);
        },
        async closeAll(): Promise<void> {
            for (const close of closers.reverse()) await close();
        },
    };
}

/**
 * `apiRouteFixture` for a whole test file, with a fresh fake token: after the file's tests,
 * everything it started is closed and every captured line and answer is checked for leaks.
 */
export function apiRouteSuite() {
    const token = fakeToken();
    const fixture = apiRouteFixture(token);
    afterAll(async () => {
        await fixture.closeAll();
        assertNoLeaks();
    });
    return { token, ...fixture };
}
