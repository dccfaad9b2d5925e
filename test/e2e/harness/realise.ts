/**
 * THE REALISER: turns the resources a Pulumi program registered under the mock runtime into real
 * networks and containers on a Docker engine, the way @pulumi/docker 5.2 creates them, so the
 * end-to-end suite tests exactly what the program declared without a Pulumi engine, state or
 * provider binary.
 *
 * Input: `{ type, name, inputs, id? }` per resource, `inputs` being what the program passed to
 * the provider (camelCase keys, secrets possibly wrapped; see `unwrapSecrets`), `id` the id the
 * mock returned (so a container may refer to a network by that id).
 *
 * How @pulumi/docker 5.2 creates a container, reproduced here:
 *   create (config + host config; `memory`, `memorySwap`, `memoryReservation` and `shmSize` are
 *   MB, multiplied by 1024*1024; a negative `memorySwap` passes as is) -> leave the default bridge
 *   and connect each `networksAdvanced` network with its aliases -> extract each upload as a
 *   one-entry tar at `/` (entry named by the full target path, mode from `permissions`, else
 *   0744/0644 by `executable`, uid/gid from `owner`/`group`) -> start -> check it is running.
 *   (We attach the first network at create time instead of attaching the bridge and leaving it:
 *   the container ends up on the same networks, and never touches the default bridge.)
 *
 * Strictness: every input key is either mapped (SUPPORTED_*), or deliberately ignored as a no-op
 * (IGNORED_*, listed with the values accepted); any other key, at any depth, makes `realise`
 * throw naming it, before anything is created. Nothing is silently dropped.
 *
 * Everything created carries RUN_LABEL (and owner pid/host labels): `teardown` and
 * `sweepLeftovers` find it by label.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import Docker from "dockerode";
import { pack } from "tar-stream";
import { containerLogs, sleep, waitHealthy } from "./containers";
import { docker } from "./engine";

export const NETWORK_TYPE = "docker:index/network:Network";
export const CONTAINER_TYPE = "docker:index/container:Container";

/** Labels on everything the harness creates. */
export const RUN_LABEL = "cred-proxy.e2e.run";
export const PID_LABEL = "cred-proxy.e2e.pid";
export const HOST_LABEL = "cred-proxy.e2e.host";
export const RESOURCE_LABEL = "cred-proxy.e2e.resource";

/** Pulumi's wire signatures. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface RegisteredResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** The id the mock's newResource returned, if any. */
    id?: string;
}

