import { optionValue, parseArgs, parsePort } from "../../cli/args";
import { UsageError } from "../../cli/errors";

const spec = { json: "switch", image: "value", help: "switch" } as const;

describe("parseArgs", () => {
    test("positionals, switches and value options in any order, both value spellings", () => {
        expect(parseArgs(["a.yaml", "--json", "--image", "x:1"], spec)).toEqual({
            positionals: ["a.yaml"],
            options: { json: true, image: "x:1" },
        });
        expect(parseArgs(["--image=x:2", "b.yaml"], spec)).toEqual({ positionals: ["b.yaml"], options: { image: "x:2" } });
    });

    test("-h is --help, and -- ends the options", () => {
        expect(parseArgs(["-h"], spec).options.help).toBe(true);
        expect(parseArgs(["--", "--json"], spec)).toEqual({ positionals: ["--json"], options: {} });
    });

    test.each([
        [["--nope"], "unknown option --nope"],
        [["-x"], "unknown option -x"],
        [["--json", "--json"], "--json is given twice"],
        [["--json=yes"], "--json takes no value"],
        [["--image"], "--image needs a value"],
        [["--image", "--json"], "--image needs a value"],
        [["--image="], "--image needs a value"],
    ])("%j is a usage error: %s", (argv, message) => {
        expect(() => parseArgs(argv, spec)).toThrow(UsageError);
        expect(() => parseArgs(argv, spec)).toThrow(message);
    });

    test("optionValue reads value options only", () => {
        const args = parseArgs(["--json", "--image", "i"], spec);
        expect(optionValue(args, "image")).toBe("i");
        expect(optionValue(args, "json")).toBeUndefined();
    });
});

describe("parsePort", () => {
    test("whole numbers from 1 to 65535", () => {
        expect(parsePort(undefined)).toBeUndefined();
        expect(parsePort("1")).toBe(1);
        expect(parsePort("65535")).toBe(65535);
    });

    test.each(["0", "65536", "80.5", "-1", "0x50", "8080 ", "", "99999999"])("%j is refused", (raw) => {
        expect(() => parsePort(raw)).toThrow(/--port must be a whole number from 1 to 65535/);
    });
});
