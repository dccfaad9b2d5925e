/**
 * One end-to-end run: a run id, the labels it puts on everything the test creates itself (agents,
 * fake upstreams, networks of its own, images it built), and a teardown that removes all of it.
 * What Pulumi creates is Pulumi's to destroy (`BottleStacks` in `bottle.ts`); this only removes the test's helpers.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import Docker from "dockerode";
import { pack } from "tar-stream";
import { containerLogs, sleep } from "./containers";
import { docker } from "./engine";

export const RUN_LABEL = "cred-proxy.e2e.run";
export const PID_LABEL = "cred-proxy.e2e.pid";
export const HOST_LABEL = "cred-proxy.e2e.host";

/** A container the test started, or one Pulumi created that the test looked up. */
export interface RunningContainer {
    name: string;
    id: string;
    container: Docker.Container;
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
    /** Files to put in before start. */
    files?: { path: string; content: string | Buffer; mode?: number; uid?: number; gid?: number }[];
}

export function isNotFound(e: unknown): boolean {
    return (e as { statusCode?: number }).statusCode === 404;
}

/** Waits until the container runs, and still runs `settleMs` later; throws with its logs otherwise. */
export async function waitRunning(container: Docker.Container, timeoutMs: number, who: string, settleMs = 1000): Promise<void> {
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

/** A one-entry tar to extract at `/`: the full target path, mode and owner. */
export function fileTar(f: { file: string; content: Buffer; mode: number; uid: number; gid: number }): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const p = pack();
        const chunks: Buffer[] = [];
        p.on("data", (c: unknown) => chunks.push(c as Buffer));
        p.on("end", () => resolve(Buffer.concat(chunks)));
        p.on("error", reject);
        const header = {
            name: f.file.replace(/^\/+/, ""),
            mode: f.mode,
            uid: f.uid,
            gid: f.gid,
            size: f.content.length,
            mtime: new Date(0),
            type: "file" as const,
        };
        p.entry(header, f.content, (err) => {
            if (err) reject(err);
            else p.finalize();
        });
    });
}

/** Force-removes a container with its anonymous volumes; gone already is fine. Returns an error text. */
export async function removeContainer(id: string): Promise<string | undefined> {
    try {
        await docker().getContainer(id).remove({ force: true, v: true });
    } catch (e) {
        if (!isNotFound(e) && !/already in progress/.test(String(e))) return `container ${id}: ${String(e)}`;
    }
    return undefined;
}

export async function removeNetwork(id: string): Promise<string | undefined> {
    try {
        await docker().getNetwork(id).remove();
    } catch (e) {
        if (!isNotFound(e)) return `network ${id}: ${String(e)}`;
    }
    return undefined;
}

export async function removeImage(ref: string): Promise<string | undefined> {
    try {
        await docker().getImage(ref).remove({ force: true });
    } catch (e) {
        if (!isNotFound(e)) return `image ${ref}: ${String(e)}`;
    }
    return undefined;
}

/**
 * Call `teardown()` in `afterAll` (idempotent; it also sweeps by label). Helper containers are
 * removed first, so the networks Pulumi created can be destroyed after `removeContainers()`.
 */
export class E2eRun {
    readonly runId: string;
    readonly labels: Record<string, string>;
    private readonly createdContainers = new Map<string, string>(); // id -> name
    private readonly createdNetworks = new Map<string, string>(); // id -> name
    private readonly images = new Set<string>();

