import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_ROUTES_PATH, HEALTH_CHECK, HEALTH_PROBE, PROXY_ALIAS, PROXY_GID, PROXY_UID } from "../../sidecar/contract";
import type { ValidatedArgs } from "./validatedArgs";

/** Labels on everything the component creates: the bottle slug, never anything secret. */
export function bottleLabels(slug: string): Array<{ label: string; value: string }> {
    return [
        { label: "cred-proxy.bottle", value: slug },
        { label: "cred-proxy.managed-by", value: "pulumi" },
    ];
}

export interface ProxyContainerInputs {
    valid: ValidatedArgs;
    image: pulumi.Input<string>;
    /** `CRED_PROXY_TOKEN_<i>=<value>` entries, each a secret. Nothing else goes into `envs`. */
    envs: pulumi.Input<string>[];
    internalNetworkName: pulumi.Input<string>;
    egressNetworkName: pulumi.Input<string>;
}

/**
 * The proxy container's inputs. Kept pure so the security-relevant ones can be asserted exactly.
 *
 * The root filesystem stays writable: Docker refuses `uploads` into a read-only rootfs, and the
 * routes file must be uploaded before start. What the writable rootfs would allow is closed off
 * otherwise: the process runs as a numeric non-root user with every capability dropped and
 * `no-new-privileges`, so it can write only /tmp, never the image's code or its routes file.
 */
export function proxyContainerArgs(inputs: ProxyContainerInputs): docker.ContainerArgs {
    const { valid } = inputs;
    return {
        name: `${valid.slug}-cred-proxy`,
        image: inputs.image,
        // Settings travel as arguments: one secret in `envs` masks the whole list in diffs.
        command: ["--port", String(valid.port), "--routes", DEFAULT_ROUTES_PATH],
        envs: inputs.envs,
        user: `${PROXY_UID}:${PROXY_GID}`,
        capabilities: { drops: ["ALL"] },
        securityOpts: ["no-new-privileges:true"],
        readOnly: false,
        init: true,
        memory: valid.memoryMb,
        memorySwap: valid.memoryMb,
        ulimits: [{ name: "nproc", soft: valid.maxProcesses, hard: valid.maxProcesses }],
        restart: "unless-stopped",
        healthcheck: {
            tests: ["CMD", "node", HEALTH_PROBE, "--port", String(valid.port)],
            interval: goDuration(HEALTH_CHECK.intervalS),
            timeout: goDuration(HEALTH_CHECK.timeoutS),
            retries: HEALTH_CHECK.retries,
            startPeriod: goDuration(HEALTH_CHECK.startPeriodS),
        },
        // `pulumi up` fails when the proxy never becomes healthy (a bad routes file, a bad token).
        wait: true,
        waitTimeout: 60,
        logDriver: "json-file",
        logOpts: { "max-size": "10m", "max-file": "3" },
        labels: bottleLabels(valid.slug),
        networksAdvanced: [{ name: inputs.internalNetworkName, aliases: [PROXY_ALIAS] }, { name: inputs.egressNetworkName }],
        uploads: [
            {
                file: DEFAULT_ROUTES_PATH,
                content: valid.routesFile,
                // Root's, and read-only for the proxy: it holds no secret, and the proxy has no
                // reason to change its own routes. No owner/group on purpose: with either set, the
                // provider asks Docker to chown to the container's user, which Docker 20.10 looks
                // up in the *host's* passwd database and fails for 10001.
                permissions: "0444",
            },
        ],
    };
}

/**
 * Seconds as Go writes a duration ("5m30s", "1s"): the provider reads Docker's values back in that
 * form, and any other spelling of the same time would show as a change on every preview.
 */
export function goDuration(seconds: number): string {
    if (seconds > 0 && seconds < 1) return `${seconds * 1000}ms`;
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return `${h > 0 ? `${h}h` : ""}${h > 0 || m > 0 ? `${m}m` : ""}${s}s`;
}