/** Replace every `{ <sig>: <secret sig>, value: X }` by X, recursively. */
export function unwrapSecrets(x: unknown): unknown {
    if (Array.isArray(x)) return x.map(unwrapSecrets);
    if (x !== null && typeof x === "object") {
        const o = x as Record<string, unknown>;
        if (o[SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(o)) out[k] = unwrapSecrets(v);
        return out;
    }
    return x;
}

// ------------------------------------------------------------------------------------------------
// Input vocabulary
// ------------------------------------------------------------------------------------------------

type Accept = (v: unknown) => boolean;
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
const SUPPORTED_UPLOAD_KEYS = ["file", "content", "contentBase64", "source", "executable", "permissions", "owner", "group"];
/** `sourceHash` only forces a replacement in Pulumi's diff; nothing to do at create. */
const IGNORED_UPLOAD_KEYS: Record<string, Accept> = { sourceHash: anyValue };
const SUPPORTED_HEALTHCHECK_KEYS = ["tests", "interval", "timeout", "retries", "startPeriod"];
const SUPPORTED_NETWORKS_ADVANCED_KEYS = ["name", "aliases", "ipv4Address", "ipv6Address"];
const SUPPORTED_IPAM_CONFIG_KEYS = ["subnet", "ipRange", "gateway", "auxAddress"];

// ------------------------------------------------------------------------------------------------
// Typed readers that name the offending path
// ------------------------------------------------------------------------------------------------

class Inputs {
    constructor(
        private readonly where: string,
        private readonly o: Record<string, unknown>,
    ) {}

    fail(key: string, msg: string): never {
        throw new Error(`${this.where}.${key}: ${msg}`);
    }

    checkKeys(supported: readonly string[], ignored: Record<string, Accept> = {}): void {
        for (const [k, v] of Object.entries(this.o)) {
            if (v === undefined || v === null) continue;
            if (supported.includes(k)) continue;
            const accept = ignored[k];
            if (accept) {
                if (!accept(v)) this.fail(k, `value ${JSON.stringify(v)} is not supported by the realiser`);
                continue;
            }
            this.fail(k, "input not understood by the e2e realiser (map it in test/e2e/harness/realise.ts or remove it)");
        }
    }

    has(key: string): boolean {
        return this.o[key] !== undefined && this.o[key] !== null;
    }

    str(key: string): string | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "string") this.fail(key, `expected a string, got ${JSON.stringify(v)}`);
        return v;
    }

    bool(key: string): boolean | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "boolean") this.fail(key, `expected a boolean, got ${JSON.stringify(v)}`);
        return v;
    }

    num(key: string): number | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, `expected a number, got ${JSON.stringify(v)}`);
        return v;
    }

    int(key: string): number | undefined {
        const v = this.num(key);
        if (v !== undefined && !Number.isInteger(v)) this.fail(key, `expected an integer, got ${v}`);
        return v;
    }

    strs(key: string): string[] | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
            this.fail(key, `expected a list of strings, got ${JSON.stringify(v)}`);
        }
        return v as string[];
    }

    strMap(key: string): Record<string, string> | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "object" || Array.isArray(v) || Object.values(v).some((s) => typeof s !== "string")) {
            this.fail(key, `expected a map of strings, got ${JSON.stringify(v)}`);
        }
        return { ...(v as Record<string, string>) };
    }

    objs(key: string): Inputs[] | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (!Array.isArray(v) || v.some((e) => e === null || typeof e !== "object" || Array.isArray(e))) {
            this.fail(key, `expected a list of objects, got ${JSON.stringify(v)}`);
        }
        return (v as Record<string, unknown>[]).map((e, i) => new Inputs(`${this.where}.${key}[${i}]`, e));
    }

    obj(key: string): Inputs | undefined {
        const v = this.o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "object" || Array.isArray(v)) this.fail(key, `expected an object, got ${JSON.stringify(v)}`);
        return new Inputs(`${this.where}.${key}`, v as Record<string, unknown>);
    }
}

/** Reject anything that is still a Pulumi wire value (asset, resource reference, unknown). */
function assertPlain(where: string, x: unknown): void {
    if (x === UNKNOWN_VALUE) throw new Error(`${where}: value is unknown (computed during preview)`);
    if (Array.isArray(x)) {
        x.forEach((e, i) => assertPlain(`${where}[${i}]`, e));
    } else if (x !== null && typeof x === "object") {
        const o = x as Record<string, unknown>;
        if (SIG_KEY in o) throw new Error(`${where}: Pulumi special value ${JSON.stringify(o[SIG_KEY])} is not supported`);
        for (const [k, v] of Object.entries(o)) assertPlain(`${where}.${k}`, v);
    }
}

/** Go's time.ParseDuration, as the provider parses healthcheck durations; result in ns. */
export function parseGoDuration(where: string, s: string): number {
    if (s === "0") return 0;
    const unit: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
    const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
    let total = 0;
    let at = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s)) !== null) {
        total += parseFloat(m[1]) * unit[m[2]];
        at = re.lastIndex;
    }
    if (s === "" || at !== s.length) throw new Error(`${where}: not a duration (like "10s", "1m30s", "500ms"): ${JSON.stringify(s)}`);
    return Math.round(total);
}

