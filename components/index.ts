// The package root: the planning core (pure functions) and the component built on it.
export { ManifestError, type ManifestIssue } from "./manifest/errors";
export { TOKEN_KINDS, type Bottle, type TokenEntry, type TokenKind } from "./manifest/schema";
export { parseBottleManifest } from "./manifest/parse";
export { loadBottleManifest } from "./manifest/load";
export { credProxyUpstreams, type CredProxyUpstream } from "./routes/table";
export { credProxyTokenEnvMap, TokenSlotConflictError } from "./routes/tokenEnvMap";
export { renderCredProxyRoutes } from "./routes/routesFile";
export { resolveCredProxyTokenValues, TokenResolutionError, type TokenProblem } from "./routes/resolveTokens";
export { agentEnvironment, agentRoutes, type AgentRoute } from "./routes/agentAccess";
export { CredProxySidecar, CRED_PROXY_SIDECAR_TYPE } from "./credProxySidecar/component";
export type {
    BottleManifest,
    BottleManifestArgs,
    BottleToken,
    CredProxyAgentRoute,
    CredProxyRoute,
    CredProxySidecarArgs,
    TokenEntryArgs,
} from "./credProxySidecar/args";
export { RouteAuthScheme, RouteKind } from "./credProxySidecar/args";
export { CredProxySidecarArgsError } from "./credProxySidecar/validatedArgs";
export { DEFAULT_PORT, DEFAULT_ROUTES_PATH, PROXY_ALIAS, PROXY_UID } from "../sidecar/contract";
