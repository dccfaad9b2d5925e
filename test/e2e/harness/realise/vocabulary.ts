/**
 * The realiser's input vocabulary: every @pulumi/docker input key is either mapped (SUPPORTED_*)
 * or deliberately ignored as a no-op (IGNORED_*, with the values accepted). Any other key, at any
 * depth, makes `plan` throw naming it.
 */

/** Whether a value of an ignored key really is a no-op. */
export type Accept = (v: unknown) => boolean;
const anyValue: Accept = () => true;
const onlyFalse: Accept = (v) => v === false;

/** docker.Network inputs the realiser maps. */
export const SUPPORTED_NETWORK_KEYS = [
    "name",
    "driver",
    "internal",
    "attachable",
    "labels",
    "options",
    "ipv6",
    "ipamDriver",
    "ipamOptions",
    "ipamConfigs",
] as const;
/** docker.Network inputs accepted as no-ops, with the values accepted. */
export const IGNORED_NETWORK_KEYS: Record<string, Accept> = {
    // Only meaningful for swarm; the default (false) is what we do.
    ingress: onlyFalse,
    // Deprecated duplicate-name check; the engine refuses duplicates anyway (we always ask).
    checkDuplicate: anyValue,
};

/** docker.Container inputs the realiser maps. */
export const SUPPORTED_CONTAINER_KEYS = [
    "name",
    "image",
    "user",
    "command",
    "entrypoints",
    "envs",
    "labels",
    "workingDir",
    "hostname",
    "domainname",
    "tty",
    "stdinOpen",
    "capabilities",
    "securityOpts",
    "privileged",
    "memory",
    "memorySwap",
    "memoryReservation",
    "shmSize",
    "cpuShares",
    "cpus",
    "cpuSet",
    "ulimits",
    "sysctls",
    "groupAdds",
    "dns",
    "dnsOpts",
    "dnsSearches",
    "hosts",
    "restart",
    "maxRetryCount",
    "healthcheck",
    "init",
    "readOnly",
    "tmpfs",
    "logDriver",
    "logOpts",
    "stopSignal",
    "stopTimeout",
    "networkMode",
    "networksAdvanced",
    "uploads",
    "rm",
    "start",
    "mustRun",
    "wait",
    "waitTimeout",
    "containerReadRefreshTimeoutMilliseconds",
] as const;
/** docker.Container inputs accepted as no-ops (their effect is on delete or on reads only). */
export const IGNORED_CONTAINER_KEYS: Record<string, Accept> = {
    // Attaching / capturing logs at create: only the default (false) is accepted.
    attach: onlyFalse,
    logs: onlyFalse,
    // Delete-time settings: teardown always force-removes with volumes.
    destroyGraceSeconds: anyValue,
    removeVolumes: anyValue,
};
export const SUPPORTED_UPLOAD_KEYS = ["file", "content", "contentBase64", "source", "executable", "permissions", "owner", "group"];
/** `sourceHash` only forces a replacement in Pulumi's diff; nothing to do at create. */
export const IGNORED_UPLOAD_KEYS: Record<string, Accept> = { sourceHash: anyValue };
export const SUPPORTED_HEALTHCHECK_KEYS = ["tests", "interval", "timeout", "retries", "startPeriod"];
export const SUPPORTED_NETWORKS_ADVANCED_KEYS = ["name", "aliases", "ipv4Address", "ipv6Address"];
export const SUPPORTED_IPAM_CONFIG_KEYS = ["subnet", "ipRange", "gateway", "auxAddress"];

/**
 * docker.Container inputs the provider changes without replacing the container (no `ForceNew`
 * in its schema). Every other input forces a replacement when it changes. The realiser replaces;
 * it does not model in-place updates, and says so when only these keys changed.
 */
export const CONTAINER_KEYS_UPDATED_IN_PLACE = [
    "rm",
    "start",
    "wait",
    "waitTimeout",
    "attach",
    "logs",
    "mustRun",
    "restart",
    "maxRetryCount",
    "removeVolumes",
    "tmpfs",
    "destroyGraceSeconds",
    "memory",
    "memorySwap",
    "cpuShares",
    "cpuSet",
    "healthcheck",
    "init",
    "containerReadRefreshTimeoutMilliseconds",
] as const;