function labelMap(where: string, entries: Inputs[] | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of entries ?? []) {
        e.checkKeys(["label", "value"]);
        const label = e.str("label") ?? e.fail("label", "required");
        const value = e.str("value") ?? e.fail("value", "required");
        if (label in out) throw new Error(`${where}.labels: label ${label} given twice`);
        if (label.startsWith("cred-proxy.e2e.")) throw new Error(`${where}.labels: ${label} is reserved for the e2e harness`);
        out[label] = value;
    }
    return out;
}

const MB = 1024 * 1024;

// ------------------------------------------------------------------------------------------------
// Plans: what will be created, computed and validated before touching the engine
// ------------------------------------------------------------------------------------------------

export interface NetworkPlan {
    resourceName: string;
    mockId?: string;
    name: string;
    options: Docker.NetworkCreateOptions;
}

export interface UploadPlan {
    file: string;
    mode: number;
    uid: number;
    gid: number;
    content: Buffer;
}

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
}

export interface Plan {
    networks: NetworkPlan[];
    containers: ContainerPlan[];
}

export interface PlanOptions {
    /** Labels added to everything (the run's labels). */
    labels?: Record<string, string>;
    /** Resource types to skip on purpose (e.g. the component's own type, providers). */
    ignoreTypes?: string[];
}

function autoname(resourceName: string): string {
    // Like Pulumi's auto-naming: the resource name and a random suffix.
    return `${resourceName}-${randomBytes(4).toString("hex").slice(0, 7)}`;
}

function planNetwork(r: RegisteredResource, labels: Record<string, string>): NetworkPlan {
    const where = `${r.type} "${r.name}"`;
    const i = new Inputs(where, r.inputs);
    i.checkKeys(SUPPORTED_NETWORK_KEYS, IGNORED_NETWORK_KEYS);
    const name = i.str("name") ?? autoname(r.name);
    const ipamConfigs = i.objs("ipamConfigs")?.map((c) => {
        c.checkKeys(SUPPORTED_IPAM_CONFIG_KEYS);
        return {
            Subnet: c.str("subnet"),
            IPRange: c.str("ipRange"),
            Gateway: c.str("gateway"),
            AuxiliaryAddresses: c.strMap("auxAddress"),
        };
    });
    const ipamDriver = i.str("ipamDriver");
    const ipamOptions = i.strMap("ipamOptions");
    const options: Docker.NetworkCreateOptions = {
        Name: name,
        CheckDuplicate: true,
        Driver: i.str("driver") ?? "bridge",
        Internal: i.bool("internal") ?? false,
        Attachable: i.bool("attachable") ?? false,
        EnableIPv6: i.bool("ipv6") ?? false,
        Options: i.strMap("options"),
        Labels: { ...labelMap(where, i.objs("labels")), ...labels, [RESOURCE_LABEL]: r.name },
    };
    if (ipamConfigs || ipamDriver || ipamOptions) {
        options.IPAM = { Driver: ipamDriver ?? "default", Config: ipamConfigs ?? [], Options: ipamOptions };
    }
    return { resourceName: r.name, mockId: r.id, name, options };
}

function planUpload(u: Inputs): UploadPlan {
    u.checkKeys(SUPPORTED_UPLOAD_KEYS, IGNORED_UPLOAD_KEYS);
    const file = u.str("file") ?? u.fail("file", "required");
    if (!file.startsWith("/")) u.fail("file", `must be an absolute path in the container, got ${file}`);
    // Like the provider: an empty string counts as not set; exactly one source of content.
    const content = u.str("content") || undefined;
    const contentBase64 = u.str("contentBase64") || undefined;
    const source = u.str("source") || undefined;
    const given = [content, contentBase64, source].filter((v) => v !== undefined).length;
    if (given !== 1) u.fail("content", "exactly one of content, contentBase64 or source must be set");
    let bytes: Buffer;
    if (content !== undefined) bytes = Buffer.from(content, "utf8");
    else if (contentBase64 !== undefined) bytes = Buffer.from(contentBase64, "base64");
    else bytes = readFileSync(source as string);
    const permissions = u.str("permissions");
    let mode: number;
    if (permissions !== undefined) {
        if (!/^0?[0-7]{3,4}$/.test(permissions)) u.fail("permissions", `not an octal mode: ${permissions}`);
        mode = parseInt(permissions, 8);
    } else {
        mode = u.bool("executable") ? 0o744 : 0o644;
    }
    const id = (key: "owner" | "group"): number => {
        const v = u.str(key);
        if (v === undefined) return 0;
        if (!/^\d+$/.test(v)) {
            u.fail(key, `only numeric ids are supported (the provider resolves names on the deploying host): ${v}`);
        }
        return Number(v);
    };
    return { file, mode, uid: id("owner"), gid: id("group"), content: bytes };
}

