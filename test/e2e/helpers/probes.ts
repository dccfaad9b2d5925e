/**
 * Looking inside running containers with nothing but their node binary (the images have no
 * shell tools): process credentials, files, routes, and raw HTTP bytes on the wire.
 */
import { execIn, type ContainerRef, type ExecOptions } from "./containers";

async function nodeJson<T>(ref: ContainerRef, script: string, args: string[] = [], opts: ExecOptions = {}): Promise<T> {
    const r = await execIn(ref, ["node", "-e", script, ...args], opts);
    if (r.exitCode !== 0) throw new Error(`probe failed (exit ${r.exitCode}): ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
}

/** `/proc/<pid>/status` of every process in the container (the probe's own included), as maps. */
export function processStatuses(ref: ContainerRef): Promise<Record<string, string>[]> {
    return nodeJson(
        ref,
        `
        const fs = require("fs");
        const out = [];
        for (const pid of fs.readdirSync("/proc").filter((p) => /^\\d+$/.test(p))) {
            try {
                const s = { Pid: pid, Cmdline: fs.readFileSync("/proc/" + pid + "/cmdline", "utf8").split("\\0").join(" ").trim() };
                for (const line of fs.readFileSync("/proc/" + pid + "/status", "utf8").split("\\n")) {
                    const i = line.indexOf(":");
                    if (i > 0) s[line.slice(0, i)] = line.slice(i + 1).trim();
                }
                out.push(s);
            } catch (e) { /* exited meanwhile */ }
        }
        process.stdout.write(JSON.stringify(out));
        `,
    );
}

export interface FileStat {
    mode: number;
    uid: number;
    gid: number;
    isFile: boolean;
}

export function statIn(ref: ContainerRef, file: string): Promise<FileStat> {
    return nodeJson(
        ref,
        `const s = require("fs").statSync(process.argv[1]);
         process.stdout.write(JSON.stringify({ mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, isFile: s.isFile() }))`,
        [file],
    );
}

/** A file's text, read as the container's user (or `user`). */
export async function readFileIn(ref: ContainerRef, file: string, user?: string): Promise<string> {
    const r = await execIn(ref, ["node", "-e", 'process.stdout.write(require("fs").readFileSync(process.argv[1], "utf8"))', file], {
        user,
    });
    if (r.exitCode !== 0) throw new Error(`reading ${file} failed (exit ${r.exitCode}): ${r.stderr}`);
    return r.stdout;
}

export type RawProbe = { ok: true; response: string } | { ok: false; error: string };

/**
 * Send raw bytes to `host:port` from inside a container and return what came back until the
 * peer closed or `timeoutMs` passed: for requests an HTTP client would normalise or refuse to
 * send (absolute-form targets, CONNECT, dot segments).
 */
export function rawHttpFrom(ref: ContainerRef, host: string, port: number, request: string, timeoutMs = 4000): Promise<RawProbe> {
    const script = `
        const [host, port, request, timeoutMs] = JSON.parse(process.argv[1]);
        const chunks = [];
        const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
        const socket = require("net").connect(port, host, () => socket.write(request));
        socket.on("data", (c) => chunks.push(c));
        socket.on("end", () => done({ ok: true, response: Buffer.concat(chunks).toString("latin1") }));
        socket.on("error", (e) => done(chunks.length ? { ok: true, response: Buffer.concat(chunks).toString("latin1") } : { ok: false, error: e.code || e.message }));
        setTimeout(() => done(chunks.length ? { ok: true, response: Buffer.concat(chunks).toString("latin1") } : { ok: false, error: "TIMEOUT" }), timeoutMs);
    `;
    return nodeJson(ref, script, [JSON.stringify([host, port, request, timeoutMs])], { timeoutMs: timeoutMs + 15_000 });
}

/** The status code of a raw HTTP response ("HTTP/1.1 405 Method Not Allowed" gives 405). */
export function rawStatus(p: RawProbe): number | undefined {
    if (!p.ok) return undefined;
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(p.response);
    return m ? Number(m[1]) : undefined;
}
