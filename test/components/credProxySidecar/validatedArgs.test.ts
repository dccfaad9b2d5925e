import * as path from "path";
import { validateArgs } from "../../../components/credProxySidecar/validatedArgs";
import { loadBottleManifest } from "../../../components/core";
import * as upstreamUrl from "../../../components/manifest/upstreamUrl";

const EXAMPLE = path.resolve(__dirname, "../../../stacks/bottles/example.yaml");

describe("validateArgs", () => {
    afterEach(() => jest.restoreAllMocks());

    test("takes a manifest the stack program already validated as it is: each Gitea Url is parsed once in all", () => {
        const parse = jest.spyOn(upstreamUrl, "parseUpstreamUrl");
        const manifest = loadBottleManifest(EXAMPLE);
        const giteaEntries = manifest.tokens.filter((t) => t.Kind === "gitea").length;
        expect(giteaEntries).toBeGreaterThan(0);
        expect(parse).toHaveBeenCalledTimes(giteaEntries);

        const valid = validateArgs("example", { bottle: manifest, image: "cred-proxy:latest" });
        expect(parse).toHaveBeenCalledTimes(giteaEntries);
        expect(valid.routes.filter((r) => r.kind === "gitea")).toHaveLength(giteaEntries);
    });

    test("validates a manifest given as written (another language's, a literal), and the same routes come out", () => {
        const manifest = loadBottleManifest(EXAMPLE);
        const written = JSON.parse(JSON.stringify(manifest));
        const parse = jest.spyOn(upstreamUrl, "parseUpstreamUrl");
        const valid = validateArgs("example", { bottle: written, image: "cred-proxy:latest" });
        expect(parse).toHaveBeenCalled();
        expect(valid.routes).toEqual(validateArgs("example", { bottle: manifest, image: "cred-proxy:latest" }).routes);
    });
});
