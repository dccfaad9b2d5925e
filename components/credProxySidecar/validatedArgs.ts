import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_PORT } from "../../sidecar/contract";
import { ManifestError, type ManifestIssue } from "../manifest/errors";
import { parseBottleManifest } from "../manifest/parse";
import { renderCredProxyRoutes } from "../routes/routesFile";
import { credProxyTokenEnvMap } from "../routes/tokenEnvMap";
import { credProxyRoutes } from "../routes/table";
import type { CredProxyRoute } from "../routes/types";
import type { CredProxySidecarArgs } from "./args";

/** The component's arguments checked, defaulted and lifted: everything it declares from, before any resource exists. */
export interface ValidatedArgs {
    slug: string;
    port: number;
    memoryMb: number;
    maxProcesses: number;
    routes: CredProxyRoute[];
    tokenEnvMap: Record<string, string>;
    routesFile: string;
}

/**
 * Invalid component arguments; every problem is named by its path under `args`. A `RunError`, so
 * `pulumi up` prints the problems alone instead of a stack trace and the program's source.
 */
export class CredProxySidecarArgsError extends pulumi.RunError {
    constructor(
        readonly resourceName: string,
        readonly issues: ManifestIssue[],
    ) {
        super(
            `Invalid arguments for CredProxySidecar "${resourceName}":\n${issues.map((i) => `  - args.${i.path}: ${i.message}`).join("\n")}`,
        );
        this.name = "CredProxySidecarArgsError";
    }
}

/** A bottle slug. Docker names are built from it; a DNS-label shape keeps them valid and readable. */
export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
export const SLUG_RULE = "1-40 lower-case letters, digits or '-', starting and ending with a letter or digit";

export function validateArgs(name: string, args: CredProxySidecarArgs): ValidatedArgs {
    const issues: ManifestIssue[] = [];
    const slug = args.slug ?? name;
    if (!SLUG_PATTERN.test(slug)) {
        const source = args.slug === undefined ? " (taken from the resource name; pass args.slug)" : "";
        issues.push({ path: "slug", message: `must be ${SLUG_RULE}${source}` });
    }
    const port = args.port ?? DEFAULT_PORT;
    checkInteger(issues, "port", port, 1, 65535);
    const memoryMb = args.memoryMb ?? 256;
    checkInteger(issues, "memoryMb", memoryMb, 64, 1 << 20);
    const maxProcesses = args.maxProcesses ?? 4096;
    checkInteger(issues, "maxProcesses", maxProcesses, 64, 1 << 22);

    let routes: CredProxyRoute[] = [];
    try {
        // A manifest parseBottleManifest returned (the stack program's, say) is taken as it is.
        routes = credProxyRoutes(parseBottleManifest(args.bottle));
    } catch (err) {
        if (!(err instanceof ManifestError)) {
            throw err;
        }
        issues.push(...err.issues.map((i) => ({ path: i.path ? `bottle.${i.path}` : "bottle", message: i.message })));
    }
    if (routes.length === 0 && !issues.some((i) => i.path.startsWith("bottle"))) {
        issues.push({
            path: "bottle.tokens",
            message: "declares no tokens, so there is nothing to proxy; add a token entry or leave the sidecar out",
        });
    }
    if (issues.length > 0) {
        throw new CredProxySidecarArgsError(name, issues);
    }
    const tokenEnvMap = credProxyTokenEnvMap(routes);
    return { slug, port, memoryMb, maxProcesses, routes, tokenEnvMap, routesFile: renderCredProxyRoutes(routes) };
}

function checkInteger(issues: ManifestIssue[], path: string, value: number, min: number, max: number): void {
    if (!Number.isInteger(value) || value < min || value > max) {
        issues.push({ path, message: `must be a whole number from ${min} to ${max}` });
    }
}
