/**
 * A unified diff of two texts by lines (longest common subsequence), with `context` lines around
 * each change. Plans are a few hundred lines, so the quadratic table is cheap. Returns "" when the
 * texts are equal.
 */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, context = 3): string {
    if (before === after) {
        return "";
    }
    const a = splitLines(before);
    const b = splitLines(after);
    const ops = diffLines(a, b);
    const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
    // Hunks: each change with up to `context` unchanged lines either side; overlapping ones merge.
    const hunks: Array<[number, number]> = [];
    ops.forEach((op, index) => {
        if (op.kind === " ") {
            return;
        }
        const start = Math.max(0, index - context);
        const end = Math.min(ops.length, index + context + 1);
        const last = hunks[hunks.length - 1];
        if (last !== undefined && start <= last[1]) {
            last[1] = end;
        } else {
            hunks.push([start, end]);
        }
    });
    if (hunks.length === 0) {
        out.push("(the texts differ only in their final newline)");
    }
    for (const [start, end] of hunks) {
        const hunk = ops.slice(start, end);
        const beforeCount = hunk.filter((op) => op.kind !== "+").length;
        const afterCount = hunk.filter((op) => op.kind !== "-").length;
        out.push(`@@ -${hunk[0].aLine + 1},${beforeCount} +${hunk[0].bLine + 1},${afterCount} @@`);
        out.push(...hunk.map((op) => `${op.kind}${op.text}`));
    }
    return `${out.join("\n")}\n`;
}

interface Op {
    kind: " " | "-" | "+";
    text: string;
    /** Line index in `a` (before) and `b` (after) where this op sits. */
    aLine: number;
    bLine: number;
}

function splitLines(text: string): string[] {
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") {
        lines.pop();
    }
    return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
    const n = a.length;
    const m = b.length;
    // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
        for (let j = m - 1; j >= 0; j--) {
            lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    const ops: Op[] = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] === b[j]) {
            ops.push({ kind: " ", text: a[i], aLine: i++, bLine: j++ });
        } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
            // Deletions first, as diff(1) prints them.
            ops.push({ kind: "-", text: a[i], aLine: i++, bLine: j });
        } else {
            ops.push({ kind: "+", text: b[j], aLine: i, bLine: j++ });
        }
    }
    return ops;
}
