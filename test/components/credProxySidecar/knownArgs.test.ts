import type * as pulumiType from "@pulumi/pulumi";
import { fakeToken } from "../../helpers/fakeTokens";
import { installMocks, settle, valueOf, type RegisteredResource } from "../../helpers/pulumiMocks";

// What the provider host hands the constructor for another language's program (see
// test/package/pluginHost.test.ts for the same over gRPC): outputs and unknowns where the component needs
// values now are refused by path, before anything is declared; outputs inside tokenValues are fine.
let registered: RegisteredResource[];
let pulumi: typeof pulumiType;
let lib: typeof import("../../../components");
const token = fakeToken("known-args");

beforeAll(async () => {
    registered = installMocks();
    pulumi = await import("@pulumi/pulumi");
    lib = await import("../../../components");
});

const tokens = [{ Kind: "npm", TokenRef: "KNOWN_ARGS_TOKEN" }];

/** Constructs with arguments as they may arrive from the provider; returns the refusal's issues. */
async function refusal(args: Record<string, unknown>): Promise<string[]> {
    const before = registered.length;
    let error: unknown;
    try {
        new lib.CredProxySidecar("known", { image: "cred-proxy:test", bottle: { tokens }, ...args } as never);
    } catch (err) {
        error = err;
    }
    await settle();
    expect(registered.length).toBe(before);
    expect(error).toBeInstanceOf(lib.CredProxySidecarArgsError);
    const issues = (error as InstanceType<typeof lib.CredProxySidecarArgsError>).issues;
    expect(JSON.stringify(issues)).not.toContain(token);
    return issues.map((i) => `${i.path}: ${i.message.split(";")[0]}`);
}

describe("arguments that decide what is declared must be known when the constructor runs", () => {
    test("outputs and unknowns in the manifest are named by path", async () => {
        const issues = await refusal({
            bottle: {
                tokens: [{ Kind: "gitea", TokenRef: "KNOWN_ARGS_TOKEN", Url: pulumi.output("https://git.example.com") }, pulumi.unknown],
            },
            tokenValues: { KNOWN_ARGS_TOKEN: pulumi.secret(token) },
        });
        expect(issues).toEqual([
            "bottle.tokens[0].Url: is an output (another resource's output, a secret, or a value unknown in a preview)",
            "bottle.tokens[1]: is unknown (a value computed during a preview)",
        ]);
    });

    test("a manifest passed as one output (a secret, say)", async () => {
        expect(await refusal({ bottle: pulumi.secret({ tokens }), tokenValues: { KNOWN_ARGS_TOKEN: token } })).toEqual([
            "bottle: is an output (another resource's output, a secret, or a value unknown in a preview)",
        ]);
    });

    test("slug, port, memory and process limits", async () => {
        const issues = await refusal({
            slug: pulumi.output("known"),
            port: pulumi.unknown,
            memoryMb: pulumi.output(256),
            maxProcesses: pulumi.output(64),
            tokenValues: { KNOWN_ARGS_TOKEN: token },
        });
        expect(issues.map((i) => i.split(":")[0])).toEqual(["slug", "port", "memoryMb", "maxProcesses"]);
    });

    test("token values as one output: its keys are unknown, so no TokenRef could be matched", async () => {
        expect(await refusal({ tokenValues: pulumi.secret({ KNOWN_ARGS_TOKEN: token }) })).toEqual([
            "tokenValues: must be a map whose keys are known when the program runs",
        ]);
    });

    test("outputs as token values and as image or network names are what inputs are for", async () => {
        const sidecar = new lib.CredProxySidecar("known-ok", {
            bottle: { tokens },
            image: pulumi.output("cred-proxy:test"),
            egressNetworkName: pulumi.output("shared-egress"),
            tokenValues: { KNOWN_ARGS_TOKEN: pulumi.secret(token) },
        });
        expect(await valueOf(sidecar.egressNetworkName)).toBe("shared-egress");
        expect((await valueOf(sidecar.routes)).map((r) => r.kind)).toEqual(["npm"]);
        await settle();
    });
});
