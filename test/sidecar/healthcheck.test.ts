/**
 * The health probe (sidecar/healthcheck.ts) as Docker runs it: a child process whose exit code is
 * the verdict. The first probe of a container start checks at once; once one has passed, later
 * probes stay their hold, checking every watch period, and leave at the first failure.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "fs";
import http from "http";
import { AddressInfo } from "net";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { runCommand } from "../helpers/commands";
import { buildSidecar } from "./helpers/build";
import { InProcessProxy, route, startInProcess } from "./helpers/inprocess";
import { freePort } from "./helpers/upstream";

const probeScript = join(dirname(buildSidecar()), "healthcheck.js");
let dir: string;
let pid1Stat: string;
let marker: string;

/** A /proc/<pid>/stat line whose start time (field 22) is `start`; its command name has a space. */
function setContainerStart(start: string): void {
    const fields = ["S", ...Array.from({ length: 18 }, (_, i) => String(i + 1)), start, "0", "0"];
    writeFileSync(pid1Stat, `1 (docker init) ${fields.join(" ")}\n`);
}

/**
 * Runs the probe. Unless a test says otherwise, hold and watch are a minute: a probe that stays
 * when it should not is then killed by the 10 s limit (code null), which no test accepts, so no
 * test needs to compare wall-clock times.
 */
async function probe(port: number, holdMs = 60_000, watchMs = 60_000): Promise<{ code: number | null; stdout: string }> {
    const r = await runCommand(
        process.execPath,
        [
            probeScript,
            "--port",
            String(port),
            "--marker",
            marker,
            "--pid1-stat",
            pid1Stat,
            "--hold-ms",
            String(holdMs),
            "--watch-ms",
            String(watchMs),
        ],
        { env: { PATH: process.env.PATH ?? "" }, timeoutMs: 10_000 },
    );
    return { code: r.code, stdout: r.stdout };
}

/** A server that answers /healthz with `status()` and counts the checks. */
async function healthServer(status: () => number) {
    let checks = 0;
    const server = http.createServer((req, res) => {
        if (req.url === "/healthz") checks++;
        res.writeHead(status()).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
        port: (server.address() as AddressInfo).port,
        checks: () => checks,
        close: () => new Promise<void>((r) => server.close(() => r())),
    };
}

beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cred-proxy-health-"));
    pid1Stat = join(dir, "stat");
    marker = join(dir, "healthy");
    setContainerStart("4242");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the first probe of a container start", () => {
    let proxy: InProcessProxy;
    beforeAll(async () => {
        proxy = await startInProcess([route("/x/", "http://127.0.0.1:9", "fake-unused")]);
    });
    afterAll(() => proxy.shutdown());

    test("checks the real server at once: 0, and the start is marked as passed", async () => {
        const r = await probe(proxy.port);
        expect(r).toEqual({ code: 0, stdout: "healthy\n" });
        expect(readFileSync(marker, "utf8")).toBe("4242");
    });

    test("fails at once without a server, and marks nothing", async () => {
        const r = await probe(await freePort());
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(/^unhealthy: \/healthz: ECONNREFUSED\n$/);
        expect(existsSync(marker)).toBe(false);
    });
});

describe("once the container has been healthy", () => {
    test("a probe stays its hold, checking every watch period, then exits 0", async () => {
        const server = await healthServer(() => 200);
        try {
            writeFileSync(marker, "4242");
            const r = await probe(server.port, 900, 300);
            expect(r).toEqual({ code: 0, stdout: "healthy\n" });
            // 900 ms of hold in 300 ms watches, and no check before the first watch ends.
            expect(server.checks()).toBe(3);
        } finally {
            await server.close();
        }
    });

    test("a probe leaves at the first failed check and clears the mark, so the next one checks at once", async () => {
        let status = 200;
        const server = await healthServer(() => status);
        try {
            writeFileSync(marker, "4242");
            status = 503;
            const failed = await probe(server.port, 60_000, 300);
            expect(failed).toEqual({ code: 1, stdout: "unhealthy: /healthz answered 503\n" });
            expect(server.checks()).toBe(1);
            expect(existsSync(marker)).toBe(false);
            expect(await probe(server.port)).toEqual({ code: 1, stdout: "unhealthy: /healthz answered 503\n" });
            expect(server.checks()).toBe(2);
        } finally {
            await server.close();
        }
    });

    test("a restart (pid 1 started anew) makes the next probe check at once", async () => {
        const server = await healthServer(() => 200);
        try {
            writeFileSync(marker, "4242");
            setContainerStart("9999");
            expect(await probe(server.port)).toEqual({ code: 0, stdout: "healthy\n" });
            expect(readFileSync(marker, "utf8")).toBe("9999");
        } finally {
            await server.close();
        }
    });

    test("with no writable marker every probe checks and exits: correct, only dearer", async () => {
        const server = await healthServer(() => 200);
        try {
            marker = join(dir, "missing-dir", "healthy");
            for (let i = 0; i < 2; i++) expect(await probe(server.port)).toEqual({ code: 0, stdout: "healthy\n" });
            expect(server.checks()).toBe(2);
        } finally {
            await server.close();
        }
    });
});
