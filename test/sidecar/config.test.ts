/**
 * Routes-file validation, token resolution and settings parsing, as units.
 */
import {
    ConfigError,
    DEFAULT_AGENT_TIMEOUT_MS,
    DEFAULT_HEADERS_TIMEOUT_MS,
    defaultMaxConnections,
    loadConfig,
    parseArgs,
} from "../../sidecar/config";
import { containerMemoryLimit } from "../../sidecar/memory";
import { DEFAULT_PORT } from "../../sidecar/contract";
import { parseRoutesFile, parseUpstream, resolveTokens } from "../../sidecar/routesFile";
import { writeRoutesFile } from "./helpers/child";

const good = { path: "/anthropic/", upstream: "https://api.anthropic.com", auth_scheme: "Bearer", token_env: "CRED_PROXY_TOKEN_0" };
const file = (...routes: unknown[]) => JSON.stringify({ routes });
const problem = (text: string) => {
    try {
        parseRoutesFile(text, "routes file");
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
    }
    throw new Error("accepted");
};

describe("routes file", () => {
    test("the documented format is accepted, gitea routes included", () => {
        const routes = parseRoutesFile(
            file(good, {
                path: "/gitea/git.example.com:3000/",
                upstream: "https://git.example.com:3000/sub/",
                auth_scheme: "token",
                token_env: "CRED_PROXY_TOKEN_12",
            }),
            "x",
        );
        expect(routes[0]).toEqual({
            path: "/anthropic/",
            authScheme: "Bearer",
            authHeader: "Authorization",
            tokenEnv: "CRED_PROXY_TOKEN_0",
            upstream: {
                protocol: "https:",
                hostname: "api.anthropic.com",
                port: 443,
                host: "api.anthropic.com",
                basePath: "",
                origin: "https://api.anthropic.com",
            },
        });
        expect(routes[1].upstream).toMatchObject({ host: "git.example.com:3000", port: 3000, basePath: "/sub" });
        const v6 = parseRoutesFile(file({ ...good, path: "/gitea/[::1]:3000/", upstream: "http://[::1]:3000" }), "x");
        expect(v6[0].upstream).toMatchObject({ hostname: "::1", host: "[::1]:3000" });
    });

    test.each([
        ["{", "routes file: is not valid JSON"],
        ["[]", "routes file: top level: must be an object"],
        ['{"routes":[],"x":1}', 'routes file: top level: unknown key "x"'],
        ['{"routes":{}}', "routes file: routes: must be an array"],
        ['{"routes":[]}', "routes file: routes: is empty"],
        [file("x"), "routes file: routes[0]: must be an object"],
        [file({ ...good, authScheme: "Bearer" }), 'routes file: routes[0]: unknown key "authScheme"'],
        [file({ ...good, token_env: undefined }), "routes file: routes[0].token_env: is missing or not a string"],
        [file({ ...good, path: 7 }), "routes file: routes[0].path: is missing or not a string"],
        [file(good, good), 'routes file: routes[1].path: "/anthropic/" is a duplicate'],
        [file({ ...good, path: "anthropic/" }), 'routes[0].path: "anthropic/" must start and end with "/"'],
        [file({ ...good, path: "/anthropic" }), 'routes[0].path: "/anthropic" must start and end with "/"'],
        [file({ ...good, path: "/" }), 'routes[0].path: "/" must start and end with "/"'],
        [file({ ...good, path: "/a//b/" }), "may only contain unencoded URL path characters"],
        [file({ ...good, path: "/a b/" }), "may only contain unencoded URL path characters"],
        [file({ ...good, path: "/a%2f/" }), "may only contain unencoded URL path characters"],
        [file({ ...good, path: "/a/../" }), 'must not contain "." or ".." segments'],
        [file({ ...good, path: "/healthz/" }), "must not shadow /healthz"],
        [file({ ...good, upstream: "ftp://x" }), "routes[0].upstream: must be an absolute http:// or https:// URL"],
        [file({ ...good, upstream: "api.anthropic.com" }), "must be an absolute http:// or https:// URL"],
        [file({ ...good, upstream: "https:api.anthropic.com" }), "must be an absolute http:// or https:// URL"],
        [file({ ...good, upstream: " https://a.example" }), "must be an absolute http:// or https:// URL"],
        [file({ ...good, upstream: "https://a.example\\b" }), "must be an absolute http:// or https:// URL"],
        [file({ ...good, upstream: "https://" }), "must be an absolute http:// or https:// URL"],
        [file({ ...good, upstream: "https://u:hunter2@a.example" }), "routes[0].upstream: must not contain user info"],
        [file({ ...good, upstream: "https://a.example/?q=1" }), "must not contain a query or fragment"],
        [file({ ...good, upstream: "https://a.example/#f" }), "must not contain a query or fragment"],
        [file({ ...good, auth_scheme: "Digest" }), 'routes[0].auth_scheme: must be "Bearer", "token", "Basic" or "none"'],
        [file({ ...good, auth_scheme: "bearer" }), 'routes[0].auth_scheme: must be "Bearer", "token", "Basic" or "none"'],
        [file({ ...good, auth_scheme: "Basic" }), 'routes[0].auth_user: is required with auth_scheme "Basic"'],
        [file({ ...good, auth_user: "x-access-token" }), 'routes[0].auth_user: is only for auth_scheme "Basic"'],
        [file({ ...good, auth_scheme: "Basic", auth_user: "a:b" }), 'routes[0].auth_user: must be visible ASCII characters without ":"'],
        [file({ ...good, auth_scheme: "Basic", auth_user: 7 }), "routes[0].auth_user: must be a string"],
        [file({ ...good, auth_header: "Content-Length" }), "routes[0].auth_header: must be a header field name other than framing"],
        [file({ ...good, auth_header: "Host" }), "routes[0].auth_header: must be a header field name other than framing"],
        [file({ ...good, auth_header: "X Api Key" }), "routes[0].auth_header: must be a header field name other than framing"],
        [file({ ...good, auth_header: "" }), "routes[0].auth_header: must be a header field name other than framing"],
        [file({ ...good, token_env: "PATH" }), "routes[0].token_env: must be a token slot name"],
        [file({ ...good, token_env: "CRED_PROXY_TOKEN_01" }), "routes[0].token_env: must be a token slot name"],
        [file({ ...good, token_env: "CRED_PROXY_TOKEN_" }), "routes[0].token_env: must be a token slot name"],
    ])("%s is refused", (text, message) => {
        const msg = problem(text);
        expect(msg).toContain(message);
        expect(msg).not.toContain("hunter2");
        expect(msg).not.toContain("\n");
    });

    test("upstream parsing keeps the host as URL.host gives it", () => {
        expect(parseUpstream("http://[::1]:8080/x/")).toMatchObject({
            hostname: "::1",
            host: "[::1]:8080",
            port: 8080,
            basePath: "/x",
        });
        expect(parseUpstream("HTTPS://API.Example.COM:443")).toMatchObject({ host: "api.example.com", port: 443 });
    });
});

