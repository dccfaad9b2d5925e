import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_PORT } from "../../sidecar/contract";
import { DEFAULT_IMAGE } from "../defaults";
import { loadManifest } from "../manifestFile";
import { installMocks, settle, valueOf } from "./mockEngine";
import { PLAN_FORMAT, planResources, type PlanDocument } from "./document";
import { bottleSlug } from "../stackName";

export { DEFAULT_IMAGE };

export interface PlanSettings {
    /** The manifest file to plan. */
    manifestFile: string;
    /** How the manifest is named in the document (see `projectRelative`). */
    manifestLabel: string;
    image?: string;
    slug?: string;
    port?: number;
}

/** The stand-in for a token's value: visible in a plan if it ever left a secret. */
export function placeholderToken(tokenRef: string): string {
    return `plan-placeholder-for-${tokenRef}`;
}

/**
 * Evaluates CredProxySidecar for a manifest under Pulumi's mock engine, exactly as the per-bottle
 * stack program (stacks/bottle.ts) declares it, and describes what it would declare.
 *
 * Every TokenRef gets a placeholder value through `tokenValues`, so the component never reads the
 * environment: the plan needs no tokens and cannot print one. A bad manifest throws a
 * `ManifestError`, bad settings a `CredProxySidecarArgsError`; both name paths, never values.
 *
 * The mock runtime is process-wide: each call installs a fresh one, so calls must not overlap.
 */
export async function evaluatePlan(settings: PlanSettings): Promise<PlanDocument> {
    // Pulumi's runtime keeps `new Error().stack` on every promise it makes, for a leak report a
    // plan never prints; under ts-node (the tests, the bench) each of those stacks is also
    // source-mapped: half the time of a 1,000-entry plan. No stack is captured while the component is
    // evaluated (Pulumi's own resource source positions set their own limit and are unaffected).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return await evaluate(settings);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
}

async function evaluate(settings: PlanSettings): Promise<PlanDocument> {
    const bottle = loadManifest(settings.manifestFile, settings.manifestLabel);
    const slug = bottleSlug(bottle, settings.manifestLabel, settings.slug);
    const image = settings.image ?? DEFAULT_IMAGE;
    const registered = installMocks({ stack: slug });
    // Loaded after the mocks are installed, as Pulumi's mock runtime requires.
    const { CredProxySidecar } = await import("../../components/credProxySidecar/component");
    const tokenValues = Object.fromEntries(bottle.tokens.map((t) => [t.TokenRef, pulumi.secret(placeholderToken(t.TokenRef))]));
    // The same arguments as stacks/bottle.ts: resource name and slug are both the bottle's slug.
    const sidecar = new CredProxySidecar(slug, { bottle, image, slug, port: settings.port, tokenValues });
    const [routes, tokenEnvMap, internalNetworkName, egressNetworkName, containerName, proxyUrl, agentRoutes, agentEnvironment] =
        await Promise.all([
            valueOf(sidecar.routes),
            valueOf(sidecar.tokenEnvMap),
            valueOf(sidecar.internalNetworkName),
            valueOf(sidecar.egressNetworkName),
            valueOf(sidecar.containerName),
            valueOf(sidecar.proxyUrl),
            valueOf(sidecar.agentRoutes),
            valueOf(sidecar.agentEnvironment),
        ]);
    await settle();
    return {
        format: PLAN_FORMAT,
        bottle: { manifest: settings.manifestLabel, slug, image, port: settings.port ?? DEFAULT_PORT, tokenValues: "placeholders" },
        resources: planResources(registered),
        outputs: { routes, tokenEnvMap, internalNetworkName, egressNetworkName, containerName, proxyUrl, agentRoutes, agentEnvironment },
    };
}
