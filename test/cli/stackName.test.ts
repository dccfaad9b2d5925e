import fc from "fast-check";
import { validateArgs } from "../../components/credProxySidecar/validatedArgs";
import { CliError, UsageError } from "../../cli/errors";
import { bottleSlug, SLUG_PATTERN, stackNameFor, stackShortName } from "../../cli/stackName";

const tokens = [{ Kind: "npm" as const, TokenRef: "NPM_TOKEN" }];

describe("the bottle's slug", () => {
    test("is the manifest's name when it has one, whatever the file is called", () => {
        expect(bottleSlug({ name: "agent-7", tokens }, "bottles/whatever.yaml")).toBe("agent-7");
    });

    test("is the file's base name when the manifest has no name", () => {
        expect(bottleSlug({ tokens }, "stacks/bottles/team-a.yml")).toBe("team-a");
        expect(bottleSlug({ tokens }, "/abs/path/b2.json")).toBe("b2");
    });

    test("is --slug when given, over both", () => {
        expect(bottleSlug({ name: "agent-7", tokens }, "x.yaml", "other")).toBe("other");
    });

    test("a name that is no slug is an error that does not echo it", () => {
        const call = () => bottleSlug({ name: "Agent 7!", tokens }, "b.yaml");
        expect(call).toThrow(CliError);
        expect(call).toThrow(/b\.yaml: name cannot be used as the bottle's slug.*pass --slug/);
        expect(call).not.toThrow(/Agent 7/);
        expect(() => bottleSlug({ name: 42, tokens }, "b.yaml")).toThrow(/name cannot be used/);
    });

    test("a file name that is no slug, without a name in the manifest, says how to fix it", () => {
        expect(() => bottleSlug({ tokens }, "My Bottle.yaml")).toThrow(
            /has no name and its file name "My Bottle" is no usable slug.*add a top-level name/,
        );
    });

    test("a bad --slug is a usage error", () => {
        expect(() => bottleSlug({ tokens }, "a.yaml", "UPPER")).toThrow(UsageError);
    });

    test("accepts exactly the slugs CredProxySidecar accepts", () => {
        const accepted = (slug: string) => {
            try {
                validateArgs("r", { bottle: { tokens }, image: "i", slug });
                return true;
            } catch {
                return false;
            }
        };
        const slugish = fc.stringMatching(/^[a-z0-9-]{0,42}$/);
        fc.assert(fc.property(fc.oneof(slugish, fc.string({ maxLength: 45 })), (s) => SLUG_PATTERN.test(s) === accepted(s)));
    });
});

describe("the stack name", () => {
    test("defaults to the slug; --stack overrides it", () => {
        expect(stackNameFor("example")).toBe("example");
        expect(stackNameFor("example", "example-staging")).toBe("example-staging");
        expect(stackNameFor("example", "acme/bottles/example")).toBe("acme/bottles/example");
    });

    test.each(["has space", "a/b/c/d", "", "semi;colon"])("--stack %j is refused", (name) => {
        expect(() => stackNameFor("x", name)).toThrow(UsageError);
    });

    test("a qualified stack keeps its config in Pulumi.<last part>.yaml", () => {
        expect(stackShortName("acme/bottles/example")).toBe("example");
        expect(stackShortName("example")).toBe("example");
    });
});
