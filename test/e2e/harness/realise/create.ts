/**
 * Creating planned resources on the engine, in the provider's order: for a container, create it
 * (attached to its first network), connect the other networks, extract each upload at `/`,
 * start, check it runs (and, with `wait`, that it becomes healthy).
 *
 * (The provider attaches the default bridge at create and leaves it; attaching the first declared
 * network instead ends on the same networks without ever touching the default bridge.)
 */
import Docker from "dockerode";
import { containerLogs, sleep, waitHealthy } from "../containers";
import { docker } from "../engine";
import type { ContainerPlan, NetworkAttachment } from "./container";
import type { NetworkPlan } from "./network";
import type { Plan } from "./plan";
import { uploadTar } from "./uploads";

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

export function isNotFound(e: unknown): boolean {
    return (e as { statusCode?: number }).statusCode === 404;
}

/** Resolves a network a container names (by name or the mock's id) to the engine's id and name. */
export type NetworkResolver = (ref: string, who: string) => Promise<{ id: string; name: string }>;

/**
 * Checks, before anything is created, that every image is on the engine (offline: nothing is
 * pulled) and that every network a container joins without declaring it already exists.
 */
export async function preflight(containers: ContainerPlan[], declared: NetworkPlan[]): Promise<void> {
    const d = docker();
    for (const c of containers) {
        try {
            await d.getImage(c.options.Image as string).inspect();
        } catch (e) {
            if (isNotFound(e)) {
                throw new Error(`container "${c.resourceName}": image ${c.options.Image} is not on the engine (build it first; nothing is pulled)`);
            }
            throw e;
        }
    }
    const names = new Set(declared.flatMap((n) => (n.mockId ? [n.name, n.mockId] : [n.name])));
    for (const c of containers) {
        for (const a of c.networks) {
            if (names.has(a.ref)) continue;
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
}

/** A resolver over the plan's networks (realised in `networks`, same order) and the engine's. */
export function networkResolver(p: Pick<Plan, "networks">, networks: RealisedNetwork[]): NetworkResolver {
    const byRef = new Map<string, RealisedNetwork>();
    p.networks.forEach((n, k) => {
        byRef.set(n.name, networks[k]);
        if (n.mockId) byRef.set(n.mockId, networks[k]);
    });
    return async (ref, who) => {
        const own = byRef.get(ref);
        if (own) return { id: own.id, name: own.name };
        try {
            const info = (await docker().getNetwork(ref).inspect()) as { Id: string; Name: string };
            return { id: info.Id, name: info.Name };
        } catch (e) {
            if (isNotFound(e)) throw new Error(`${who}: network ${ref} is neither declared nor on the engine`);
            throw e;
        }
    };
}

/** Creates one planned network; `track` learns its id at once (so teardown finds it). */
export async function createPlannedNetwork(n: NetworkPlan, track: (id: string, name: string) => void): Promise<RealisedNetwork> {
    const created = await docker().createNetwork(n.options);
    track(created.id, n.name);
    return { resourceName: n.resourceName, name: n.name, id: created.id };
}

/**
 * Creates, fills and starts one planned container. `track` learns its id as soon as it exists,
 * so a failure later (an upload, start, health) still leaves it to teardown.
 */
export async function createPlannedContainer(
    c: ContainerPlan,
    resolve: NetworkResolver,
    track: (id: string, name: string) => void,
): Promise<RealisedContainer> {
    const d = docker();
    const who = `container "${c.resourceName}"`;
    const attachments: (NetworkAttachment & { id: string; name: string })[] = [];
    for (const n of c.networks) attachments.push({ ...n, ...(await resolve(n.ref, who)) });
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
    track(container.id, c.name);
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
        if (c.mustRun) await waitRunning(container, c.runningTimeoutMs, who);
        if (c.wait) await waitHealthy(container, c.waitTimeoutMs);
    }
    return { resourceName: c.resourceName, name: c.name, id: container.id, container };
}

/**
 * Like the provider's read after create: running, or an error with the logs. Stricter than the
 * provider: it looks again after `settleMs`, so a process that crashes right after starting
 * fails here, with its logs, rather than later in a test.
 */
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
