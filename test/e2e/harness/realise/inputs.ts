/**
 * Typed readers over a resource's inputs that name the offending path in every error, and the
 * small translations several plans share (labels, Go durations, auto-naming, MB).
 */
import { randomBytes } from "node:crypto";
import type { Accept } from "./vocabulary";

export const MB = 1024 * 1024;

/** One object of inputs, read key by key; every error names the full path of the key. */
export class Inputs {
    constructor(
        private readonly where: string,
        private readonly o: Record<string, unknown>,
    ) {}

    fail(key: string, msg: string): never {
        throw new Error(`${this.where}.${key}: ${msg}`);
    }

    checkKeys(supported: readonly string[], ignored: Record<string, Accept> = {}): void {
        for (const [k, v] of Object.entries(this.o)) {
            if (v === undefined || v === null) continue;
            if (supported.includes(k)) continue;
            const accept = ignored[k];
            if (accept) {
                if (!accept(v)) this.fail(k, `value ${JSON.stringify(v)} is not supported by the realiser`);
                continue;
            }
            this.fail(k, "input not understood by the e2e realiser (map it in test/e2e/harness/realise/ or remove it)");
        }
    }

    has(key: string): boolean {
        return this.o[key] !== undefined && this.o[key] !== null;
    }

    str(key: string): string | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "string") this.fail(key, `expected a string, got ${JSON.stringify(v)}`);
        return v;
    }

    bool(key: string): boolean | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "boolean") this.fail(key, `expected a boolean, got ${JSON.stringify(v)}`);
        return v;
    }

    num(key: string): number | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, `expected a number, got ${JSON.stringify(v)}`);
        return v;
    }

    int(key: string): number | undefined {
        const v = this.num(key);
        if (v !== undefined && !Number.isInteger(v)) this.fail(key, `expected an integer, got ${v}`);
        return v;
    }

    strs(key: string): string[] | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
            this.fail(key, `expected a list of strings, got ${JSON.stringify(v)}`);
        }
        return v as string[];
    }

    strMap(key: string): Record<string, string> | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "object" || Array.isArray(v) || Object.values(v).some((s) => typeof s !== "string")) {
            this.fail(key, `expected a map of strings, got ${JSON.stringify(v)}`);
        }
        return { ...(v as Record<string, string>) };
    }

    objs(key: string): Inputs[] | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (!Array.isArray(v) || v.some((e) => e === null || typeof e !== "object" || Array.isArray(e))) {
            this.fail(key, `expected a list of objects, got ${JSON.stringify(v)}`);
        }
        return (v as Record<string, unknown>[]).map((e, i) => new Inputs(`${this.where}.${key}[${i}]`, e));
    }

    obj(key: string): Inputs | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "object" || Array.isArray(v)) this.fail(key, `expected an object, got ${JSON.stringify(v)}`);
        return new Inputs(`${this.where}.${key}`, v as Record<string, unknown>);
    }
}

/** Go's time.ParseDuration, as the provider parses healthcheck durations; result in ns. */
export function parseGoDuration(where: string, s: string): number {
    if (s === "0") return 0;
    const unit: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
    const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
    let total = 0;
    let at = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s)) !== null) {
        total += parseFloat(m[1]) * unit[m[2]];
        at = re.lastIndex;
    }
    if (s === "" || at !== s.length) throw new Error(`${where}: not a duration (like "10s", "1m30s", "500ms"): ${JSON.stringify(s)}`);
    return Math.round(total);
}

/** `[{ label, value }]` as a map; refuses duplicates and the harness's own label prefix. */
export function labelMap(where: string, entries: Inputs[] | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of entries ?? []) {
        e.checkKeys(["label", "value"]);
        const label = e.str("label") ?? e.fail("label", "required");
        const value = e.str("value") ?? e.fail("value", "required");
        if (label in out) throw new Error(`${where}.labels: label ${label} given twice`);
        if (label.startsWith("cred-proxy.e2e.")) throw new Error(`${where}.labels: ${label} is reserved for the e2e harness`);
        out[label] = value;
    }
    return out;
}

export function autoname(resourceName: string): string {
    // Like Pulumi's auto-naming: the resource name and a random suffix.
    return `${resourceName}-${randomBytes(4).toString("hex").slice(0, 7)}`;
}
