import type { CredProxyRoute } from "../../components/routes/types";
import { SECRET_MARK, type PlanDocument, type PlanResource } from "./document";

/** Longest rendering of one input in the text view; `--json` has every input in full. */
const MAX_VALUE_WIDTH = 140;

/** The human form of a plan: the resource tree with inputs, routes, slots and the agent's view. */
export function renderPlanText(doc: PlanDocument): string {
    const { bottle, outputs } = doc;
    const lines: string[] = [
        `Plan for bottle "${bottle.slug}" (${bottle.manifest})`,
        `  image ${bottle.image}, port ${bottle.port}; token values are placeholders, nothing is deployed`,
        "",
        `Resources (${doc.resources.length})`,
        ...renderTree(doc.resources),
        "",
        "Routes",
        ...table(
            ["PATH", "UPSTREAM", "AUTH", "ACCESS", "SLOT", "TOKENREF"],
            outputs.routes.map((r) => [
                r.path,
                r.upstream,
                authOf(r),
                r.readOnly === true ? "read-only" : "read-write",
                r.tokenEnv,
                r.tokenRef,
            ]),
        ),
        "",
        "Token slots (proxy container variable <- deploying host variable or tokens.<TokenRef> secret)",
        ...table(
            ["SLOT", "TOKENREF"],
            Object.entries(outputs.tokenEnvMap).map(([slot, ref]) => [slot, ref]),
        ),
        "",
        `Agent (joins ${outputs.internalNetworkName} only; the proxy also sits on ${outputs.egressNetworkName})`,
        `  proxy: ${outputs.proxyUrl}`,
        ...table(
            ["KIND", "URL"],
            outputs.agentRoutes.map((r) => [r.kind, r.url]),
        ),
        "  environment:",
        ...Object.entries(outputs.agentEnvironment).map(([k, v]) => `    ${k}=${v}`),
        "",
        "--json prints this plan as a sorted document with every input in full.",
    ];
    return `${lines.join("\n")}\n`;
}

function renderTree(resources: ReadonlyArray<PlanResource>): string[] {
    const key = (r: PlanResource) => `${r.type}::${r.name}`;
    const known = new Set(resources.map(key));
    const childrenOf = (parent: string | null) =>
        resources.filter((r) => (parent === null ? r.parent === null || !known.has(r.parent) : r.parent === parent));
    const lines: string[] = [];
    const visit = (resource: PlanResource, lead: string, branch: string, rest: string) => {
        const flags = resource.deleteBeforeReplace ? "  (delete before replace)" : "";
        lines.push(`${lead}${branch}${resource.type}  ${resource.name}${flags}`);
        const children = childrenOf(key(resource));
        const inputLead = `${lead}${rest}${children.length > 0 ? "│" : " "} `;
        const inputs = Object.entries(resource.inputs);
        if (inputs.length === 0) {
            lines.push(`${inputLead}(no inputs)`);
        }
        for (const [name, value] of inputs) {
            lines.push(`${inputLead}${name}: ${renderValue(value)}`);
        }
        children.forEach((child, i) => {
            const last = i === children.length - 1;
            visit(child, `${lead}${rest}`, last ? "└─ " : "├─ ", last ? "   " : "│  ");
        });
    };
    for (const root of childrenOf(null)) {
        visit(root, "  ", "", "");
    }
    return lines;
}

/** One input on one line: compact JSON, multi-line text summarised, long values cut. */
export function renderValue(value: unknown): string {
    if (value === SECRET_MARK) {
        return SECRET_MARK;
    }
    const text = JSON.stringify(summariseText(value)) ?? String(value);
    return text.length > MAX_VALUE_WIDTH ? `${text.slice(0, MAX_VALUE_WIDTH - 1)}…` : text;
}

function summariseText(value: unknown): unknown {
    if (typeof value === "string" && value.includes("\n")) {
        return `<text: ${value.split("\n").length} lines, ${Buffer.byteLength(value)} bytes>`;
    }
    if (Array.isArray(value)) {
        return value.map(summariseText);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summariseText(v)]));
    }
    return value;
}

function table(header: string[], rows: string[][]): string[] {
    const all = [header, ...rows];
    const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
    return all.map((row) => `  ${row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ")}`);
}

/** How a route sends its token, in the words of the header: `Bearer`, `Basic x-access-token`, `x-api-key`. */
function authOf(route: CredProxyRoute): string {
    if (route.authScheme === "none") return `${route.authHeader ?? "Authorization"} (bare token)`;
    const scheme = route.authScheme === "Basic" ? `Basic ${route.authUser}` : route.authScheme;
    return route.authHeader === undefined ? scheme : `${scheme} in ${route.authHeader}`;
}
