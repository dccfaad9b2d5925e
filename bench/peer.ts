/**
 * A peer proxy for the benchmark: `http-proxy` or `http-proxy-3` configured as a minimal
 * credential-injecting reverse proxy, doing what cred-proxy does on the hot path and nothing more:
 * strip the route prefix, replace `Authorization`, set the upstream's `Host`, pool upstream
 * connections with keep-alive. No access log, no request checks.
 *
 * Run as a child process (plain JS, transpiled by the runner):
 *   node peer.js <http-proxy|http-proxy-3> <upstream-url> <prefix>
 * with the injected `Authorization` value in BENCH_AUTH. It prints `{"port":N}` once listening.
 */
import http from "http";
import { AddressInfo } from "net";

interface MinimalProxy {
    web(req: http.IncomingMessage, res: http.ServerResponse): void;
    on(event: "error", listener: (err: Error, req: http.IncomingMessage, res: unknown) => void): unknown;
}
type CreateProxy = (options: Record<string, unknown>) => MinimalProxy;

const [moduleName, upstream, prefix] = process.argv.slice(2);
const auth = process.env.BENCH_AUTH ?? "";
if (!["http-proxy", "http-proxy-3"].includes(moduleName) || !upstream || !prefix || !auth) {
    throw new Error("usage: peer.js <http-proxy|http-proxy-3> <upstream-url> <prefix> (BENCH_AUTH set)");
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is chosen at run time
const loaded = require(moduleName) as { createProxyServer: CreateProxy };

const agent = new http.Agent({ keepAlive: true, scheduling: "lifo" });
const proxy = loaded.createProxyServer({
    target: upstream,
    agent,
    changeOrigin: true, // Host: the upstream's
    xfwd: false,
    headers: { authorization: auth }, // replaces the agent's header: both copy then overwrite
});
proxy.on("error", (_err, _req, res) => {
    const out = res as http.ServerResponse;
    if (out && typeof out.writeHead === "function" && !out.headersSent) {
        out.writeHead(502, { "Content-Type": "application/json", Connection: "close" });
        out.end('{"error":"bad gateway"}');
    } else if (out && typeof (out as { destroy?: () => void }).destroy === "function") {
        (out as { destroy: () => void }).destroy();
    }
});

const base = prefix.slice(0, -1); // "/bench/" -> "/bench"
const server = http.createServer((req, res) => {
    const url = req.url ?? "";
    if (!url.startsWith(prefix)) {
        res.writeHead(404, { "Content-Type": "application/json" });
        res.end('{"error":"no route"}');
        return;
    }
    req.url = url.slice(base.length); // keeps the leading "/"
    proxy.web(req, res);
});
server.requestTimeout = 0;
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
