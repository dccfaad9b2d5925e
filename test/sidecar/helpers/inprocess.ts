/**
 * Runs the server inside the test process, with its logs captured instead of printed.
 */
import { Logger } from "../../../sidecar/accessLog";
import { ProxyConfig } from "../../../sidecar/config";
import { Route, parseUpstream } from "../../../sidecar/routesFile";
import { RunningServer, startServer } from "../../../sidecar/server";
import { scan } from "./leaks";

export interface InProcessProxy extends RunningServer {
    access: Array<Record<string, unknown>>;
    events: string[];
}

/** A route from test-friendly fields; throws when the upstream is malformed. */
export function route(path: string, upstream: string, token: string, authScheme: "Bearer" | "token" = "Bearer"): Route {
    const parsed = parseUpstream(upstream);
    if (typeof parsed === "string") throw new Error(parsed);
    return { path, upstream: parsed, authScheme, tokenEnv: "CRED_PROXY_TOKEN_0", token };
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
        ...overrides,
    };
    const running = await startServer(config, logger);
    return { ...running, access, events };
}