describe("token slots", () => {
    const specs = parseRoutesFile(file(good), "x");
    const secret = "fake-0123456789abcdef";

    test("the slot's value becomes the route's token", () => {
        expect(resolveTokens(specs, { CRED_PROXY_TOKEN_0: secret })[0].token).toBe(secret);
        expect(resolveTokens(specs, { CRED_PROXY_TOKEN_0: "a b" })[0].token).toBe("a b");
    });

    test.each([
        [undefined, "token slot CRED_PROXY_TOKEN_0 (route /anthropic/) is not set"],
        ["", "token slot CRED_PROXY_TOKEN_0 (route /anthropic/) is empty"],
        [`${secret}\n`, "contains a line break (CR or LF)"],
        [`${secret}\r\nX-Evil: 1`, "contains a line break (CR or LF)"],
        [`a\tb`, "contains a control character"],
        [`${secret}\x7f`, "contains a control character"],
        [`${secret}é`, "contains a non-ASCII character"],
        [` ${secret}`, "has leading or trailing whitespace"],
        [`${secret} `, "has leading or trailing whitespace"],
    ])("value %j is refused without being quoted", (value, message) => {
        const env = value === undefined ? {} : { CRED_PROXY_TOKEN_0: value };
        let msg = "";
        try {
            resolveTokens(specs, env);
        } catch (err) {
            msg = (err as Error).message;
        }
        expect(msg).toContain(message);
        if (value) expect(msg).not.toContain(value.trim());
        expect(msg).not.toContain(secret);
    });
});

