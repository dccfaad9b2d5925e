import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

// What another Pulumi program gets from `require("cred-proxy")` after `npm run build` (npm test's
// pretest step): the compiled package root, not the TypeScript sources.
describe("the built package root", () => {
    beforeAll(() => {
        if (!fs.existsSync(path.join(ROOT, "dist/components/index.js"))) {
            throw new Error("dist/ is missing: run `npm run build` (npm test does it first)");
        }
    });

    test("exposes the planning core and the component", () => {
        const child = spawnSync(process.execPath, ["-e", 'process.stdout.write(JSON.stringify(Object.keys(require("."))))'], {
            cwd: ROOT,
            encoding: "utf8",
        });
        expect(child.status).toBe(0);
        const names: string[] = JSON.parse(child.stdout);
        expect(names).toEqual(
            expect.arrayContaining([
                "parseBottleManifest",
                "loadBottleManifest",
                "ManifestError",
                "credProxyUpstreams",
                "credProxyTokenEnvMap",
                "renderCredProxyRoutes",
                "resolveCredProxyTokenValues",
                "CredProxySidecar",
            ]),
        );
    });

    test("ships type declarations and the server entry named by bin", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        expect(fs.existsSync(path.join(ROOT, pkg.types))).toBe(true);
        expect(fs.existsSync(path.join(ROOT, pkg.bin["cred-proxy-server"]))).toBe(true);
    });

    test("the component's type token is <package name>:index:CredProxySidecar", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { CRED_PROXY_SIDECAR_TYPE } = require(path.join(ROOT, "dist/components"));
        expect(CRED_PROXY_SIDECAR_TYPE).toBe(`${pkg.name}:index:CredProxySidecar`);
    });
});
