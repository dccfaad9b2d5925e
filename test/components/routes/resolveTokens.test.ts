import { resolveCredProxyTokenValues, TokenResolutionError, type TokenProblem } from "../../../components/core";
import { fakeToken } from "../../helpers/fakeTokens";

const SLOT = "CRED_PROXY_TOKEN_0";
const REF = "TEST_TOKEN_REF";

function resolutionError(fn: () => unknown): TokenResolutionError {
    try {
        fn();
    } catch (err) {
        expect(err).toBeInstanceOf(TokenResolutionError);
        return err as TokenResolutionError;
    }
    throw new Error("expected a TokenResolutionError");
}

/** Every way a message could carry the value: whole, or the token part of it. */
function expectNoValue(err: TokenResolutionError, value: string, token: string): void {
    const texts = [err.message, String(err), err.stack ?? "", JSON.stringify(err.problems), ...err.problems.map((p) => p.message)];
    for (const text of texts) {
        expect(text).not.toContain(token);
        if (value.trim() !== "") {
            expect(text).not.toContain(value.trim());
        }
    }
}

describe("resolveCredProxyTokenValues: success", () => {
    it("returns exactly { slot: value } for every slot, nothing else from the host environment", () => {
        const npm = fakeToken("npm");
        const gh = fakeToken("github");
        const hostEnv = { NPM_TOKEN: npm, GH_TOKEN: gh, UNRELATED: fakeToken("unrelated"), PATH: "/usr/bin" };
        const values = resolveCredProxyTokenValues({ CRED_PROXY_TOKEN_0: "NPM_TOKEN", CRED_PROXY_TOKEN_1: "GH_TOKEN" }, hostEnv);
        expect(values).toEqual({ CRED_PROXY_TOKEN_0: npm, CRED_PROXY_TOKEN_1: gh });
        expect(Object.keys(values)).toEqual(["CRED_PROXY_TOKEN_0", "CRED_PROXY_TOKEN_1"]);
    });

    it("fills two slots from one host variable when both name it", () => {
        const shared = fakeToken("shared");
        expect(resolveCredProxyTokenValues({ CRED_PROXY_TOKEN_0: "SHARED", CRED_PROXY_TOKEN_1: "SHARED" }, { SHARED: shared })).toEqual({
            CRED_PROXY_TOKEN_0: shared,
            CRED_PROXY_TOKEN_1: shared,
        });
    });

    it("returns {} for an empty map", () => {
        expect(resolveCredProxyTokenValues({}, { ANY: fakeToken("any") })).toEqual({});
    });

    it("accepts every printable ASCII character inside a token", () => {
        let printable = "";
        for (let c = 0x21; c <= 0x7e; c++) {
            printable += String.fromCharCode(c);
        }
        const value = `${printable} inner space ${fakeToken("p")}`;
        expect(resolveCredProxyTokenValues({ [SLOT]: REF }, { [REF]: value })).toEqual({ [SLOT]: value });
    });

    it("does not read inherited properties of the host environment object as variables", () => {
        const err = resolutionError(() => resolveCredProxyTokenValues({ [SLOT]: "toString" }, {}));
        expect(err.problems).toEqual([{ slot: SLOT, tokenRef: "toString", message: expect.stringMatching(/not set/) }]);
    });
});

