/**
 * The image definition, pinned to the contract: sidecar/Dockerfile cannot import contract.ts,
 * so this test parses it. Also checks that the compiled server needs nothing the image lacks:
 * the image copies dist/sidecar/ and the runtime packages, nothing else.
 */
import { builtinModules } from "module";
import { readFileSync } from "fs";
import { join } from "path";
import { DEFAULT_PORT, HEALTH_CHECK, HEALTH_PROBE, PROXY_GID, PROXY_UID, RUNTIME_PACKAGES } from "../../sidecar/contract";
import { SIDECAR_DIR, sidecarSources } from "./helpers/build";

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

test("copies the compiled server and its runtime packages, and starts it with node", () => {
    expect(all("COPY").map((c) => c.args)).toEqual([
        "dist/sidecar/ /app/sidecar/",
        ...RUNTIME_PACKAGES.map((name) => `node_modules/${name}/ /app/node_modules/${name}/`),
    ]);
    expect(JSON.parse(one("ENTRYPOINT"))).toEqual(["node", "/app/sidecar/main.js"]);
    const build = JSON.parse(readFileSync(join(SIDECAR_DIR, "..", "tsconfig.build.json"), "utf8")) as {
        include: string[];
    };
    expect(build.include).toContain("sidecar/**/*.ts");
});

test("HEALTHCHECK runs the contract's probe with the contract's settings", () => {
    const m = /^--interval=(\S+) --timeout=(\S+) --start-period=(\S+) --retries=(\d+)\s+CMD\s+(\[.*\])$/.exec(one("HEALTHCHECK"));
    expect(m).not.toBeNull();
    const [, interval, timeout, startPeriod, retries, cmd] = m!;
    // The builder takes plain seconds or milliseconds here.
    const seconds = (d: string) => Number(/^(\d+)(ms|s)$/.exec(d)?.[1]) / (d.endsWith("ms") ? 1000 : 1);
    expect({
        intervalS: seconds(interval),
        timeoutS: seconds(timeout),
        startPeriodS: seconds(startPeriod),
        retries: +retries,
    }).toEqual(HEALTH_CHECK);
    // No --port: the probe falls back to CRED_PROXY_PORT, then to the contract's port.
    expect(JSON.parse(cmd)).toEqual(["node", HEALTH_PROBE]);
    expect(HEALTH_PROBE).toBe("/app/sidecar/healthcheck.js");
});

test("server code imports only Node built-ins, its own directory and the runtime packages", () => {
    const builtins = new Set(builtinModules);
    const allowed = new Set(RUNTIME_PACKAGES);
    for (const file of sidecarSources()) {
        const text = readFileSync(join(SIDECAR_DIR, file), "utf8");
        for (const m of text.matchAll(/(?:from\s+|require\()\s*["']([^"']+)["']/g)) {
            const spec = m[1];
            const pkg = /^((?:@[^/]+\/)?[^/]+)/.exec(spec)?.[1] ?? spec;
            const ok = /^\.\/[A-Za-z]+$/.test(spec) || builtins.has(spec.replace(/^node:/, "")) || allowed.has(pkg);
            expect({ file, spec, ok }).toEqual({ file, spec, ok: true });
        }
    }
});

test("each runtime package is a dependency with no dependencies of its own, kept out of .dockerignore", () => {
    const root = join(SIDECAR_DIR, "..");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const ignore = readFileSync(join(root, ".dockerignore"), "utf8").split("\n");
    for (const name of RUNTIME_PACKAGES) {
        expect(pkg.dependencies[name]).toBeDefined();
        // The image copies the package folder alone: anything it required would be missing.
        const own = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as {
            dependencies?: Record<string, string>;
        };
        expect(own.dependencies ?? {}).toEqual({});
        expect(ignore).toContain(`!node_modules/${name}`);
    }
});

test("main.ts is an executable script", () => {
    expect(readFileSync(join(SIDECAR_DIR, "main.ts"), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
});
