/**
 * The real entry point as a child process: fail-fast start-up errors, configuration from the
 * environment, and draining on SIGTERM.
 */
import http from "http";
import { AddressInfo, connect, createServer } from "net";
import { RouteEntry, runProxy, startChildProxy, writeRoutesFile } from "./helpers/child";
import { send } from "./helpers/client";
import { assertNoLeaks, fakeToken } from "./helpers/leaks";
import { freePort, startUpstream } from "./helpers/upstream";

const token = fakeToken();
const route = (over: Partial<Record<keyof RouteEntry, unknown>> & Record<string, unknown> = {}): RouteEntry => ({
    path: "/anthropic/",
    upstream: "https://api.anthropic.com",
    auth_scheme: "Bearer",
    token_env: "CRED_PROXY_TOKEN_0",
    ...(over as Partial<RouteEntry>),
});

afterAll(() => assertNoLeaks());

/** Starts a GET of an endless response through the proxy; resolves once its first bytes are in. */
function openEndless(port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path: "/anthropic/endless", agent: false }, (res) => {
            res.on("error", () => undefined);
            res.once("data", () => resolve());
        }).on("error", reject);
    });
}

describe("start-up failures: one line, non-zero exit, no value, no stack", () => {
    const cases: Array<[string, () => { args?: string[]; env?: Record<string, string> }, string, number]> = [
        [
            "missing routes file",
            () => ({ args: ["--routes", "/nonexistent/routes.json"] }),
            'routes file "/nonexistent/routes.json" does not exist',
            2,
        ],
        ["default routes path absent", () => ({}), 'routes file "/etc/cred-proxy/routes.json"', 2],
        ["malformed JSON", () => ({ args: ["--routes", writeRoutesFile('{"routes": [')] }), "is not valid JSON", 2],
        [
            "duplicate paths",
            () => ({ args: ["--routes", writeRoutesFile({ routes: [route(), route()] })] }),
            'routes[1].path: "/anthropic/" is a duplicate',
            2,
        ],
        [
            "malformed path",
            () => ({ args: ["--routes", writeRoutesFile({ routes: [route({ path: "/anthropic" })] })] }),
            'routes[0].path: "/anthropic" must start and end with "/"',
            2,
        ],
        [
            "unknown key",
            () => ({ args: ["--routes", writeRoutesFile({ routes: [route({ tokenEnv: "x" })] })] }),
            'routes[0]: unknown key "tokenEnv"',
            2,
        ],
        [
            "relative upstream",
            () => ({ args: ["--routes", writeRoutesFile({ routes: [route({ upstream: "api.anthropic.com" })] })] }),
            "routes[0].upstream: must be an absolute http:// or https:// URL",
            2,
        ],
        [
            "missing slot",
            () => ({ args: ["--routes", writeRoutesFile({ routes: [route()] })] }),
            "token slot CRED_PROXY_TOKEN_0 (route /anthropic/) is not set",
            2,
        ],
        [
            "empty slot",
            () => ({ args: ["--routes", writeRoutesFile({ routes: [route()] })], env: { CRED_PROXY_TOKEN_0: "" } }),
            "CRED_PROXY_TOKEN_0 (route /anthropic/) is empty",
            2,
        ],
        [
            "slot with a newline",
            () => ({ args: ["--routes", writeRoutesFile({ routes: [route()] })], env: { CRED_PROXY_TOKEN_0: `${token}\n` } }),
            "CRED_PROXY_TOKEN_0 (route /anthropic/) contains a line break (CR or LF)",
            2,
        ],
        [
            "slot with CRLF injection",
            () => ({ args: ["--routes", writeRoutesFile({ routes: [route()] })], env: { CRED_PROXY_TOKEN_0: `${token}\r\nX-Evil: 1` } }),
            "contains a line break (CR or LF)",
            2,
        ],
        [
            "bad port",
            () => ({ args: ["--routes", writeRoutesFile({ routes: [route()] }), "--port", "80a"], env: { CRED_PROXY_TOKEN_0: token } }),
            'port must be an integer from 0 to 65535 (got "80a")',
            2,
        ],
        ["unknown flag", () => ({ args: ["--rotues", "x"] }), 'unknown argument "--rotues"', 2],
    ];

    test.each(cases)("%s", async (_name, make, message, code) => {
        const result = await runProxy(make());
        expect(result.code).toBe(code);
        expect(result.stdout).toBe("");
        const lines = result.stderr.split("\n").filter((l) => l !== "");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^cred-proxy: configuration error: /);
        expect(lines[0]).toContain(message);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        expect(result.stderr).not.toContain("X-Evil");
    });

    test("a port already in use", async () => {
        const busy = createServer();
        await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
        const port = (busy.address() as AddressInfo).port;
        try {
            const result = await runProxy({
                args: ["--routes", writeRoutesFile({ routes: [route()] }), "--host", "127.0.0.1", "--port", String(port)],
                env: { CRED_PROXY_TOKEN_0: token },
            });
            expect(result.code).toBe(1);
            expect(result.stderr).toBe(`cred-proxy: cannot listen on 127.0.0.1:${port}: EADDRINUSE\n`);
        } finally {
            await new Promise((r) => busy.close(r));
        }
    });

    test("--help prints usage and exits 0", async () => {
        const result = await runProxy({ args: ["--help"] });
        expect(result.code).toBe(0);
        expect(result.stdout).toContain("usage: cred-proxy-server");
        expect(result.stdout).toContain("CRED_PROXY_ROUTES");
    });
});

