/**
 * Removing what the harness created: by id and by run label (teardown), and what runs of dead
 * processes left behind (sweep). Containers go first (force, with their anonymous volumes), then
 * networks, then images.
 */
import os from "node:os";
import { docker } from "../engine";
import { isNotFound } from "./create";
import { HOST_LABEL, PID_LABEL, RUN_LABEL } from "./wire";

export interface Labelled {
    containers: string[];
    networks: string[];
}

/** Ids of the containers and networks carrying `label` (`key=value`, or just `key`). */
export async function listByLabel(label: string): Promise<Labelled> {
    const d = docker();
    const containers = await d.listContainers({ all: true, filters: { label: [label] } });
    const networks = await d.listNetworks({ filters: { label: [label] } });
    return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id) };
}

/** Ids of the images carrying `label`. */
export async function listImagesByLabel(label: string): Promise<string[]> {
    const images = await docker().listImages({ filters: { label: [label] } });
    return images.map((i) => i.Id);
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
    for (const i of await d.listImages({ filters: { label: [RUN_LABEL] } })) {
        if (!stale(i.Labels ?? undefined)) continue;
        if ((await removeImage(i.Id)) === undefined) removed++;
    }
    return removed;
}
