import { SECRET_SIG, SECRET_SIG_VALUE } from "../../helpers/pulumiMocks";
import { maskSecrets, planResources, sortKeys, urnRef } from "../../../cli/plan/document";
import { renderValue } from "../../../cli/plan/renderText";

const secret = (value: unknown) => ({ [SECRET_SIG]: SECRET_SIG_VALUE, value });

describe("the plan document's parts", () => {
    test("secrets are shown as [secret] at any depth; other values stay", () => {
        expect(maskSecrets({ envs: secret(["A=1"]), list: [1, secret("x")], nested: { s: secret({ deep: "y" }) }, plain: "p" })).toEqual({
            envs: "[secret]",
            list: [1, "[secret]"],
            nested: { s: "[secret]" },
            plain: "p",
        });
    });

    test("a parent URN becomes <type>::<name>", () => {
        expect(urnRef("")).toBeNull();
        expect(urnRef("urn:pulumi:dev::cred-proxy::cred-proxy:index:CredProxySidecar::example")).toBe(
            "cred-proxy:index:CredProxySidecar::example",
        );
        expect(urnRef("urn:pulumi:dev::p::a:b:Parent$docker:index/network:Network::n")).toBe("docker:index/network:Network::n");
    });

    test("resources come parents first, siblings by type then name, whatever the registration order", () => {
        const parentUrn = "urn:pulumi:s::p::t:index:Comp::c";
        const child = (type: string, name: string) => ({ type, name, inputs: {}, parent: parentUrn, deleteBeforeReplace: true });
        const ordered = planResources([
            child("z:index:Z", "b"),
            { type: "a:index:Other", name: "top", inputs: {}, parent: "", deleteBeforeReplace: false },
            child("z:index:Z", "a"),
            { type: "t:index:Comp", name: "c", inputs: {}, parent: "", deleteBeforeReplace: false },
            child("y:index:Y", "q"),
        ]);
        expect(ordered.map((r) => `${r.type} ${r.name} <- ${r.parent}`)).toEqual([
            "a:index:Other top <- null",
            "t:index:Comp c <- null",
            "y:index:Y q <- t:index:Comp::c",
            "z:index:Z a <- t:index:Comp::c",
            "z:index:Z b <- t:index:Comp::c",
        ]);
    });

    test("keys are sorted at every depth and arrays keep their order", () => {
        expect(JSON.stringify(sortKeys({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 2 } }))).toBe('{"a":{"c":2,"d":[3,{"y":2,"z":1}]},"b":1}');
    });

    test("the text view shows one input per line, summarising multi-line text and cutting long values", () => {
        expect(renderValue("[secret]")).toBe("[secret]");
        expect(renderValue(["--port", "8080"])).toBe('["--port","8080"]');
        expect(renderValue([{ content: "a\nb\n", file: "/f" }])).toBe('[{"content":"<text: 3 lines, 4 bytes>","file":"/f"}]');
        const long = renderValue("x".repeat(500));
        expect(long.length).toBe(140);
        expect(long.endsWith("…")).toBe(true);
    });
});
