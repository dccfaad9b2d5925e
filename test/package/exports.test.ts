import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { requireBuiltDist } from "../helpers/dist";

const ROOT = path.resolve(__dirname, "../..");

/** What another program gets from `require(<specifier>)` of the built package, run in a child. */
function load(specifier: string, script = "Object.keys(m).sort()"): unknown {
    const child = spawnSync(
        process.execPath,
        ["-e", `const m = require(${JSON.stringify(specifier)}); process.stdout.write(JSON.stringify(${script}))`],
        {
            cwd: ROOT,
            encoding: "utf8",
        },
    );
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    return JSON.parse(child.stdout);
}

// What another Pulumi program gets from the package after `npm run build` (npm test's pretest
// step): the compiled entries, not the TypeScript sources. The lists are exact on purpose: a name
// added or removed here is a change to the public surface, and the README says what it is.
describe("the built package", () => {
    beforeAll(() => requireBuiltDist());

    test("the root exports the component, the manifest loader, the errors and the enums", () => {
        expect(load("cred-proxy")).toEqual([
            "CRED_PROXY_SIDECAR_TYPE",
            "CredProxySidecar",
            "CredProxySidecarArgsError",
            "ManifestError",
            "RouteAuthScheme",
            "RouteKind",
            "loadBottleManifest",
            "parseBottleManifest",
        ]);
    });

    test("cred-proxy/core exports the planning core, and loads neither Pulumi nor Docker", () => {
        expect(load("cred-proxy/core")).toEqual([
            "AGENT_PLACEHOLDER_TOKEN",
            "DEFAULT_PORT",
            "DEFAULT_ROUTES_PATH",
            "ManifestError",
            "PROXY_ALIAS",
            "RouteAuthScheme",
            "RouteKind",
            "TOKEN_SLOT_PREFIX",
            "TokenResolutionError",
            "TokenSlotConflictError",
            "agentEnvironment",
            "agentRoutes",
            "credProxyRoutes",
            "credProxyTokenEnvMap",
            "isValidatedManifest",
            "loadBottleManifest",
            "parseBottleManifest",
            "renderCredProxyRoutes",
            "resolveCredProxyTokenValues",
        ]);
        const loaded = load(
            "cred-proxy/core",
            "Object.keys(require.cache).filter((f) => /node_modules[\\\\/]@pulumi[\\\\/]/.test(f)).length",
        ) as number;
        expect(loaded).toBe(0);
    });

    test("the root and the subpath share one manifest validator: a manifest validated by either is accepted by both", () => {
        const same = load(
            "cred-proxy",
            'm.parseBottleManifest === require("cred-proxy/core").parseBottleManifest && m.ManifestError === require("cred-proxy/core").ManifestError',
        );
        expect(same).toBe(true);
    });

    test("nothing else is reachable: internal modules are not part of the package's interface", () => {
        const child = spawnSync(process.execPath, ["-e", 'require("cred-proxy/dist/components/routes/table")'], {
            cwd: ROOT,
            encoding: "utf8",
        });
        expect(child.status).not.toBe(0);
        expect(child.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED");
    });

    test("ships type declarations for both entries and the server entry named by bin", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        expect(fs.existsSync(path.join(ROOT, pkg.types))).toBe(true);
        expect(fs.existsSync(path.join(ROOT, pkg.exports["./core"].types))).toBe(true);
        expect(fs.existsSync(path.join(ROOT, pkg.bin["cred-proxy-server"]))).toBe(true);
    });

    test("the component's type token is <package name>:index:CredProxySidecar", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        expect(load("cred-proxy", "m.CRED_PROXY_SIDECAR_TYPE")).toBe(`${pkg.name}:index:CredProxySidecar`);
    });
});
