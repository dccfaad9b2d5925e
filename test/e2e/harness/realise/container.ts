/**
 * Planning a docker.Container: its inputs as the engine's create options (config and host
 * config, in the provider's units), its network attachments, uploads and start-up checks.
 */
import Docker from "dockerode";
import { Inputs, MB, autoname, labelMap, parseGoDuration } from "./inputs";
import { planUpload, type UploadPlan } from "./uploads";
import {
    IGNORED_CONTAINER_KEYS,
    SUPPORTED_CONTAINER_KEYS,
    SUPPORTED_HEALTHCHECK_KEYS,
    SUPPORTED_NETWORKS_ADVANCED_KEYS,
} from "./vocabulary";
import { RESOURCE_LABEL, type RegisteredResource } from "./wire";

export interface NetworkAttachment {
    /** As the program wrote it: a network's name, or the id the mock gave it. */
    ref: string;
    aliases: string[];
    ipv4Address?: string;
    ipv6Address?: string;
}

export interface ContainerPlan {
    resourceName: string;
    mockId?: string;
    name: string;
    options: Docker.ContainerCreateOptions;
    networks: NetworkAttachment[];
    uploads: UploadPlan[];
    start: boolean;
    mustRun: boolean;
    runningTimeoutMs: number;
    wait: boolean;
    waitTimeoutMs: number;
    /** The inputs as registered (secrets unwrapped): what a later realise compares against. */
    inputs: Record<string, unknown>;
    deleteBeforeReplace: boolean;
}

