/**
 * The floor for `--floor`: the least a Node.js reverse proxy can do on the hot path, with Node's
 * own http module and a keep-alive pool, and nothing else: strip the prefix, replace
 * `Authorization`, set `Host`, drop `Connection`, pipe both bodies. No checks, no log, no timers,
 * no error mapping. It shows what any proxy built on Node's http module costs at least.
 *
 * Run as a child process (plain JS, transpiled by the runner):
 *   node minimal.js <upstream-url> <prefix>
 * with the injected `Authorization` value in BENCH_AUTH. It prints `{"port":N}` once listening.
 */
import http from "http";
import { AddressInfo } from "net";

const [upstream, prefix] = process.argv.slice(2);
const auth = process.env.BENCH_AUTH ?? "";
if (!upstream || !prefix || !auth) throw new Error("usage: minimal.js <upstream-url> <prefix> (BENCH_AUTH set)");
const target = new URL(upstream);
const agent = new http.Agent({ keepAlive: true, scheduling: "lifo" });
const base = prefix.slice(0, -1);

const server = http.createServer((req, res) => {
    const url = req.url ?? "";
    if (!url.startsWith(prefix)) {
        res.writeHead(404).end();
        return;
    }
    const raw = req.rawHeaders;
    const headers: string[] = ["Host", target.host];
    for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase();
        if (name !== "host" && name !== "authorization" && name !== "connection") headers.push(raw[i], raw[i + 1]);
    }
    headers.push("Authorization", auth);
    const up = http.request(
        { agent, hostname: target.hostname, port: target.port, method: req.method, path: url.slice(base.length), headers, setHost: false },
        (upRes) => {
            res.writeHead(
                upRes.statusCode ?? 502,
                upRes.rawHeaders.filter((_, i, a) => (i % 2 ? a[i - 1] : a[i]).toLowerCase() !== "connection"),
            );
            upRes.pipe(res);
        },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
});
server.requestTimeout = 0;
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
