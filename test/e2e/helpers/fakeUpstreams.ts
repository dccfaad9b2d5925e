/**
 * Fake upstreams (test/e2e/fixtures/fake-upstream.js, with test/helpers/gitCgi.js for git) on a
 * bottle's egress network, one container per upstream origin, each under a network alias equal
 * to the host name it stands in for, and the guard that no route of a bottle can reach a real
 * host.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ExpectedCredential } from "../../helpers/credentials";
import type { GitCgiExit } from "../../helpers/gitCgi";
import { containerOf, execIn, sleep } from "./containers";
import { REPO_ROOT } from "./images";
import type { E2eRun, RunningContainer } from "./run";
import type { TestCa } from "./testCa";

/**
 * The server and what it requires, each at its repository path under /srv, so that relative
 * requires (fake-upstream.js loads ../../helpers/gitCgi) resolve in the container as they do here.
 */
const SERVER_FILES = ["test/e2e/fixtures/fake-upstream.js", "test/helpers/gitCgi.js"].map((rel) => ({
    path: path.posix.join("/srv", rel),
    content: readFileSync(path.join(REPO_ROOT, rel), "utf8"),
}));
const SERVER_PATH = SERVER_FILES[0].path;
const CERT_PATH = "/srv/tls/server.pem";
const KEY_PATH = "/srv/tls/server.key";
/** Fake upstreams run as a uid of their own: neither the proxy's nor the agent's. */
export const UPSTREAM_USER = "10003:10003";

export interface FakeUpstreamSpec {
    /** Short name, reported in every answer as `upstream`. */
    name: string;
    /** Host name (the network alias, and a SAN of the test certificate). */
    host: string;
    port?: number;
    /** Serve plain HTTP (for an `http://` upstream) instead of TLS. */
    plainHttp?: boolean;
    /** Serve `git http-backend` for repositories under this path prefix ("" for the root). */
    gitBase?: string;
}

/** A request as the fake upstream received it. */
export interface RecordedRequest {
    method: string;
    url: string;
    headers: Record<string, string | string[] | undefined>;
    servername: string | null;
    bodyBytes: number;
    authorized: boolean;
    /** How `git http-backend` ended, for a git request. */
    git?: GitCgiExit;
}

export class FakeUpstream {
    constructor(
        readonly spec: FakeUpstreamSpec,
        readonly container: RunningContainer,
    ) {}

    /** Call the control endpoint from inside the container; `body` travels on stdin. */
    private async control(method: string, target: string, body = ""): Promise<unknown> {
        const script = `
            const http = require("http");
            let input = "";
            process.stdin.on("data", (d) => (input += d));
            process.stdin.on("end", () => {
                const req = http.request({ host: "127.0.0.1", port: 9999, method: process.argv[1], path: process.argv[2] }, (res) => {
                    let out = "";
                    res.on("data", (d) => (out += d));
                    res.on("end", () => { process.stdout.write(out); process.exit(res.statusCode === 200 ? 0 : 1); });
                });
                req.on("error", (e) => { process.stderr.write(String(e.code)); process.exit(2); });
                req.end(input);
            });
        `;
        const r = await execIn(this.container, ["node", "-e", script, method, target], { stdin: body });
        if (r.exitCode !== 0)
            throw new Error(`fake upstream ${this.spec.name}: ${method} ${target} failed (exit ${r.exitCode}): ${r.stderr}${r.stdout}`);
        return JSON.parse(r.stdout) as unknown;
    }

    /** Accept exactly this credential from now on (sent on stdin, never on a command line). */
    async expect(credential: ExpectedCredential): Promise<void> {
        await this.control("POST", "/expect", JSON.stringify(credential));
    }

    async requests(): Promise<RecordedRequest[]> {
        return (await this.control("GET", "/requests")) as RecordedRequest[];
    }

    async reset(): Promise<void> {
        await this.control("POST", "/reset");
    }