    constructor(opts: { runId?: string } = {}) {
        this.runId = opts.runId ?? `e2e-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
        if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(this.runId)) throw new Error(`bad run id ${this.runId}`);
        this.labels = { [RUN_LABEL]: this.runId, [PID_LABEL]: String(process.pid), [HOST_LABEL]: os.hostname() };
    }

    /** A name unique to this run: `<runId>-<suffix>`. */
    name(suffix: string): string {
        return `${this.runId}-${suffix}`;
    }

    /** A network for the test itself (not from the program), labelled for teardown. */
    async createNetwork(spec: { name: string; internal?: boolean }): Promise<{ name: string; id: string }> {
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
    async runContainer(spec: RunContainerSpec): Promise<RunningContainer> {
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
            await container.putArchive(await fileTar({ file: f.path, content, mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0 }), {
                path: "/",
            });
        }
        await container.start();
        await waitRunning(container, 15_000, `container ${name}`);
        return { name, id: container.id, container };
    }

    /** An image the test built for this run (labelled with `labels`): teardown removes it. */
    trackImage(ref: string): void {
        this.images.add(ref);
    }

    /** Containers and networks on the engine that carry this run's label. */
    async labelled(): Promise<{ containers: string[]; networks: string[] }> {
        const label = `${RUN_LABEL}=${this.runId}`;
        const containers = await docker().listContainers({ all: true, filters: { label: [label] } });
        const networks = await docker().listNetworks({ filters: { label: [label] } });
        return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id) };
    }

    /** Images on the engine that carry this run's label. */
    async labelledImages(): Promise<string[]> {
        const images = await docker().listImages({ filters: { label: [`${RUN_LABEL}=${this.runId}`] } });
        return images.map((i) => i.Id);
    }

    /**
     * Removes the helper containers only (so networks they sit on can go), not the ones Pulumi
     * created: those carry the run label too when their image was built by the run (Docker copies
     * image labels onto containers), and are Pulumi's to destroy. Returns failures.
     */
    async removeContainers(): Promise<string[]> {
        const labelled = await docker().listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${this.runId}`] } });
        const helpers = labelled.filter((c) => c.Labels["cred-proxy.bottle"] === undefined).map((c) => c.Id);
        const ids = [...new Set([...this.createdContainers.keys(), ...helpers])];
        const errors = (await Promise.all(ids.map((id) => removeContainer(id)))).filter((e): e is string => e !== undefined);
        this.createdContainers.clear();
        return errors;
    }

    /**
     * Remove everything this run created (containers force-removed with their volumes, then
     * networks, then images), plus anything else carrying this run's label. Idempotent; tries
     * everything and then reports every failure at once.
     */
    async teardown(): Promise<void> {
        const errors = await this.removeContainers();
        for (const id of new Set([...this.createdNetworks.keys(), ...(await this.labelled()).networks])) {
            const error = await removeNetwork(id);
            if (error) errors.push(error);
        }
        this.createdNetworks.clear();
        for (const ref of new Set([...this.images, ...(await this.labelledImages())])) {
            const error = await removeImage(ref);
            if (error) errors.push(error);
        }
        this.images.clear();
        if (errors.length > 0) throw new Error(`teardown of run ${this.runId} left:\n${errors.join("\n")}`);
    }
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
 * Remove e2e leftovers of earlier runs: resources with RUN_LABEL whose owning process (PID_LABEL
 * on HOST_LABEL, this host) is gone, and what Pulumi created for bottles of such runs (their
 * `cred-proxy.bottle` label starts with the dead run's id). Runs of live processes are left alone.
 */
export async function sweepLeftovers(): Promise<number> {
    const d = docker();
    const host = os.hostname();
    const stale = (labels: Record<string, string> | undefined): boolean => {
        if (!labels || labels[HOST_LABEL] !== host) return false;
        const pid = Number(labels[PID_LABEL]);
        return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !pidAlive(pid);
    };
    const deadRuns = new Set<string>();
    let removed = 0;
    for (const c of await d.listContainers({ all: true, filters: { label: [RUN_LABEL] } })) {
        if (!stale(c.Labels)) continue;
        deadRuns.add(c.Labels[RUN_LABEL]);
        if ((await removeContainer(c.Id)) === undefined) removed++;
    }
    const ofDeadRun = (labels: Record<string, string> | undefined) =>
        [...deadRuns].some((run) => (labels?.["cred-proxy.bottle"] ?? "").startsWith(`${run}-`));
    for (const c of await d.listContainers({ all: true, filters: { label: ["cred-proxy.bottle"] } })) {
        if (ofDeadRun(c.Labels) && (await removeContainer(c.Id)) === undefined) removed++;
    }
    for (const n of await d.listNetworks({ filters: { label: [RUN_LABEL] } })) {
        if (stale(n.Labels) && (await removeNetwork(n.Id)) === undefined) removed++;
    }
    for (const n of await d.listNetworks({ filters: { label: ["cred-proxy.bottle"] } })) {
        if (ofDeadRun(n.Labels) && (await removeNetwork(n.Id)) === undefined) removed++;
    }
    for (const i of await d.listImages({ filters: { label: [RUN_LABEL] } })) {
        if (stale(i.Labels ?? undefined) && (await removeImage(i.Id)) === undefined) removed++;
    }
    return removed;
}
