import type { CredProxyAgentRoute, CredProxyRoute } from "../../components/routes/types";
import { isSecretWrapper, type RegisteredResource } from "./mockEngine";

/** Names this document format; bump it when the shape (not the content) changes. */
export const PLAN_FORMAT = "cred-proxy-plan/v1";

/** How a secret input is shown: what Pulumi itself prints for one. */
export const SECRET_MARK = "[secret]";

/** One declared resource: where it sits in the tree and every input the engine would receive. */
export interface PlanResource {
    type: string;
    name: string;
    /** `<type>::<name>` of the parent, or null for a top-level resource. */
    parent: string | null;
    deleteBeforeReplace: boolean;
    /** Inputs as sent to the engine, secrets replaced by `[secret]`. */
    inputs: Record<string, unknown>;
}

/** The stack outputs, named as stacks/bottle.ts exports them. */
export interface PlanOutputs {
    routes: CredProxyRoute[];
    tokenEnvMap: Record<string, string>;
    internalNetworkName: string;
    egressNetworkName: string;
    containerName: string;
    proxyUrl: string;
    agentRoutes: CredProxyAgentRoute[];
    agentEnvironment: Record<string, string>;
}

export interface PlanDocument {
    format: string;
    bottle: {
        /** The manifest, relative to the project folder when inside it. */
        manifest: string;
        slug: string;
        image: string;
        port: number;
        /** Always "placeholders": the plan never reads a real token. */
        tokenValues: "placeholders";
    };
    resources: PlanResource[];
    outputs: PlanOutputs;
}

/** Replaces every secret-wrapped value, at any depth, by `[secret]`. */
export function maskSecrets(value: unknown): unknown {
    if (isSecretWrapper(value)) {
        return SECRET_MARK;
    }
    if (Array.isArray(value)) {
        return value.map(maskSecrets);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
    }
    return value;
}

/**
 * `<type>::<name>` of the resource a URN names: `urn:pulumi:<stack>::<project>::<type chain>::<name>`,
 * where the type chain is `Parent$Child` and the resource's own type is its last link.
 */
export function urnRef(urn: string): string | null {
    if (urn === "") {
        return null;
    }
    const parts = urn.split("::");
    if (parts.length < 4) {
        return urn;
    }
    const chain = parts[2].split("$");
    return `${chain[chain.length - 1]}::${parts.slice(3).join("::")}`;
}

/** Resources in tree order: each parent before its children, siblings by type then name. */
export function planResources(registered: ReadonlyArray<RegisteredResource>): PlanResource[] {
    const all: PlanResource[] = registered.map((r) => ({
        type: r.type,
        name: r.name,
        parent: urnRef(r.parent),
        deleteBeforeReplace: r.deleteBeforeReplace,
        inputs: maskSecrets(r.inputs) as Record<string, unknown>,
    }));
    const key = (r: PlanResource) => `${r.type}::${r.name}`;
    const known = new Set(all.map(key));
    const bySibling = (a: PlanResource, b: PlanResource) => compareText(a.type, b.type) || compareText(a.name, b.name);
    const ordered: PlanResource[] = [];
    const visit = (parent: string | null) => {
        const children = all.filter((r) => (parent === null ? r.parent === null || !known.has(r.parent) : r.parent === parent));
        for (const child of children.sort(bySibling)) {
            ordered.push(child);
            visit(key(child));
        }
    };
    visit(null);
    return ordered;
}

/** Code-unit order: the same on every machine and locale. */
export function compareText(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** Object keys sorted at every depth; arrays keep their order (it is meaningful: routes, networks). */
export function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(sortKeys);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.keys(value)
                .sort(compareText)
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

/** The machine form: sorted keys, two-space indentation, one final newline. Byte-stable. */
export function renderPlanJson(doc: PlanDocument): string {
    return `${JSON.stringify(sortKeys(doc), null, 2)}\n`;
}
