// One bottle's credential proxy: `pulumi up` in a stack per bottle.
import { CredProxySidecar } from "../components";
import { readBottleStackConfig } from "./bottleConfig";

const settings = readBottleStackConfig();

const sidecar = new CredProxySidecar(settings.slug, {
    bottle: settings.bottle,
    image: settings.image,
    slug: settings.slug,
    port: settings.port,
    tokenValues: settings.tokenValues,
});

export const routes = sidecar.routes;
export const tokenEnvMap = sidecar.tokenEnvMap;
export const internalNetworkName = sidecar.internalNetworkName;
export const egressNetworkName = sidecar.egressNetworkName;
export const containerName = sidecar.containerName;
export const proxyUrl = sidecar.proxyUrl;
export const agentRoutes = sidecar.agentRoutes;
export const agentEnvironment = sidecar.agentEnvironment;
