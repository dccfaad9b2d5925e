/**
 * Target checks and route matching as units, plus a property: whatever path is accepted, no
 * decoding and normalisation an upstream might apply takes it outside the route's upstream path.
 */
import fc from "fast-check";
import { RouteTable, checkTarget } from "../../sidecar/routing";
import { route } from "./helpers/inprocess";

const table = new RouteTable([
    route("/anthropic/", "https://api.anthropic.com", "t0"),
    route("/gitea/git.example.com:3000/", "https://git.example.com:3000/sub/", "t1", "token"),
    route("/gitea/[::1]:3000/", "http://[::1]:3000", "t2", "token"),
]);

function target(raw: string) {
    const check = checkTarget(raw);
    if (!check.ok) throw new Error(check.reason);
    const match = table.match(check.path, check.query);
    return match && { prefix: match.route.path, upstreamTarget: match.upstreamTarget };
}

describe("checkTarget", () => {
    test("splits path and query without touching either", () => {
        expect(checkTarget("/a/b%2Fc?x=%2e%2e&y=/../")).toEqual({ ok: true, path: "/a/b%2Fc", query: "?x=%2e%2e&y=/../" });
        expect(checkTarget("/a")).toEqual({ ok: true, path: "/a", query: "" });
        expect(checkTarget("/a?")).toEqual({ ok: true, path: "/a", query: "?" });
    });

    test.each([
        ["http://evil/", "absolute-form"],
        ["evil:443", "absolute-form"],
        ["*", "absolute-form"],
        ["/a/../b", '"." or ".."'],
        ["/a/%2E%2e", '"." or ".."'],
        ["/a/%252E%252E/b", '"." or ".."'],
        ["/a/%2e%2e%5cb", '"." or ".."'],
        ["/a/b%5cc", "backslash"],
        ["/a/%00", "control character"],
        ["/a/%250a", "control character"],
        ["/a/%25252525", "percent-encoded too many times"],
        ["/a//b", "empty segment"],
        ["/a/%g0", "malformed percent-escape"],
        ["/a/{b}", "must be percent-encoded"],
        ["/a?b=\\", "query contains"],
    ])("%s is refused (%s)", (raw, reason) => {
        const check = checkTarget(raw);
        expect(check.ok).toBe(false);
        if (!check.ok) expect(check.reason).toContain(reason);
    });
});

describe("RouteTable", () => {
    test("maps the rest of the path under the upstream's own path", () => {
        expect(target("/anthropic/v1/messages?beta=true")).toEqual({
            prefix: "/anthropic/",
            upstreamTarget: "/v1/messages?beta=true",
        });
        expect(target("/gitea/git.example.com:3000/api/v1/user")).toEqual({
            prefix: "/gitea/git.example.com:3000/",
            upstreamTarget: "/sub/api/v1/user",
        });
        expect(target("/gitea/[::1]:3000/o/r.git/info/refs?service=git-upload-pack")).toEqual({
            prefix: "/gitea/[::1]:3000/",
            upstreamTarget: "/o/r.git/info/refs?service=git-upload-pack",
        });
    });

    test("the bare prefix maps to the upstream's root, trailing-slash-free", () => {
        expect(target("/anthropic")?.upstreamTarget).toBe("/");
        expect(target("/anthropic/")?.upstreamTarget).toBe("/");
        expect(target("/gitea/git.example.com:3000")?.upstreamTarget).toBe("/sub");
        expect(target("/gitea/git.example.com:3000/")?.upstreamTarget).toBe("/sub/");
    });

    test("only whole segments match", () => {
        expect(target("/anthropicx/v1")).toBeUndefined();
        expect(target("/anthropi")).toBeUndefined();
        expect(target("/gitea/git.example.com:30001/x")).toBeUndefined();
        expect(target("/gitea/")).toBeUndefined();
    });
});

describe("property: accepted paths never leave the upstream path", () => {
    // An alphabet rich in the pieces of traversal tricks.
    const piece = fc.constantFrom(
        "/",
        ".",
        "..",
        "%2e",
        "%2E",
        "%2f",
        "%2F",
        "%5c",
        "%5C",
        "%25",
        "%00",
        "\\",
        ";",
        "a",
        "x",
        "2e",
        "%",
        "%252e",
    );
    const suffix = fc.array(piece, { maxLength: 12 }).map((p) => p.join(""));

    /** Removes dot segments as RFC 3986 5.2.4 does, treating "\" as "/" like lenient servers. */
    function normalise(path: string): string {
        const out: string[] = [];
        for (const segment of path.replace(/\\/g, "/").split("/")) {
            if (segment === "..") out.pop();
            else if (segment !== ".") out.push(segment);
        }
        return out.join("/");
    }
    const decodeOnce = (s: string) => s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

    test("for /gitea/git.example.com:3000/ (upstream path /sub)", () => {
        let accepted = 0;
        fc.assert(
            fc.property(suffix, (rest) => {
                const check = checkTarget(`/gitea/git.example.com:3000/${rest}`);
                if (!check.ok) return;
                accepted++;
                const match = table.match(check.path, check.query);
                expect(match).toBeDefined();
                let seen = match!.upstreamTarget;
                for (let round = 0; round < 4; round++) {
                    const normalised = normalise(seen);
                    expect(normalised === "/sub" || normalised.startsWith("/sub/")).toBe(true);
                    expect(new URL(seen, "https://git.example.com:3000").pathname.startsWith("/sub")).toBe(true);
                    seen = decodeOnce(seen);
                }
            }),
            { numRuns: 5000 },
        );
        expect(accepted).toBeGreaterThan(500); // the property was really exercised
    });
});