function planContainer(r: RegisteredResource, labels: Record<string, string>): ContainerPlan {
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
    };
}

/**
 * Validate and translate a resource list without touching the engine. Throws on the first input
 * the realiser does not understand, naming the resource and the key.
 */
export function plan(resources: RegisteredResource[], opts: PlanOptions = {}): Plan {
    const labels = opts.labels ?? {};
    const out: Plan = { networks: [], containers: [] };
    for (const raw of resources) {
        if (opts.ignoreTypes?.includes(raw.type)) continue;
        const inputs = unwrapSecrets(raw.inputs) as Record<string, unknown>;
        const where = `${raw.type} "${raw.name}"`;
        if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) {
            throw new Error(`${where}: inputs must be an object`);
        }
        assertPlain(where, inputs);
        const r = { ...raw, inputs };
        if (r.type === NETWORK_TYPE) out.networks.push(planNetwork(r, labels));
        else if (r.type === CONTAINER_TYPE) out.containers.push(planContainer(r, labels));
        else throw new Error(`${where}: resource type not understood by the e2e realiser (pass it in ignoreTypes to skip it on purpose)`);
    }
    const seen = new Set<string>();
    for (const n of [...out.networks.map((x) => `network ${x.name}`), ...out.containers.map((x) => `container ${x.name}`)]) {
        if (seen.has(n)) throw new Error(`two resources would create the same ${n}`);
        seen.add(n);
    }
    return out;
}

/** The one-entry tar the provider extracts at `/` for an upload. */
export function uploadTar(u: UploadPlan): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const p = pack();
        const chunks: Buffer[] = [];
        p.on("data", (c: unknown) => chunks.push(c as Buffer));
        p.on("end", () => resolve(Buffer.concat(chunks)));
        p.on("error", reject);
        p.entry(
            {
                // The full target path; relative to the extraction point `/`.
                name: u.file.replace(/^\/+/, ""),
                mode: u.mode,
                uid: u.uid,
                gid: u.gid,
                size: u.content.length,
                mtime: new Date(0),
                type: "file",
            },
            u.content,
            (err) => {
                if (err) reject(err);
                else p.finalize();
            },
        );
    });
}

// ------------------------------------------------------------------------------------------------
// The run: realise, extra test containers, teardown
// ------------------------------------------------------------------------------------------------

export interface RealisedNetwork {
    resourceName?: string;
    name: string;
    id: string;
}

export interface RealisedContainer {
    resourceName?: string;
    name: string;
    id: string;
    container: Docker.Container;
}

export interface Realised {
    networks: RealisedNetwork[];
    containers: RealisedContainer[];
    /** The realised container of a resource (by Pulumi resource name or container name). */
    container(nameOrResourceName: string): RealisedContainer;
    network(nameOrResourceName: string): RealisedNetwork;
}

export interface RunContainerSpec {
    image: string;
    /** Container name; prefixed with the run id when it is not already. */
    name: string;
    cmd?: string[];
    entrypoint?: string[];
    user?: string;
    env?: string[];
    workingDir?: string;
    /** Networks (by name or id) with their aliases; the first is attached at create. */
    networks: { name: string; aliases?: string[] }[];
    labels?: Record<string, string>;
    healthcheck?: Docker.HealthConfig;
    hostConfig?: Docker.HostConfig;
    /** Files to put in before start (same shape as the realiser's upload plans). */
    files?: { path: string; content: string | Buffer; mode?: number; uid?: number; gid?: number }[];
}