describe("credentials", () => {
    const secret = "fake-0123456789abcdef";
    const credential = (route: Record<string, unknown>) =>
        resolveTokens(parseRoutesFile(file(route), "x"), { CRED_PROXY_TOKEN_0: secret })[0];

    test("each scheme builds its header value once, in the header the route names", () => {
        const gitea = { ...good, path: "/gitea/g.example/", upstream: "https://g.example" };
        expect(credential({ ...gitea, auth_scheme: "Bearer" })).toMatchObject({
            authHeader: "Authorization",
            credential: `Bearer ${secret}`,
        });
        expect(credential({ ...gitea, auth_scheme: "token" })).toMatchObject({ credential: `token ${secret}` });
        expect(credential({ ...gitea, auth_scheme: "Basic", auth_user: "x-access-token" })).toMatchObject({
            credential: `Basic ${Buffer.from(`x-access-token:${secret}`).toString("base64")}`,
        });
        expect(credential({ ...gitea, auth_scheme: "none", auth_header: "PRIVATE-TOKEN" })).toMatchObject({
            authHeader: "PRIVATE-TOKEN",
            credential: secret,
        });
    });

    test("a Bearer route to api.anthropic.com is Anthropic's OAuth; its x-api-key route is not", () => {
        expect(credential(good).anthropicOAuth).toBe(true);
        expect(credential({ ...good, auth_scheme: "none", auth_header: "x-api-key" }).anthropicOAuth).toBe(false);
        expect(credential({ ...good, upstream: "https://api.example.com" }).anthropicOAuth).toBe(false);
    });

    test.each([
        [good, "sk-ant-api03-", "holds an Anthropic API key (sk-ant-api...)", "set Auth: api-key"],
        [
            { ...good, auth_scheme: "none", auth_header: "x-api-key" },
            "sk-ant-oat01-",
            "holds an Anthropic OAuth token (sk-ant-oat...)",
            "set Auth: oauth",
        ],
    ])("an Anthropic token of the other kind stops the start, naming the slot and the fix, never the value", (route, prefix, what, fix) => {
        const value = `${prefix}${secret}`;
        let msg = "";
        try {
            resolveTokens(parseRoutesFile(file(route), "x"), { CRED_PROXY_TOKEN_0: value });
        } catch (err) {
            msg = (err as Error).message;
        }
        expect(msg).toContain("token slot CRED_PROXY_TOKEN_0 (route /anthropic/)");
        expect(msg).toContain(what);
        expect(msg).toContain(fix);
        expect(msg).not.toContain(secret);
        expect(msg).not.toContain("\n");
    });

    test("each kind of Anthropic token is accepted in its own mode", () => {
        expect(credential(good).token).toBe(secret);
        const key = resolveTokens(parseRoutesFile(file({ ...good, auth_scheme: "none", auth_header: "x-api-key" }), "x"), {
            CRED_PROXY_TOKEN_0: `sk-ant-api03-${secret}`,
        })[0];
        expect(key.credential).toBe(`sk-ant-api03-${secret}`);
        const oauth = resolveTokens(parseRoutesFile(file(good), "x"), { CRED_PROXY_TOKEN_0: `sk-ant-oat01-${secret}` })[0];
        expect(oauth.credential).toBe(`Bearer sk-ant-oat01-${secret}`);
    });
});

