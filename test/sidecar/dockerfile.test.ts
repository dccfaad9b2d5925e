/**
 * The image definition, pinned to the contract: sidecar/Dockerfile cannot import contract.ts,
 * so this test parses it. Also checks that the compiled server is self-contained, since the
 * image copies dist/sidecar/ and nothing else.
 */
import { spawn } from "child_process";
import { builtinModules } from "module";
import { readFileSync } from "fs";
import { join } from "path";
import { DEFAULT_PORT, HEALTH_PATH, PROXY_GID, PROXY_UID } from "../../sidecar/contract";
import { SIDECAR_DIR, sidecarSources } from "./helpers/build";
import { InProcessProxy, route, startInProcess } from "./helpers/inprocess";

/** Instructions with continuation lines joined and comments dropped. */
function instructions(): Array<{ op: string; args: string }> {
    const text = readFileSync(join(SIDECAR_DIR, "Dockerfile"), "utf8");
    return text
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => {
            const m = /^(\S+)\s+(.*)$/.exec(l)!;
            return { op: m[1].toUpperCase(), args: m[2].trim() };
        });
}
const all = (op: string) => instructions().filter((i) => i.op === op);
const one = (op: string) => {
    const found = all(op);
    expect(found).toHaveLength(1);
    return found[0].args;
};

test("the base image is an argument, defaulting to a public Node 20 image", () => {
    const first = instructions()[0];
    expect(first).toEqual({ op: "ARG", args: "BASE_IMAGE=node:20-bookworm-slim" });
    expect(one("FROM")).toBe("${BASE_IMAGE}");
});

test("runs as the contract's numeric non-root user", () => {
    expect(one("USER")).toBe(`${PROXY_UID}:${PROXY_GID}`);
    expect(PROXY_UID).not.toBe(0);
});

test("exposes the contract's port", () => {
    expect(one("EXPOSE")).toBe(String(DEFAULT_PORT));
});

test("builds offline: no RUN, no ADD, no remote syntax frontend", () => {
    expect(all("RUN")).toEqual([]);
    expect(all("ADD")).toEqual([]);
    expect(readFileSync(join(SIDECAR_DIR, "Dockerfile"), "utf8")).not.toMatch(/^#\s*syntax=/m);
});

test("copies the compiled server and starts it with node", () => {
    expect(one("COPY")).toBe("dist/sidecar/ /app/sidecar/");
    expect(JSON.parse(one("ENTRYPOINT"))).toEqual(["node", "/app/sidecar/main.js"]);
    const build = JSON.parse(readFileSync(join(SIDECAR_DIR, "..", "tsconfig.build.json"), "utf8")) as {
        include: string[];
    };
    expect(build.include).toContain("sidecar/**/*.ts");
});

describe("HEALTHCHECK", () => {
    const probe = () => {
        const args = one("HEALTHCHECK");
        const m = /CMD\s+(\[.*\])$/.exec(args);
        expect(m).not.toBeNull();
        const cmd = JSON.parse(m![1]) as string[];
        expect(cmd.slice(0, 2)).toEqual(["node", "-e"]);
        return cmd[2];
    };
    let proxy: InProcessProxy;
    beforeAll(async () => {
        proxy = await startInProcess([route("/x/", "http://127.0.0.1:9", "fake-unused")]);
    });
    afterAll(() => proxy.shutdown());

    test(`probes ${HEALTH_PATH} on the contract's port by default`, () => {
        const script = probe();
        expect(script).toContain(`path:'${HEALTH_PATH}'`);
        expect(script).toContain(`||${DEFAULT_PORT}`);
    });

    test("the probe passes against a running server and fails without one", async () => {
        // Asynchronous: the server answering the probe runs in this very process.
        const run = (port: number) =>
            new Promise<number | null>((resolve) => {
                const child = spawn(process.execPath, ["-e", probe()], { env: { CRED_PROXY_PORT: String(port) } });
                child.on("exit", resolve);
            });
        expect(await run(proxy.port)).toBe(0);
        expect(await run(9)).toBe(1);
    });
});

test("server code imports only Node built-ins and its own directory", () => {
    const builtins = new Set(builtinModules);
    for (const file of sidecarSources()) {
        const text = readFileSync(join(SIDECAR_DIR, file), "utf8");
        for (const m of text.matchAll(/(?:from\s+|require\()\s*["']([^"']+)["']/g)) {
            const spec = m[1];
            const ok = /^\.\/[A-Za-z]+$/.test(spec) || builtins.has(spec.replace(/^node:/, ""));
            expect({ file, spec, ok }).toEqual({ file, spec, ok: true });
        }
    }
});

test("main.ts is an executable script", () => {
    expect(readFileSync(join(SIDECAR_DIR, "main.ts"), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
});
