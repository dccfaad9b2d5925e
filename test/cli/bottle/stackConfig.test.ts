import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planConfigChanges, readStackConfigFile, stackConfigPath, type StackConfigFile } from "../../../cli/bottle/stackConfig";

const none: StackConfigFile = { hasInlineManifest: false, tokenRefs: new Set() };
const desired = { manifestPath: "stacks/bottles/example.yaml", slug: "example" };

describe("reading a stack's config file without Pulumi", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-stackcfg-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("Pulumi.<stack>.yaml in the stack config folder; qualified stacks use their last part", () => {
        expect(stackConfigPath("/p/stacks", "example")).toBe("/p/stacks/Pulumi.example.yaml");
        expect(stackConfigPath("/p/stacks", "acme/example")).toBe("/p/stacks/Pulumi.example.yaml");
    });

    test("a stack without a file has an empty config", () => {
        expect(readStackConfigFile(path.join(dir, "Pulumi.none.yaml"))).toEqual(none);
    });

    test("reads the keys the command manages, the names of token secrets and the secrets provider", () => {
        const file = path.join(dir, "Pulumi.b.yaml");
        fs.writeFileSync(
            file,
            [
                "secretsprovider: awskms://alias/x",
                "encryptionsalt: v1:abc",
                "config:",
                "  cred-proxy:manifestPath: stacks/bottles/b.yaml",
                "  cred-proxy:image: reg/cred-proxy:1",
                "  cred-proxy:port: 9090",
                "  cred-proxy:slug: bee",
                "  cred-proxy:manifest: {tokens: []}",
                "  cred-proxy:tokens:",
                "    GITHUB_TOKEN:",
                "      secure: v1:AAAA",
                "",
            ].join("\n"),
        );
        expect(readStackConfigFile(file)).toEqual({
            manifestPath: "stacks/bottles/b.yaml",
            hasInlineManifest: true,
            image: "reg/cred-proxy:1",
            slug: "bee",
            port: "9090",
            tokenRefs: new Set(["GITHUB_TOKEN"]),
            secretsProvider: "awskms://alias/x",
        });
    });

    test("the committed example stack config", () => {
        expect(readStackConfigFile(path.resolve(__dirname, "../../../stacks/Pulumi.example.yaml"))).toEqual({
            ...none,
            manifestPath: "stacks/bottles/example.yaml",
            image: "cred-proxy:latest",
        });
    });

    test("a broken file is one clean error", () => {
        const file = path.join(dir, "Pulumi.x.yaml");
        fs.writeFileSync(file, "config: [unclosed\n");
        expect(() => readStackConfigFile(file)).toThrow(/Pulumi\.x\.yaml is not valid YAML; fix or remove it/);
    });
});

describe("the config changes before preview and up", () => {
    test("a new stack gets the manifest path and the default image; the slug is its name, so it is not written", () => {
        expect(planConfigChanges(desired, "example", none)).toEqual({
            set: [
                { key: "cred-proxy:manifestPath", value: "stacks/bottles/example.yaml", path: false },
                { key: "cred-proxy:image", value: "cred-proxy:latest", path: false },
            ],
            remove: [],
        });
    });

    test("a stack that already says the same is left untouched", () => {
        const current = { ...none, manifestPath: desired.manifestPath, image: "reg/cred-proxy@sha256:1" };
        expect(planConfigChanges(desired, "example", current)).toEqual({ set: [], remove: [] });
    });

    test("--image and --port are written; the port with --path so Pulumi stores an integer", () => {
        const current = { ...none, manifestPath: desired.manifestPath, image: "old", port: "8080" };
        expect(planConfigChanges({ ...desired, image: "new", port: 9090 }, "example", current).set).toEqual([
            { key: "cred-proxy:image", value: "new", path: false },
            { key: "cred-proxy:port", value: "9090", path: true },
        ]);
        expect(planConfigChanges({ ...desired, port: 8080 }, "example", { ...current, image: "old" }).set).toEqual([]);
    });

    test("a stack named otherwise than the bottle gets the slug written; a stale slug is corrected", () => {
        expect(planConfigChanges(desired, "example-staging", none).set).toContainEqual({
            key: "cred-proxy:slug",
            value: "example",
            path: false,
        });
        expect(planConfigChanges(desired, "example", { ...none, slug: "old" }).set).toContainEqual({
            key: "cred-proxy:slug",
            value: "example",
            path: false,
        });
    });

    test("an inline manifest is removed, since the program takes exactly one of manifest and manifestPath", () => {
        expect(planConfigChanges(desired, "example", { ...none, hasInlineManifest: true }).remove).toEqual(["cred-proxy:manifest"]);
    });
});