describe("running", () => {
    test("configuration from the environment alone; one start-up line; SIGTERM exits 0", async () => {
        const upstream = await startUpstream();
        const port = await freePort();
        const child = await startChildProxy([], {
            env: {
                CRED_PROXY_ROUTES: writeRoutesFile({ routes: [route({ upstream: upstream.url })] }),
                CRED_PROXY_PORT: String(port),
                CRED_PROXY_HOST: "127.0.0.1",
                CRED_PROXY_TOKEN_0: token,
            },
            bare: true,
        });
        try {
            expect(child.port).toBe(port);
            expect(child.stderr).toEqual([`cred-proxy: listening on 127.0.0.1:${port} with 1 route(s): /anthropic/`]);
            expect((await send(port, "/anthropic/v1/x")).status).toBe(200);
            expect(await child.stop("SIGTERM")).toBe(0);
            expect(child.stderr.slice(1)).toEqual(["cred-proxy: SIGTERM received: draining in-flight requests", "cred-proxy: stopped"]);
            expect(child.stdout).toHaveLength(1);
            expect(JSON.parse(child.stdout[0])).toMatchObject({ route: "/anthropic/", status: 200 });
        } finally {
            await child.stop("SIGKILL");
            await upstream.close();
        }
    });

    test("access lines written together under load are all there, one whole JSON line each", async () => {
        const upstream = await startUpstream();
        const child = await startChildProxy([route({ upstream: upstream.url })], { env: { CRED_PROXY_TOKEN_0: token } });
        try {
            const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
            const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => send(child.port, `/anthropic/v1/n${i}`, { agent })));
            agent.destroy();
            expect(replies.every((r) => r.status === 200)).toBe(true);
            expect(await child.stop("SIGTERM")).toBe(0);
            expect(child.stdout).toHaveLength(300);
            for (const line of child.stdout) expect(JSON.parse(line)).toMatchObject({ route: "/anthropic/", status: 200 });
        } finally {
            await child.stop("SIGKILL");
            await upstream.close();
        }
    });

    test("SIGTERM lets in-flight requests finish and refuses new connections", async () => {
        const upstream = await startUpstream();
        upstream.setHandler((_req, res) => setTimeout(() => res.end("late but whole"), 700));
        const child = await startChildProxy([route({ upstream: upstream.url })], { env: { CRED_PROXY_TOKEN_0: token } });
        try {
            const inFlight = send(child.port, "/anthropic/slow");
            while (upstream.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
            child.proc.kill("SIGTERM");
            await new Promise((r) => setTimeout(r, 150));
            await expect(send(child.port, "/anthropic/new")).rejects.toMatchObject({ code: "ECONNREFUSED" });
            const res = await inFlight;
            expect(res.status).toBe(200);
            expect(res.text).toBe("late but whole");
            expect(await child.exited).toBe(0);
            // The request that finished during the drain is logged before the process exits.
            expect(child.stdout.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
                expect.objectContaining({ route: "/anthropic/", status: 200, outcome: "ok" }),
            ]);
        } finally {
            await child.stop("SIGKILL");
            await upstream.close();
        }
    });

    test("draining is bounded: a request that never ends does not hold the exit", async () => {
        const upstream = await startUpstream();
        upstream.setHandler((_req, res) => res.writeHead(200).write("endless"));
        const child = await startChildProxy([route({ upstream: upstream.url })], {
            env: { CRED_PROXY_TOKEN_0: token },
            args: ["--drain-timeout-ms", "300"],
        });
        try {
            await openEndless(child.port);
            const started = Date.now();
            child.proc.kill("SIGTERM");
            expect(await child.exited).toBe(0);
            expect(Date.now() - started).toBeLessThan(2_000);
        } finally {
            await child.stop("SIGKILL");
            await upstream.close();
        }
    });

    test("SIGUSR1 does not open the inspector, SIGHUP does not stop the proxy", async () => {
        const upstream = await startUpstream();
        const child = await startChildProxy([route({ upstream: upstream.url })], { env: { CRED_PROXY_TOKEN_0: token } });
        try {
            child.proc.kill("SIGUSR1");
            await new Promise((r) => setTimeout(r, 300));
            child.proc.kill("SIGHUP");
            await new Promise((r) => setTimeout(r, 300));
            const inspector = await new Promise<string>((resolve) => {
                const probe = connect(9229, "127.0.0.1");
                probe.once("connect", () => {
                    probe.destroy();
                    resolve("open");
                });
                probe.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
            });
            expect(inspector).toBe("ECONNREFUSED");
            expect(child.stderr.join("\n")).not.toContain("Debugger listening");
            expect(child.stderr.slice(1)).toEqual([
                "cred-proxy: SIGUSR1 ignored: the inspector is not available in the proxy",
                "cred-proxy: SIGHUP ignored: restart the container to change its configuration",
            ]);
            expect((await send(child.port, "/anthropic/still-here")).status).toBe(200);
        } finally {
            await child.stop("SIGKILL");
            await upstream.close();
        }
    });

    test("a second SIGTERM cuts the drain short, and the exit is still clean", async () => {
        const upstream = await startUpstream();
        upstream.setHandler((_req, res) => res.writeHead(200).write("endless"));
        const child = await startChildProxy([route({ upstream: upstream.url })], { env: { CRED_PROXY_TOKEN_0: token } });
        try {
            await openEndless(child.port);
            const started = Date.now();
            child.proc.kill("SIGTERM");
            await new Promise((r) => setTimeout(r, 200));
            child.proc.kill("SIGTERM");
            expect(await child.exited).toBe(0);
            // Well before the 8 s drain bound.
            expect(Date.now() - started).toBeLessThan(3_000);
            expect(child.stderr).toContain("cred-proxy: SIGTERM received again: cutting the requests still in flight");
            expect(child.stdout.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
                expect.objectContaining({ route: "/anthropic/", status: 200, outcome: "shutdown" }),
            ]);
        } finally {
            await child.stop("SIGKILL");
            await upstream.close();
        }
    });
});