    /** Until /ready answers 200: the repository is seeded and the service listens. */
    async waitReady(timeoutMs = 60_000): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            try {
                await this.control("GET", "/ready");
                return;
            } catch (e) {
                if (Date.now() > deadline) throw e;
                await sleep(100);
            }
        }
    }
}

/** Start one fake upstream per spec on `network`, in parallel, and wait until each answers. */
export async function startFakeUpstreams(
    run: E2eRun,
    opts: { image: string; network: string; ca: TestCa; specs: FakeUpstreamSpec[]; namePrefix?: string },
): Promise<FakeUpstream[]> {
    for (const s of opts.specs) {
        if (!opts.ca.hosts.includes(s.host)) throw new Error(`the test certificate has no name ${s.host}`);
    }
    return Promise.all(
        opts.specs.map(async (s) => {
            const env = [
                `UPSTREAM_NAME=${s.name}`,
                `UPSTREAM_PORT=${s.port ?? 443}`,
                `TLS_CERT=${CERT_PATH}`,
                `TLS_KEY=${KEY_PATH}`,
                "HOME=/tmp",
            ];
            if (s.gitBase !== undefined) env.push("GIT=1", `GIT_BASE=${s.gitBase}`);
            if (s.plainHttp) env.push("PLAIN_HTTP=1");
            const [uid, gid] = UPSTREAM_USER.split(":").map(Number);
            const container = await run.runContainer({
                image: opts.image,
                name: `${opts.namePrefix ?? "upstream"}-${s.name}`,
                user: UPSTREAM_USER,
                cmd: ["node", SERVER_PATH],
                env,
                networks: [{ name: opts.network, aliases: [s.host] }],
                files: [
                    ...SERVER_FILES,
                    { path: CERT_PATH, content: opts.ca.serverCertPem },
                    { path: KEY_PATH, content: opts.ca.serverKeyPem, mode: 0o600, uid, gid },
                ],
                hostConfig: { CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges:true"] },
            });
            const upstream = new FakeUpstream(s, container);
            await upstream.waitReady();
            return upstream;
        }),
    );
}

/** The fake-upstream specs for a bottle's routes: one per upstream origin, git for github.com and Gitea. */
export function fakeUpstreamSpecs(routes: { kind: string; upstream: string }[]): FakeUpstreamSpec[] {
    const byOrigin = new Map<string, FakeUpstreamSpec>();
    for (const r of routes) {
        const url = new URL(r.upstream);
        if (url.protocol !== "https:" && url.protocol !== "http:")
            throw new Error(`route upstream ${r.upstream}: the fakes serve http and https only`);
        if (byOrigin.has(url.origin)) continue;
        const git = r.kind === "gitea" || url.hostname === "github.com";
        byOrigin.set(url.origin, {
            name: url.port ? `${url.hostname}-${url.port}` : url.hostname,
            host: url.hostname,
            port: url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443,
            plainHttp: url.protocol === "http:" ? true : undefined,
            gitBase: git ? url.pathname.replace(/\/+$/, "") : undefined,
        });
    }
    return [...byOrigin.values()];
}

/**
 * The network rule's guard: before any request goes through the proxy, every host its routes
 * name must be answered on `egressNetwork` by a running fake of ours under that alias. Docker's
 * embedded DNS forwards names it does not know to the host's resolver, so a route without a fake
 * would send the proxy to the real service.
 */
export async function assertEveryUpstreamIsFaked(
    routes: { upstream: string }[],
    egressNetwork: string,
    fakes: FakeUpstream[],
): Promise<void> {
    const served = new Set<string>();
    for (const f of fakes) {
        const info = await containerOf(f.container).inspect();
        if (info.State.Running) for (const alias of info.NetworkSettings.Networks[egressNetwork]?.Aliases ?? []) served.add(alias);
    }
    const missing = [...new Set(routes.map((r) => new URL(r.upstream).hostname))].filter((h) => !served.has(h));
    if (missing.length > 0) {
        throw new Error(`refusing to send traffic: no running fake upstream answers ${missing.join(", ")} on ${egressNetwork}`);
    }
}
