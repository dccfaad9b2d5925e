// `cred-proxy/core`: the planning core, pure functions from a manifest to what gets deployed. It
// loads neither Pulumi nor Docker, so tools that only read manifests (a linter, a UI, a CI check)
// can use it on their own. The package root (index.ts) exports the component and what its users
// need; this subpath is for the steps in between.
export { ManifestError, type ManifestIssue } from "./manifest/errors";
export { loadBottleManifest } from "./manifest/load";
export { isValidatedManifest, parseBottleManifest } from "./manifest/parse";
export type { FixedToken, UrlToken, ValidatedManifest, ValidatedToken } from "./manifest/schema";
export type { UpstreamTarget } from "./manifest/upstreamUrl";
export { RouteKind, type BottleManifest, type BottleToken } from "./manifest/types";
export { agentEnvironment, agentRoutes, AGENT_PLACEHOLDER_TOKEN } from "./routes/agentAccess";
export { resolveCredProxyTokenValues, TokenResolutionError, type TokenProblem } from "./routes/resolveTokens";
export { renderCredProxyRoutes } from "./routes/routesFile";
export { credProxyRoutes } from "./routes/table";
export { credProxyTokenEnvMap, TokenSlotConflictError } from "./routes/tokenEnvMap";
export { RouteAuthScheme, type CredProxyAgentRoute, type CredProxyRoute } from "./routes/types";
export { DEFAULT_PORT, DEFAULT_ROUTES_PATH, PROXY_ALIAS, TOKEN_SLOT_PREFIX } from "../sidecar/contract";