function isNotFound(e: unknown): boolean {
    return (e as { statusCode?: number }).statusCode === 404;
}

function pidAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/**
 * One end-to-end run: a run id, the labels it puts on everything, what it created.
 * Call `teardown()` in `afterAll` (it is idempotent and also sweeps by label).
 */
export class E2eRun {
    readonly runId: string;
    readonly labels: Record<string, string>;
    private readonly createdContainers = new Map<string, string>(); // id -> name
    private readonly createdNetworks = new Map<string, string>(); // id -> name

    constructor(opts: { runId?: string } = {}) {
        this.runId = opts.runId ?? `e2e-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
        if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(this.runId)) throw new Error(`bad run id ${this.runId}`);
        this.labels = { [RUN_LABEL]: this.runId, [PID_LABEL]: String(process.pid), [HOST_LABEL]: os.hostname() };
    }

    /** A name unique to this run: `<runId>-<suffix>`. */
    name(suffix: string): string {
        return `${this.runId}-${suffix}`;
    }

    /** Validate (see `plan`) and create everything on the engine. */
    async realise(resources: RegisteredResource[], opts: { ignoreTypes?: string[] } = {}): Promise<Realised> {
        const p = plan(resources, { labels: this.labels, ignoreTypes: opts.ignoreTypes });
        const d = docker();

        // Images must already be on the engine: offline, nothing is pulled.
        for (const c of p.containers) {
            try {
                await d.getImage(c.options.Image as string).inspect();
            } catch (e) {
                if (isNotFound(e)) {
                    throw new Error(`container "${c.resourceName}": image ${c.options.Image} is not on the engine (build it first; nothing is pulled)`);
                }
                throw e;
            }
        }

        // Networks a container joins without declaring them must already exist: check before
        // creating anything.
        const declared = new Set(p.networks.flatMap((n) => (n.mockId ? [n.name, n.mockId] : [n.name])));
        for (const c of p.containers) {
            for (const a of c.networks) {
                if (declared.has(a.ref)) continue;
                try {
                    await d.getNetwork(a.ref).inspect();
                } catch (e) {
                    if (isNotFound(e)) {
                        throw new Error(`container "${c.resourceName}": network ${a.ref} is neither declared nor on the engine`);
                    }
                    throw e;
                }
            }
        }

        const networks: RealisedNetwork[] = [];
        for (const n of p.networks) {
            const created = await d.createNetwork(n.options);
            this.createdNetworks.set(created.id, n.name);
            networks.push({ resourceName: n.resourceName, name: n.name, id: created.id });
        }

        // A container names its networks by name or by the mock's id; a network the program did
        // not declare (joined, not created) must already exist on the engine.
        const byRef = new Map<string, RealisedNetwork>();
        p.networks.forEach((n, k) => {
            byRef.set(n.name, networks[k]);
            if (n.mockId) byRef.set(n.mockId, networks[k]);
        });
        const resolveNetwork = async (ref: string, who: string): Promise<{ id: string; name: string }> => {
            const own = byRef.get(ref);
            if (own) return { id: own.id, name: own.name };
            try {
                const info = (await d.getNetwork(ref).inspect()) as { Id: string; Name: string };
                return { id: info.Id, name: info.Name };
            } catch (e) {
                if (isNotFound(e)) throw new Error(`${who}: network ${ref} is neither declared nor on the engine`);
                throw e;
            }
        };

        const containers: RealisedContainer[] = [];
        for (const c of p.containers) {
            const who = `container "${c.resourceName}"`;
            const attachments: (NetworkAttachment & { id: string; name: string })[] = [];
            for (const n of c.networks) attachments.push({ ...n, ...(await resolveNetwork(n.ref, who)) });
            const endpoint = (a: (typeof attachments)[number]): Docker.EndpointSettings => ({
                Aliases: a.aliases,
                IPAMConfig: a.ipv4Address || a.ipv6Address ? { IPv4Address: a.ipv4Address, IPv6Address: a.ipv6Address } : undefined,
            });
            const options: Docker.ContainerCreateOptions = { ...c.options, HostConfig: { ...c.options.HostConfig } };
            if (attachments.length > 0) {
                options.HostConfig = { ...options.HostConfig, NetworkMode: attachments[0].name };
                options.NetworkingConfig = { EndpointsConfig: { [attachments[0].name]: endpoint(attachments[0]) } };
            }
            const container = await d.createContainer(options);
            this.createdContainers.set(container.id, c.name);
            for (const a of attachments.slice(1)) {
                await d.getNetwork(a.id).connect({ Container: container.id, EndpointConfig: endpoint(a) });
            }
            for (const u of c.uploads) {
                try {
                    await container.putArchive(await uploadTar(u), { path: "/" });
                } catch (e) {
                    throw new Error(`${who}: upload of ${u.file} failed: ${(e as Error).message}`);
                }
            }
            if (c.start) {
                await container.start();
                if (c.mustRun) await this.waitRunning(container, c.runningTimeoutMs, who);
                if (c.wait) await waitHealthy(container, c.waitTimeoutMs);
            }
            containers.push({ resourceName: c.resourceName, name: c.name, id: container.id, container });
        }

        const find = <T extends { name: string; resourceName?: string }>(list: T[], key: string, what: string): T => {
            const hit = list.find((x) => x.resourceName === key) ?? list.find((x) => x.name === key);
            if (!hit) throw new Error(`no realised ${what} named ${key} (have: ${list.map((x) => x.resourceName ?? x.name).join(", ")})`);
            return hit;
        };
        return {
            networks,
            containers,
            container: (key) => find(containers, key, "container"),
            network: (key) => find(networks, key, "network"),
        };
    }

    /**
     * Like the provider's read after create: running, or an error with the logs. Stricter than the
     * provider: it looks again after `settleMs`, so a process that crashes right after starting
     * fails here, with its logs, rather than later in a test.
     */
    private async waitRunning(container: Docker.Container, timeoutMs: number, who: string, settleMs = 1000): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        const failure = async (info: Docker.ContainerInspectInfo) =>
            new Error(
                `${who} is not running (${info.State.Status}, exit ${info.State.ExitCode}): ` +
                    `${info.State.Error || ""}\n--- logs ---\n${await containerLogs(container)}`,
            );
        for (;;) {
            const info = await container.inspect();
            if (info.State.Running) break;
            if (["exited", "dead"].includes(info.State.Status) || Date.now() > deadline) throw await failure(info);
            await sleep(100);
        }
        if (settleMs > 0) {
            await sleep(settleMs);
            const info = await container.inspect();
            if (["exited", "dead"].includes(info.State.Status)) throw await failure(info);
        }
    }

    /** A network for the test itself (not from the program), labelled for teardown. */
    async createNetwork(spec: { name: string; internal?: boolean }): Promise<RealisedNetwork> {
        const created = await docker().createNetwork({
            Name: spec.name,
            CheckDuplicate: true,
            Driver: "bridge",
            Internal: spec.internal ?? false,
            Labels: { ...this.labels },
        });
        this.createdNetworks.set(created.id, spec.name);
        return { name: spec.name, id: created.id };
    }

    /**
     * Start a helper container (agent, fake upstream) on the given networks, with aliases.
     * Resolves once it runs; labelled for teardown.
     */
    async runContainer(spec: RunContainerSpec): Promise<RealisedContainer> {
        if (spec.networks.length === 0) throw new Error("runContainer: give at least one network");
        const d = docker();
        const name = spec.name.startsWith(`${this.runId}-`) ? spec.name : this.name(spec.name);
        const [first, ...rest] = spec.networks;
        const container = await d.createContainer({
            name,
            Image: spec.image,
            Cmd: spec.cmd,
            Entrypoint: spec.entrypoint,
            User: spec.user,
            Env: spec.env,
            WorkingDir: spec.workingDir,
            Healthcheck: spec.healthcheck,
            Labels: { ...(spec.labels ?? {}), ...this.labels },
            HostConfig: { ...(spec.hostConfig ?? {}), NetworkMode: first.name },
            NetworkingConfig: { EndpointsConfig: { [first.name]: { Aliases: first.aliases ?? [] } } },
        });
        this.createdContainers.set(container.id, name);
        for (const n of rest) {
            await d.getNetwork(n.name).connect({ Container: container.id, EndpointConfig: { Aliases: n.aliases ?? [] } });
        }
        for (const f of spec.files ?? []) {
            const content = typeof f.content === "string" ? Buffer.from(f.content, "utf8") : f.content;
            await container.putArchive(
                await uploadTar({ file: f.path, content, mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0 }),
                { path: "/" },
            );
        }
        await container.start();
        await this.waitRunning(container, 15_000, `container ${name}`);
        return { name, id: container.id, container };
    }

    /** Containers and networks on the engine that carry this run's label. */
    async labelled(): Promise<{ containers: string[]; networks: string[] }> {
        return listByLabel(`${RUN_LABEL}=${this.runId}`);
    }

    /**
     * Remove everything this run created (containers force-removed with their volumes, then
     * networks), plus anything else carrying this run's label. Idempotent; tries everything and
     * then reports every failure at once.
     */
    async teardown(): Promise<void> {
        const d = docker();
        const errors: string[] = [];
        const labelled = await listByLabel(`${RUN_LABEL}=${this.runId}`);
        const containerIds = new Set([...this.createdContainers.keys(), ...labelled.containers]);
        await Promise.all(
            [...containerIds].map(async (id) => {
                try {
                    await d.getContainer(id).remove({ force: true, v: true });
                } catch (e) {
                    if (!isNotFound(e) && !/already in progress/.test(String(e))) errors.push(`container ${id}: ${String(e)}`);
                }
                this.createdContainers.delete(id);
            }),
        );
        const networkIds = new Set([...this.createdNetworks.keys(), ...labelled.networks]);
        for (const id of networkIds) {
            try {
                await d.getNetwork(id).remove();
            } catch (e) {
                if (!isNotFound(e)) errors.push(`network ${id}: ${String(e)}`);
            }
            this.createdNetworks.delete(id);
        }
        if (errors.length > 0) throw new Error(`teardown of run ${this.runId} left:\n${errors.join("\n")}`);
    }
}

async function listByLabel(label: string): Promise<{ containers: string[]; networks: string[] }> {
    const d = docker();
    const containers = await d.listContainers({ all: true, filters: { label: [label] } });
    const networks = await d.listNetworks({ filters: { label: [label] } });
    return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id) };
}

/**
 * Remove e2e leftovers of earlier runs: resources with RUN_LABEL whose owning process (PID_LABEL
 * on HOST_LABEL, this host) is gone. Runs of other live processes are left alone, so parallel
 * suites do not tear each other down. Returns how many it removed.
 */
export async function sweepLeftovers(): Promise<number> {
    const d = docker();
    const host = os.hostname();
    const stale = (labels: Record<string, string> | undefined): boolean => {
        if (!labels || labels[HOST_LABEL] !== host) return false;
        const pid = Number(labels[PID_LABEL]);
        return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !pidAlive(pid);
    };
    let removed = 0;
    for (const c of await d.listContainers({ all: true, filters: { label: [RUN_LABEL] } })) {
        if (!stale(c.Labels)) continue;
        try {
            await d.getContainer(c.Id).remove({ force: true, v: true });
            removed++;
        } catch (e) {
            if (!isNotFound(e)) throw e;
        }
    }
    for (const n of await d.listNetworks({ filters: { label: [RUN_LABEL] } })) {
        if (!stale(n.Labels)) continue;
        try {
            await d.getNetwork(n.Id).remove();
            removed++;
        } catch (e) {
            if (!isNotFound(e)) throw e;
        }
    }
    return removed;
}
