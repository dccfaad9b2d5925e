/** The end-to-end harness: engine detection, offline images, the realiser and container helpers. */
export * from "./engine";
export * from "./images";
export * from "./containers";
export {
    CONTAINER_TYPE,
    E2eRun,
    HOST_LABEL,
    IGNORED_CONTAINER_KEYS,
    IGNORED_NETWORK_KEYS,
    NETWORK_TYPE,
    PID_LABEL,
    RESOURCE_LABEL,
    RUN_LABEL,
    SUPPORTED_CONTAINER_KEYS,
    SUPPORTED_NETWORK_KEYS,
    parseGoDuration,
    plan,
    sweepLeftovers,
    unwrapSecrets,
    uploadTar,
} from "./realise";
export type {
    ContainerPlan,
    NetworkAttachment,
    NetworkPlan,
    Plan,
    PlanOptions,
    Realised,
    RealisedContainer,
    RealisedNetwork,
    RegisteredResource,
    RunContainerSpec,
    UploadPlan,
} from "./realise";
