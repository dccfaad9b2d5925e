/**
 * The native proxies a sidecar author would consider instead of a Node one: nginx, Caddy and
 * HAProxy, each from its Debian package when installed (optional: a run without one says so and
 * goes on). Each is configured as the same credential proxy as the others: one route, the prefix
 * stripped, `Authorization` replaced, `Host` set to the upstream's, keep-alive to the upstream,
 * bodies and event streams passed through unbuffered, no access log, one worker thread. Each runs
 * as a non-daemon child on a loopback port, its configuration generated into the run's directory.
 */
import { spawn, spawnSync } from "child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import net from "net";
import { join } from "path";
import { PREFIX, Running, START_TIMEOUT_MS, runDir, stopChild, track } from "./targets";

export type NativePeerName = "nginx" | "caddy" | "haproxy";

export interface NativePeer {
    name: NativePeerName;
    bin: string;
    version: string;
    start(upstreamPort: number, auth: string): Promise<Running>;
}

/** The Debian package that provides each peer: what a run without it tells the user to install. */
export const NATIVE_PEER_PACKAGES: Record<NativePeerName, string> = { nginx: "nginx-light", caddy: "caddy", haproxy: "haproxy" };

const LOCATIONS: Record<NativePeerName, string[]> = {
    nginx: ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx", "/usr/local/nginx/sbin/nginx"],
    caddy: ["/usr/bin/caddy", "/usr/local/bin/caddy"],
    haproxy: ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/usr/bin/haproxy"],
};

/** The installed peers, in a fixed order, and the names of those that are not installed. */
export function findNativePeers(): { found: NativePeer[]; missing: NativePeerName[] } {
    const found: NativePeer[] = [];
    const missing: NativePeerName[] = [];
    for (const name of Object.keys(LOCATIONS) as NativePeerName[]) {
        const bin = findBinary(name);
        if (bin === undefined) {
            missing.push(name);
            continue;
        }
        found.push({ name, bin, version: versionOf(name, bin), start: (port, auth) => STARTERS[name](bin, port, auth) });
    }
    return { found, missing };
}