describe("settings", () => {
    test("flags override the environment, in both spellings", () => {
        expect(parseArgs(["--port", "9000", "--routes=/r.json"], { CRED_PROXY_PORT: "8000", CRED_PROXY_HOST: "::" })).toEqual({
            port: "9000",
            routes: "/r.json",
            host: "::",
        });
    });

    test.each([
        [["--bogus"], 'unknown argument "--bogus"'],
        [["--port"], "flag --port needs a value"],
        [["--port="], "flag --port needs a value"],
    ])("%j is refused", (argv, message) => {
        expect(() => parseArgs(argv, {})).toThrow(message);
    });

    test("defaults apply when nothing is set", () => {
        const routes = writeRoutesFile({ routes: [good] });
        const config = loadConfig(["--routes", routes], { CRED_PROXY_TOKEN_0: "fake-x" });
        expect(config).toMatchObject({
            port: DEFAULT_PORT,
            host: undefined,
            headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
            agentTimeoutMs: DEFAULT_AGENT_TIMEOUT_MS,
        });
    });

    test("the agent timeout and the connection limit come from flags or the environment", () => {
        const routes = writeRoutesFile({ routes: [good] });
        const env = { CRED_PROXY_TOKEN_0: "fake-x", CRED_PROXY_AGENT_TIMEOUT_MS: "5000", CRED_PROXY_MAX_CONNECTIONS: "10" };
        expect(loadConfig(["--routes", routes], env)).toMatchObject({ agentTimeoutMs: 5_000, maxConnections: 10 });
        expect(loadConfig(["--routes", routes, "--max-connections", "20", "--agent-timeout-ms=7"], env)).toMatchObject({
            agentTimeoutMs: 7,
            maxConnections: 20,
        });
    });

    test("without a setting, the connection limit follows the container's memory", () => {
        const routes = writeRoutesFile({ routes: [good] });
        const env = { CRED_PROXY_TOKEN_0: "fake-x" };
        expect(loadConfig(["--routes", routes], env, 256 * 1024 * 1024).maxConnections).toBe(1_024);
        expect(loadConfig(["--routes", routes], env, 128 * 1024 * 1024).maxConnections).toBe(409);
        expect(loadConfig(["--routes", routes], env, undefined).maxConnections).toBe(1_024);
        expect(defaultMaxConnections(64 * 1024 * 1024)).toBe(16);
        expect(defaultMaxConnections(8 * 1024 * 1024 * 1024)).toBe(1_024);
    });

    test.each([
        ["cgroup v2 with a limit", { "/sys/fs/cgroup/memory.max": "268435456\n" }, 268_435_456],
        ["cgroup v2 without one", { "/sys/fs/cgroup/memory.max": "max\n" }, undefined],
        ["cgroup v1 with a limit", { "/sys/fs/cgroup/memory/memory.limit_in_bytes": "134217728\n" }, 134_217_728],
        ["cgroup v1 without one", { "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n" }, undefined],
        ["no cgroup files", {}, undefined],
    ])("the container's memory limit: %s", (_name, files: Record<string, string>, limit) => {
        const read = (file: string): string => {
            if (file in files) return files[file];
            throw Object.assign(new Error("absent"), { code: "ENOENT" });
        };
        expect(containerMemoryLimit(read)).toBe(limit);
    });

    test.each([
        [{ CRED_PROXY_PORT: "http" }, 'port must be an integer from 0 to 65535 (got "http")'],
        [{ CRED_PROXY_PORT: "65536" }, "port must be an integer from 0 to 65535"],
        [{ CRED_PROXY_PORT: "-1" }, "port must be an integer"],
        [{ CRED_PROXY_CONNECT_TIMEOUT_MS: "0" }, "connect timeout must be an integer from 1"],
        [{ CRED_PROXY_HEADERS_TIMEOUT_MS: "1.5" }, "headers timeout must be an integer"],
        [{ CRED_PROXY_DRAIN_TIMEOUT_MS: "99999999999" }, "drain timeout must be an integer"],
        [{ CRED_PROXY_HOST: "a b" }, "host must be an address"],
        [{ CRED_PROXY_AGENT_TIMEOUT_MS: "0" }, "agent timeout must be an integer from 1"],
        [{ CRED_PROXY_MAX_CONNECTIONS: "0" }, "max connections must be an integer from 1 to 1000000"],
        [{ CRED_PROXY_MAX_CONNECTIONS: "many" }, 'max connections must be an integer from 1 to 1000000 (got "many")'],
    ])("%j is refused", (env, message) => {
        const routes = writeRoutesFile({ routes: [good] });
        expect(() => loadConfig(["--routes", routes], { CRED_PROXY_TOKEN_0: "fake-x", ...env })).toThrow(message);
    });

    test("an unreadable routes file is named", () => {
        expect(() => loadConfig(["--routes", "/nonexistent/routes.json"], {})).toThrow(
            'routes file "/nonexistent/routes.json" does not exist',
        );
        expect(() => loadConfig(["--routes", "/tmp"], {})).toThrow('routes file "/tmp" is a directory');
    });
});
