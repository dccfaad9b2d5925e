/**
 * One end-to-end run: a run id, the labels it puts on everything, `realise` (create, keep or
 * replace what a program registered), helper containers and networks of the test's own, images
 * it built, and a teardown that removes all of it.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import Docker from "dockerode";
import { docker } from "../engine";
import {
    listByLabel,
    listImagesByLabel,
    removeContainer,
    removeImage,
    removeNetwork,
    type Labelled,
} from "./cleanup";
import {
    createPlannedContainer,
    createPlannedNetwork,
    networkResolver,
    preflight,
    waitRunning,
    type RealisedContainer,
    type RealisedNetwork,
} from "./create";
import { plan } from "./plan";
import { containerAction, networkAction, type Prior, type RealiseAction } from "./replace";
import { uploadTar } from "./uploads";
import { HOST_LABEL, PID_LABEL, RUN_LABEL, type RegisteredResource } from "./wire";

export interface Realised {
    networks: RealisedNetwork[];
    containers: RealisedContainer[];
    /** What happened to each resource, in order: created, kept ("same") or replaced. */
    actions: RealiseAction[];
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

/**
 * Call `teardown()` in `afterAll` (it is idempotent and also sweeps by label). Realising a
 * resource name again keeps, or replaces, what the run realised before: see `replace.ts`.
 */
export class E2eRun {
    readonly runId: string;
    readonly labels: Record<string, string>;
    private readonly createdContainers = new Map<string, string>(); // id -> name
    private readonly createdNetworks = new Map<string, string>(); // id -> name
    private readonly images = new Set<string>();
    private readonly networkState = new Map<string, Prior<RealisedNetwork>>(); // by resource name
    private readonly containerState = new Map<string, Prior<RealisedContainer>>();

    constructor(opts: { runId?: string } = {}) {
        this.runId = opts.runId ?? `e2e-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
        if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(this.runId)) throw new Error(`bad run id ${this.runId}`);
        this.labels = { [RUN_LABEL]: this.runId, [PID_LABEL]: String(process.pid), [HOST_LABEL]: os.hostname() };
    }

    /** A name unique to this run: `<runId>-<suffix>`. */
    name(suffix: string): string {
        return `${this.runId}-${suffix}`;
    }

    /**
     * Validate (see `plan`) and create everything on the engine; resources this run realised
     * before under the same name are kept when unchanged and replaced when changed.
     */
    async realise(resources: RegisteredResource[], opts: { ignoreTypes?: string[] } = {}): Promise<Realised> {
        const p = plan(resources, { labels: this.labels, ignoreTypes: opts.ignoreTypes });
        const netSteps = p.networks.map((n) => ({ n, prior: this.networkState.get(n.resourceName) }));
        const netActions = netSteps.map(({ n, prior }) => networkAction(n, prior));
        const conSteps = p.containers.map((c) => ({ c, prior: this.containerState.get(c.resourceName) }));
        const conActions = conSteps.map(({ c, prior }) => containerAction(c, prior));
        await preflight(
            conSteps.filter((_, k) => conActions[k].action !== "same").map((s) => s.c),
            p.networks,
        );

        const trackNetwork = (id: string, name: string) => this.createdNetworks.set(id, name);
        const trackContainer = (id: string, name: string) => this.createdContainers.set(id, name);
        const networks: RealisedNetwork[] = [];
        for (const [k, { n, prior }] of netSteps.entries()) {
            const realised = netActions[k].action === "same" && prior ? prior.realised : await createPlannedNetwork(n, trackNetwork);
            this.networkState.set(n.resourceName, { inputs: n.inputs, realised });
            networks.push(realised);
        }

        const resolve = networkResolver(p, networks);
        const containers: RealisedContainer[] = [];
        for (const [k, { c, prior }] of conSteps.entries()) {
            const action = conActions[k];
            let realised: RealisedContainer;
            if (action.action === "same" && prior) {
                realised = prior.realised;
            } else if (action.action === "replace" && prior && action.order === "delete-first") {
                await this.removeRealisedContainer(prior.realised);
                realised = await createPlannedContainer(c, resolve, trackContainer);
            } else {
                realised = await createPlannedContainer(c, resolve, trackContainer);
                if (prior) await this.removeRealisedContainer(prior.realised);
            }
            this.containerState.set(c.resourceName, { inputs: c.inputs, realised });
            containers.push(realised);
        }

        const find = <T extends { name: string; resourceName?: string }>(list: T[], key: string, what: string): T => {
            const hit = list.find((x) => x.resourceName === key) ?? list.find((x) => x.name === key);
            if (!hit) throw new Error(`no realised ${what} named ${key} (have: ${list.map((x) => x.resourceName ?? x.name).join(", ")})`);
            return hit;
        };
        return {
            networks,
            containers,
            actions: [...netActions, ...conActions],
            container: (key) => find(containers, key, "container"),
            network: (key) => find(networks, key, "network"),
        };
    }

    private async removeRealisedContainer(c: RealisedContainer): Promise<void> {
        const error = await removeContainer(c.id);
        if (error) throw new Error(`replacing ${c.name}: ${error}`);
        this.createdContainers.delete(c.id);
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
        await waitRunning(container, 15_000, `container ${name}`);
        return { name, id: container.id, container };
    }

    /** An image the test built for this run (labelled with `labels`): teardown removes it. */
    trackImage(ref: string): void {
        this.images.add(ref);
    }

    /** Containers and networks on the engine that carry this run's label. */
    async labelled(): Promise<Labelled> {
        return listByLabel(`${RUN_LABEL}=${this.runId}`);
    }

    /** Images on the engine that carry this run's label. */
    async labelledImages(): Promise<string[]> {
        return listImagesByLabel(`${RUN_LABEL}=${this.runId}`);
    }

    /**
     * Remove everything this run created (containers force-removed with their volumes, then
     * networks, then images), plus anything else carrying this run's label. Idempotent; tries
     * everything and then reports every failure at once.
     */
    async teardown(): Promise<void> {
        const label = `${RUN_LABEL}=${this.runId}`;
        const labelled = await listByLabel(label);
        const containerIds = [...new Set([...this.createdContainers.keys(), ...labelled.containers])];
        const errors = (await Promise.all(containerIds.map((id) => removeContainer(id)))).filter((e) => e !== undefined);
        this.createdContainers.clear();
        for (const id of new Set([...this.createdNetworks.keys(), ...labelled.networks])) {
            const error = await removeNetwork(id);
            if (error) errors.push(error);
        }
        this.createdNetworks.clear();
        for (const ref of new Set([...this.images, ...(await listImagesByLabel(label))])) {
            const error = await removeImage(ref);
            if (error) errors.push(error);
        }
        this.images.clear();
        this.networkState.clear();
        this.containerState.clear();
        if (errors.length > 0) throw new Error(`teardown of run ${this.runId} left:\n${errors.join("\n")}`);
    }
}