function findBinary(name: NativePeerName): string | undefined {
    const hit = LOCATIONS[name].find((candidate) => existsSync(candidate));
    if (hit) return hit;
    const which = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

function versionOf(name: NativePeerName, bin: string): string {
    const args = name === "caddy" ? ["version"] : ["-v"];
    const out = spawnSync(bin, args, { encoding: "utf8", timeout: 10_000 });
    const text = `${out.stdout ?? ""}${out.stderr ?? ""}`.trim();
    const m = /(\d+\.\d+\.\d+)/.exec(text);
    return m ? m[1] : "unknown version";
}

const STARTERS: Record<NativePeerName, (bin: string, upstreamPort: number, auth: string) => Promise<Running>> = {
    nginx: startNginx,
    caddy: startCaddy,
    haproxy: startHaproxy,
};

function peerDir(name: string): string {
    const dir = join(runDir(), `${name}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`);
    mkdirSync(dir, { recursive: true });
    return dir;
}

/** Runs a peer and waits until its port accepts connections. */
async function run(
    name: NativePeerName,
    bin: string,
    args: string[],
    port: number,
    env: Record<string, string> = {},
    stopSignal: NodeJS.Signals = "SIGTERM",
): Promise<Running> {
    const child = spawn(bin, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    // Their start-up chatter is not read; an unread pipe would fill and stall them.
    child.stdout?.resume();
    const t = track(child, name);
    await waitListening(port, () => child.exitCode === null && child.signalCode === null, name, t.stderr);
    return {
        port,
        pids: () => [child.pid!, ...childPids(child.pid!)],
        stop: () => stopChild(child, t.exited, stopSignal),
    };
}

/** Where a peer listens and forwards to (host:port each), the credential, and a writable directory. */
export interface PeerSetup {
    listen: string;
    upstream: string;
    auth: string;
    dir: string;
}

export function nginxConf({ listen, upstream, auth, dir }: PeerSetup): string {
    return `
worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; multi_accept on; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_max_body_size 0;
    upstream bench_upstream {
        server ${upstream};
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen ${listen};
        location ${PREFIX} {
            proxy_pass http://bench_upstream/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host ${upstream};
            proxy_set_header Authorization "${auth}";
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_read_timeout 600s;
            proxy_send_timeout 600s;
        }
        location / { return 404; }
    }
}
`;
}

export function caddyfile({ listen, upstream, auth }: PeerSetup): string {
    return `{
	admin off
	auto_https off
}

http://${listen} {
	handle_path ${PREFIX}* {
		reverse_proxy ${upstream} {
			header_up Authorization "${auth}"
			header_up Host ${upstream}
			flush_interval -1
			transport http {
				keepalive 60s
				keepalive_idle_conns 64
			}
		}
	}
	handle {
		respond 404
	}
}
`;
}

export function haproxyCfg({ listen, upstream, auth }: PeerSetup): string {
    return `global
    nbthread 1
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 600s
    timeout server 600s
    timeout http-keep-alive 60s
    http-reuse always

frontend bench
    bind ${listen}
    http-request deny deny_status 404 unless { path_beg ${PREFIX} }
    http-request set-header Authorization "${auth}"
    http-request set-header Host ${upstream}
    http-request set-path %[path,regsub(^${PREFIX},/)]
    default_backend upstream

backend upstream
    server upstream ${upstream}
`;
}

/**
 * nginx with one worker and an upstream keep-alive pool. Buffering is off both ways, as a
 * streaming credential proxy needs (with it on, nginx spools large bodies to disk and holds back
 * event streams).
 */
async function startNginx(bin: string, upstreamPort: number, auth: string): Promise<Running> {
    const dir = peerDir("nginx");
    const port = await freePort();
    const conf = nginxConf({ listen: `127.0.0.1:${port}`, upstream: `127.0.0.1:${upstreamPort}`, auth, dir });
    writeFileSync(join(dir, "nginx.conf"), conf);
    return run("nginx", bin, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], port);
}

/**
 * Caddy's `reverse_proxy` behind `handle_path` (which strips the prefix), `header_up` for the
 * credential and the Host, an idle pool to the upstream, and `flush_interval -1` so responses are
 * not held back. Go code on one OS thread (`GOMAXPROCS=1`), like the one-threaded Node proxies
 * and the one-worker nginx; no admin endpoint, no automatic HTTPS; its state goes in the run directory.
 */
async function startCaddy(bin: string, upstreamPort: number, auth: string): Promise<Running> {
    const dir = peerDir("caddy");
    const port = await freePort();
    const conf = caddyfile({ listen: `127.0.0.1:${port}`, upstream: `127.0.0.1:${upstreamPort}`, auth, dir });
    writeFileSync(join(dir, "Caddyfile"), conf);
    return run("caddy", bin, ["run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], port, {
        GOMAXPROCS: "1",
        HOME: dir,
        XDG_CONFIG_HOME: join(dir, "config"),
        XDG_DATA_HOME: join(dir, "data"),
    });
}

/**
 * HAProxy in HTTP mode with one thread (`nbthread 1`): `http-request set-header` for the
 * credential and the Host, `set-path` with the prefix removed, `http-reuse always` to keep
 * upstream connections shared. It neither buffers requests (no `http-buffer-request`) nor
 * responses. Foreground (`-db`), no master process, no log.
 */
async function startHaproxy(bin: string, upstreamPort: number, auth: string): Promise<Running> {
    const dir = peerDir("haproxy");
    const port = await freePort();
    const conf = haproxyCfg({ listen: `127.0.0.1:${port}`, upstream: `127.0.0.1:${upstreamPort}`, auth, dir });
    writeFileSync(join(dir, "haproxy.cfg"), conf);
    // SIGUSR1 is HAProxy's soft stop; SIGTERM stops it at once, which is what the run wants.
    return run("haproxy", bin, ["-db", "-f", join(dir, "haproxy.cfg")], port);
}

async function freePort(): Promise<number> {
    return new Promise((resolvePort, reject) => {
        const probe = net.createServer();
        probe.once("error", reject);
        probe.listen(0, "127.0.0.1", () => {
            const { port } = probe.address() as net.AddressInfo;
            probe.close(() => resolvePort(port));
        });
    });
}

async function waitListening(port: number, stillRunning: () => boolean, what: string, stderr: () => string): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
        if (!stillRunning()) throw new Error(`${what} exited: ${stderr().slice(0, 500)}`);
        const up = await new Promise<boolean>((done) => {
            const s = net.connect(port, "127.0.0.1");
            s.once("connect", () => {
                s.destroy();
                done(true);
            });
            s.once("error", () => done(false));
        });
        if (up) return;
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${what} did not start listening in time: ${stderr().slice(0, 500)}`);
}

function childPids(pid: number): number[] {
    try {
        return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
        return [];
    }
}
