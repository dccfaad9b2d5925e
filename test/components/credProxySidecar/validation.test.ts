import type * as pulumiType from "@pulumi/pulumi";
import { fakeToken } from "../../helpers/fakeTokens";
import { installMocks, type RegisteredResource, settle } from "../../helpers/pulumiMocks";

let registered: RegisteredResource[];
let pulumi: typeof pulumiType;
let lib: typeof import("../../../components");

beforeAll(async () => {
    registered = installMocks();
    pulumi = await import("@pulumi/pulumi");
    lib = await import("../../../components");
});

afterEach(() => {
    delete process.env.VALIDATION_TOKEN;
});

/** Constructs a sidecar expecting failure; returns the error and checks nothing was declared. */
async function failure(name: string, args: Partial<import("../../../components").CredProxySidecarArgs>): Promise<Error> {
    const before = registered.length;
    let error: unknown;
    try {
        new lib.CredProxySidecar(name, { image: "cred-proxy:test", bottle: { tokens: [] }, ...args });
    } catch (err) {
        error = err;
    }
    await settle();
    expect(error).toBeInstanceOf(Error);
    expect(registered.length).toBe(before); // nothing half-declared
    return error as Error;
}

describe("CredProxySidecar refuses bad input before declaring anything", () => {
    test("manifest problems are listed with their path under args", async () => {
        const err = await failure("bad-manifest", {
            bottle: {
                tokens: [
                    { Kind: "antropic", TokenRef: "A" },
                    { Kind: "gitea", TokenRef: "B" },
                ],
            },
            port: 70000,
        });
        expect(err).toBeInstanceOf(lib.CredProxySidecarArgsError);
        expect(err.message).toContain('CredProxySidecar "bad-manifest"');
        expect((err as InstanceType<typeof lib.CredProxySidecarArgsError>).issues.map((i) => i.path)).toEqual([
            "port",
            "bottle.tokens[0].Kind",
            "bottle.tokens[1].Url",
        ]);
        expect(err.message).toContain("args.bottle.tokens[1].Url: is required for gitea entries");
    });

    test("a bottle without tokens is refused: there would be nothing to proxy", async () => {
        const err = await failure("empty", { bottle: {} });
        expect(err.message).toContain("args.bottle.tokens: declares no tokens");
    });

    test("a slug that cannot name Docker resources is refused, naming where it came from", async () => {
        const err = await failure("Bad_Name", { bottle: { tokens: [{ Kind: "npm", TokenRef: "VALIDATION_TOKEN" }] } });
        expect(err.message).toMatch(/args\.slug: .*taken from the resource name/);
    });

    test("a TokenRef with no value anywhere names both ways to supply it", async () => {
        const err = await failure("unset", { bottle: { tokens: [{ Kind: "npm", TokenRef: "VALIDATION_TOKEN" }] } });
        expect(err).toBeInstanceOf(lib.CredProxySidecarArgsError);
        expect(err.message).toContain("args.bottle.tokens[0].TokenRef: VALIDATION_TOKEN (for CRED_PROXY_TOKEN_0) is not set");
        expect(err.message).toContain("in the deploying environment");
        expect(err.message).toContain("tokenValues.VALIDATION_TOKEN");
    });

    test("a host value that would forge headers is refused without being quoted", async () => {
        const token = fakeToken("npm");
        process.env.VALIDATION_TOKEN = `${token}\r\nX-Evil: 1`;
        const err = await failure("forged", { bottle: { tokens: [{ Kind: "npm", TokenRef: "VALIDATION_TOKEN" }] } });
        expect(err.message).toContain("VALIDATION_TOKEN");
        expect(err.message).toContain("line break");
        expect(err.message).not.toContain(token);
    });

    test("a tokenValues key that no entry names is refused (a typo would fall back silently)", async () => {
        process.env.VALIDATION_TOKEN = fakeToken("npm");
        const err = await failure("stray", {
            bottle: { tokens: [{ Kind: "npm", TokenRef: "VALIDATION_TOKEN" }] },
            tokenValues: { VALIDATON_TOKEN: pulumi.secret(fakeToken("typo")) },
        });
        expect(err.message).toContain("args.tokenValues.VALIDATON_TOKEN: no token entry has this TokenRef");
    });
});

describe("secret token values are checked when they resolve", () => {
    // A failing apply cannot be awaited under jest (Pulumi leaves derived promises unhandled), so
    // the check the apply runs is tested directly, and the apply's wiring on a good value.
    test("a config secret with a newline fails the deployment without quoting the value", async () => {
        const { slotAssignment } = await import("../../../components/credProxySidecar/tokenEnvs");
        const token = fakeToken("cfg");
        expect(() => slotAssignment("cfg", "CFG_TOKEN", "CRED_PROXY_TOKEN_0", `${token}\n`)).toThrow(
            'CredProxySidecar "cfg": tokenValues.CFG_TOKEN (for CRED_PROXY_TOKEN_0) contains a line break',
        );
        for (const bad of [`${token}\n`, "", `\t${token}`, 42]) {
            let message = "";
            try {
                slotAssignment("cfg", "CFG_TOKEN", "CRED_PROXY_TOKEN_0", bad);
            } catch (err) {
                message = (err as Error).message;
                expect(pulumi.RunError.isInstance(err)).toBe(true);
            }
            expect(message).toContain("tokenValues.CFG_TOKEN");
            expect(message).not.toContain(token);
        }
    });

    test("every slot assignment is a secret, whether its value came from the host or from config", async () => {
        const { tokenEnvs } = await import("../../../components/credProxySidecar/tokenEnvs");
        process.env.VALIDATION_TOKEN = fakeToken("host");
        const envs = tokenEnvs(
            "both",
            { CRED_PROXY_TOKEN_0: "VALIDATION_TOKEN", CRED_PROXY_TOKEN_1: "CFG_TOKEN" },
            { CFG_TOKEN: fakeToken("cfg") },
            process.env,
        );
        expect(await Promise.all(envs.map((e) => pulumi.isSecret(e)))).toEqual([true, true]);
    });

    test("a good config secret becomes a secret slot assignment", async () => {
        const { tokenEnvs } = await import("../../../components/credProxySidecar/tokenEnvs");
        const token = fakeToken("cfg");
        const [env] = tokenEnvs("cfg", { CRED_PROXY_TOKEN_0: "CFG_TOKEN" }, { CFG_TOKEN: token }, {});
        expect(await pulumi.isSecret(env)).toBe(true);
        expect(await (env as unknown as { promise(): Promise<string> }).promise()).toBe(`CRED_PROXY_TOKEN_0=${token}`);
    });
});