describe("resolveCredProxyTokenValues: refused values", () => {
    const token = fakeToken("bad");
    const cases: Array<[string, string | undefined, RegExp]> = [
        ["unset", undefined, /not set/],
        ["empty", "", /empty/],
        ["ending in LF", `${token}\n`, /line break|CR|LF/],
        ["ending in CRLF", `${token}\r\n`, /line break|CR|LF/],
        ["holding a CR", `${token}\rX-Forged: 1`, /line break|CR|LF/],
        ["holding an LF header injection", `${token}\nX-Forged: 1`, /line break|CR|LF/],
        ["holding a tab", `${token}\tmore`, /control/],
        ["holding a NUL", `${token}\u0000`, /control/],
        ["holding a DEL", `${token}\u007f`, /control/],
        ["holding an escape", `\u001b[31m${token}`, /control/],
        ["holding a C1 control", `${token}\u0085`, /control|line break/],
        ["holding non-ASCII", `${token}é`, /non-ASCII/],
        ["holding a non-breaking space", `${token}\u00a0`, /non-ASCII|whitespace/],
        ["holding an emoji", `${token}🔑`, /non-ASCII/],
        ["with a leading space", ` ${token}`, /whitespace/],
        ["with a trailing space", `${token} `, /whitespace/],
        ["only spaces", "   ", /whitespace|empty/],
    ];

    it.each(cases)("%s: an error naming the variable and the slot, never the value", (_label, value, reason) => {
        const hostEnv: Record<string, string | undefined> = value === undefined ? {} : { [REF]: value };
        const err = resolutionError(() => resolveCredProxyTokenValues({ [SLOT]: REF }, hostEnv));
        expect(err.name).toBe("TokenResolutionError");
        expect(err.problems).toHaveLength(1);
        const problem: TokenProblem = err.problems[0];
        expect(problem.slot).toBe(SLOT);
        expect(problem.tokenRef).toBe(REF);
        expect(problem.message).toMatch(reason);
        expect(err.message).toContain(REF);
        expect(err.message).toContain(SLOT);
        expect(err.message).toMatch(reason);
        if (value !== undefined) {
            expectNoValue(err, value, token);
        }
    });

    it("an explicitly undefined variable counts as unset", () => {
        const err = resolutionError(() => resolveCredProxyTokenValues({ [SLOT]: REF }, { [REF]: undefined }));
        expect(err.problems[0].message).toMatch(/not set/);
    });

    it("unset: says to set the variable or remove the token entry", () => {
        const err = resolutionError(() => resolveCredProxyTokenValues({ [SLOT]: REF }, {}));
        expect(err.problems[0].message).toMatch(new RegExp(`set ${REF}`));
        expect(err.problems[0].message).toMatch(/remove the token entry/);
    });

    it("unset: the whenUnset option replaces the hint, called with the TokenRef", () => {
        const asked: string[] = [];
        const whenUnset = (ref: string) => {
            asked.push(ref);
            return `add ${ref} to the stack's secret config`;
        };
        const err = resolutionError(() => resolveCredProxyTokenValues({ [SLOT]: REF }, {}, { whenUnset }));
        expect(asked).toEqual([REF]);
        expect(err.problems).toEqual([
            { slot: SLOT, tokenRef: REF, message: expect.stringContaining(`add ${REF} to the stack's secret config`) },
        ]);
        expect(err.problems[0].message).toMatch(/not set/);
        expect(err.problems[0].message).not.toMatch(/remove the token entry/);
        expect(err.message).toContain(`add ${REF} to the stack's secret config`);
    });

    it("the whenUnset hint is used only for unset variables", () => {
        const whenUnset = jest.fn((ref: string) => `hint for ${ref}`);
        const err = resolutionError(() => resolveCredProxyTokenValues({ [SLOT]: REF }, { [REF]: "" }, { whenUnset }));
        expect(whenUnset).not.toHaveBeenCalled();
        expect(err.problems[0].message).not.toContain("hint for");
    });

    it("reports every problem at once, in slot order, without any value", () => {
        const good = fakeToken("good");
        const lf = fakeToken("lf");
        const nonAscii = fakeToken("nonascii");
        const spaced = fakeToken("spaced");
        const tokenEnvMap = {
            CRED_PROXY_TOKEN_0: "UNSET_REF",
            CRED_PROXY_TOKEN_1: "GOOD_REF",
            CRED_PROXY_TOKEN_2: "EMPTY_REF",
            CRED_PROXY_TOKEN_3: "LF_REF",
            CRED_PROXY_TOKEN_4: "NON_ASCII_REF",
            CRED_PROXY_TOKEN_5: "SPACED_REF",
        };
        const hostEnv = { GOOD_REF: good, EMPTY_REF: "", LF_REF: `${lf}\n`, NON_ASCII_REF: `${nonAscii}ü`, SPACED_REF: ` ${spaced}` };
        const err = resolutionError(() => resolveCredProxyTokenValues(tokenEnvMap, hostEnv));
        expect(err.problems.map((p) => [p.slot, p.tokenRef])).toEqual([
            ["CRED_PROXY_TOKEN_0", "UNSET_REF"],
            ["CRED_PROXY_TOKEN_2", "EMPTY_REF"],
            ["CRED_PROXY_TOKEN_3", "LF_REF"],
            ["CRED_PROXY_TOKEN_4", "NON_ASCII_REF"],
            ["CRED_PROXY_TOKEN_5", "SPACED_REF"],
        ]);
        for (const p of err.problems) {
            expect(err.message).toContain(`${p.tokenRef} (for ${p.slot})`);
        }
        for (const value of [good, lf, nonAscii, spaced]) {
            expect(err.message).not.toContain(value);
            expect(JSON.stringify(err.problems)).not.toContain(value);
        }
    });
});
