// The package root: the component, the manifest loader, the errors a deployment can raise and the
// types in the component's signature. The steps in between (route table, token slots, routes
// file) are the planning core, at the `cred-proxy/core` subpath (core.ts).
export { CredProxySidecar, CRED_PROXY_SIDECAR_TYPE } from "./credProxySidecar/component";
export type { CredProxySidecarArgs } from "./credProxySidecar/args";
export { CredProxySidecarArgsError } from "./credProxySidecar/validatedArgs";
export { ManifestError, type ManifestIssue } from "./manifest/errors";
export { loadBottleManifest } from "./manifest/load";
export { parseBottleManifest } from "./manifest/parse";
export type { ValidatedManifest, ValidatedToken } from "./manifest/schema";
export { RouteKind, type BottleManifest, type BottleToken } from "./manifest/types";
export { RouteAuthScheme, type CredProxyAgentRoute, type CredProxyRoute } from "./routes/types";
