import { unifiedDiff } from "../../../cli/plan/textDiff";

const labels = { before: "old", after: "new" };
const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

describe("unifiedDiff", () => {
    test("equal texts have no diff", () => {
        expect(unifiedDiff("a\nb\n", "a\nb\n", labels)).toBe("");
    });

    test("a changed line shows with three lines of context and hunk positions", () => {
        const before = lines(10);
        const after = [...before];
        after[4] = "changed";
        expect(unifiedDiff(`${before.join("\n")}\n`, `${after.join("\n")}\n`, labels)).toBe(
            [
                "--- old",
                "+++ new",
                "@@ -2,7 +2,7 @@",
                " line 2",
                " line 3",
                " line 4",
                "-line 5",
                "+changed",
                " line 6",
                " line 7",
                " line 8",
                "",
            ].join("\n"),
        );
    });

    test("distant changes make separate hunks; near ones merge", () => {
        const before = lines(30);
        const after = before.map((l, i) => (i === 2 || i === 25 ? `${l}!` : l));
        const diff = unifiedDiff(before.join("\n"), after.join("\n"), labels);
        expect(diff.match(/^@@/gm)).toHaveLength(2);
        const near = before.map((l, i) => (i === 10 || i === 14 ? `${l}!` : l));
        expect(unifiedDiff(before.join("\n"), near.join("\n"), labels).match(/^@@/gm)).toHaveLength(1);
    });

    test("insertions and deletions", () => {
        expect(unifiedDiff("a\nb\nc\n", "a\nc\nd\n", labels)).toBe(
            ["--- old", "+++ new", "@@ -1,3 +1,3 @@", " a", "-b", " c", "+d", ""].join("\n"),
        );
    });

    test("a difference only in the final newline is still reported", () => {
        expect(unifiedDiff("a\n", "a", labels)).toContain("differ only in their final newline");
    });
});