/** Validate one container's inputs and translate them; throws naming the first key not understood. */
export function planContainer(r: RegisteredResource, labels: Record<string, string>): ContainerPlan {
    const where = `${r.type} "${r.name}"`;
    const i = new Inputs(where, r.inputs);
    i.checkKeys(SUPPORTED_CONTAINER_KEYS, IGNORED_CONTAINER_KEYS);

    const image = i.str("image") ?? i.fail("image", "required");
    const name = i.str("name") ?? autoname(r.name);
    const command = i.strs("command");
    if (command?.some((c) => c === "")) i.fail("command", "values for command may not be empty");

    let healthcheck: Docker.HealthConfig | undefined;
    const hc = i.obj("healthcheck");
    if (hc) {
        hc.checkKeys(SUPPORTED_HEALTHCHECK_KEYS);
        const dur = (k: string) => {
            const v = hc.str(k);
            return v === undefined ? undefined : parseGoDuration(`${where}.healthcheck.${k}`, v);
        };
        healthcheck = {
            Test: hc.strs("tests"),
            Interval: dur("interval"),
            Timeout: dur("timeout"),
            StartPeriod: dur("startPeriod"),
            Retries: hc.int("retries"),
        };
    }

    let capAdd: string[] | undefined;
    let capDrop: string[] | undefined;
    const caps = i.obj("capabilities");
    if (caps) {
        caps.checkKeys(["adds", "drops"]);
        capAdd = caps.strs("adds");
        capDrop = caps.strs("drops");
    }

    const ulimits = i.objs("ulimits")?.map((u) => {
        u.checkKeys(["name", "soft", "hard"]);
        return {
            Name: u.str("name") ?? u.fail("name", "required"),
            Soft: u.int("soft") ?? u.fail("soft", "required"),
            Hard: u.int("hard") ?? u.fail("hard", "required"),
        };
    });

    const hosts = i.objs("hosts")?.map((h) => {
        h.checkKeys(["host", "ip"]);
        return `${h.str("host") ?? h.fail("host", "required")}:${h.str("ip") ?? h.fail("ip", "required")}`;
    });

    const restart = i.str("restart") ?? "no";
    if (!["no", "on-failure", "always", "unless-stopped"].includes(restart)) {
        i.fail("restart", `must be one of no, on-failure, always, unless-stopped: ${restart}`);
    }

    const mb = (k: string) => {
        const v = i.int(k);
        return v === undefined ? undefined : v * MB;
    };
    const memorySwap = i.int("memorySwap");
    const cpus = i.str("cpus");
    if (cpus !== undefined && !(Number(cpus) > 0)) i.fail("cpus", `not a positive number: ${cpus}`);

    const networks: NetworkAttachment[] = (i.objs("networksAdvanced") ?? []).map((n) => {
        n.checkKeys(SUPPORTED_NETWORKS_ADVANCED_KEYS);
        return {
            ref: n.str("name") ?? n.fail("name", "required"),
            aliases: n.strs("aliases") ?? [],
            ipv4Address: n.str("ipv4Address"),
            ipv6Address: n.str("ipv6Address"),
        };
    });
    const networkMode = i.str("networkMode");
    if (networks.length > 0 && networkMode !== undefined && !["bridge", "default"].includes(networkMode)) {
        i.fail("networkMode", `"${networkMode}" together with networksAdvanced is not supported by the realiser`);
    }

    const logDriver = i.str("logDriver");
    const logOpts = i.strMap("logOpts");
    if (logOpts && !logDriver) i.fail("logOpts", "logOpts without logDriver is not supported by the realiser");

    const hostConfig: Docker.HostConfig = {
        RestartPolicy: { Name: restart, MaximumRetryCount: i.int("maxRetryCount") ?? 0 },
        AutoRemove: i.bool("rm") ?? false,
        ReadonlyRootfs: i.bool("readOnly") ?? false,
        Privileged: i.bool("privileged") ?? false,
        CapAdd: capAdd,
        CapDrop: capDrop,
        SecurityOpt: i.strs("securityOpts"),
        Memory: mb("memory"),
        MemorySwap: memorySwap === undefined ? undefined : memorySwap > 0 ? memorySwap * MB : memorySwap,
        MemoryReservation: mb("memoryReservation"),
        ShmSize: mb("shmSize"),
        CpuShares: i.int("cpuShares"),
        NanoCpus: cpus === undefined ? undefined : Math.round(Number(cpus) * 1e9),
        CpusetCpus: i.str("cpuSet"),
        Ulimits: ulimits,
        Sysctls: i.strMap("sysctls"),
        GroupAdd: i.strs("groupAdds"),
        Dns: i.strs("dns"),
        DnsOptions: i.strs("dnsOpts"),
        DnsSearch: i.strs("dnsSearches"),
        ExtraHosts: hosts,
        Init: i.bool("init"),
        Tmpfs: i.strMap("tmpfs"),
        LogConfig: logDriver ? { Type: logDriver, Config: logOpts ?? {} } : undefined,
        NetworkMode: networks.length > 0 ? undefined : networkMode,
    };

    const envs = i.strs("envs");
    envs?.forEach((e, n) => {
        if (!e.includes("=")) throw new Error(`${where}.envs[${n}]: expected KEY=VALUE`);
    });

    const options: Docker.ContainerCreateOptions = {
        name,
        Image: image,
        User: i.str("user"),
        Cmd: command,
        Entrypoint: i.strs("entrypoints"),
        Env: envs,
        WorkingDir: i.str("workingDir"),
        Hostname: i.str("hostname"),
        Domainname: i.str("domainname"),
        Tty: i.bool("tty") ?? false,
        OpenStdin: i.bool("stdinOpen") ?? false,
        StopSignal: i.str("stopSignal"),
        StopTimeout: i.int("stopTimeout"),
        Healthcheck: healthcheck,
        Labels: { ...labelMap(where, i.objs("labels")), ...labels, [RESOURCE_LABEL]: r.name },
        HostConfig: hostConfig,
    };

    const wait = i.bool("wait") ?? false;
    if (wait && !healthcheck) i.fail("wait", "wait: true needs a healthcheck (the provider errors too)");

    return {
        resourceName: r.name,
        mockId: r.id,
        name,
        options,
        networks,
        uploads: (i.objs("uploads") ?? []).map(planUpload),
        start: i.bool("start") ?? true,
        mustRun: i.bool("mustRun") ?? true,
        runningTimeoutMs: i.int("containerReadRefreshTimeoutMilliseconds") ?? 15_000,
        wait,
        waitTimeoutMs: (i.int("waitTimeout") ?? 60) * 1000,
        inputs: r.inputs,
        deleteBeforeReplace: r.deleteBeforeReplace ?? false,
    };
}
