import { fakeToken } from "../../helpers/fakeTokens";
import { installMocks, type RegisteredResource, settle, valueOf } from "../../helpers/pulumiMocks";

let registered: RegisteredResource[];
let lib: typeof import("../../../components");

beforeAll(async () => {
    registered = installMocks({ existingNetworks: { "shared-internal": { internal: true }, routable: { internal: false } } });
    lib = await import("../../../components");
    process.env.NET_TEST_TOKEN = fakeToken("npm");
});

afterAll(() => {
    delete process.env.NET_TEST_TOKEN;
});

const bottle = { tokens: [{ Kind: "npm", TokenRef: "NET_TEST_TOKEN" }] };

test("joining existing networks creates none and attaches the container to them", async () => {
    const sidecar = new lib.CredProxySidecar("joined", {
        bottle,
        image: "cred-proxy:test",
        internalNetworkName: "shared-internal",
        egressNetworkName: "shared-egress",
    });
    await valueOf(sidecar.containerName);
    await settle();
    const mine = registered.filter((r) => r.name.startsWith("joined"));
    expect(mine.map((r) => r.type).sort()).toEqual(["cred-proxy:index:CredProxySidecar", "docker:index/container:Container"]);
    const container = mine.find((r) => r.type === "docker:index/container:Container")!;
    expect(container.inputs.networksAdvanced).toEqual([{ name: "shared-internal", aliases: ["cred-proxy"] }, { name: "shared-egress" }]);
    expect(await valueOf(sidecar.internalNetworkName)).toBe("shared-internal");
});

test("joining a network that is not internal fails instead of giving the agent a route out", async () => {
    // The lookup's apply runs this check; a failing apply cannot be awaited under jest.
    const { requireInternal } = await import("../../../components/credProxySidecar/networks");
    expect(requireInternal({ name: "shared-internal", internal: true })).toBe("shared-internal");
    expect(() => requireInternal({ name: "routable", internal: false })).toThrow(
        /internalNetworkName: network routable was not created with internal: true/,
    );
});
