/**
 * Timing out stalled agents: a request body that stops arriving, a response the agent stops
 * reading. Either would otherwise hold a connection, its buffers and an upstream request for as
 * long as the agent likes.
 *
 * One sweep for the whole server, a few times per timeout, instead of a timer per request reset
 * on every chunk: each watched exchange compares its byte counts with the previous sweep's
 * (Exchange.checkStall), so a stream that keeps moving, however slowly, is never cut, and
 * streaming pays nothing per chunk. The sweep runs only while something is watched: an idle proxy
 * has no timer at all, so it is not woken up once a second for nothing.
 */

export interface Stallable {
    /** Called once per sweep; `limit` is the number of sweeps without progress that makes a stall. */
    checkStall(limit: number): void;
}

export class StallWatch {
    private readonly watched = new Set<Stallable>();
    private readonly limit: number;
    private readonly period: number;
    private timer: NodeJS.Timeout | undefined;
    private stopped = false;

    constructor(timeoutMs: number) {
        // A sweep every quarter timeout, but at least once a second: a stall is cut within one
        // sweep period after the timeout.
        this.period = Math.max(10, Math.min(1_000, Math.floor(timeoutMs / 4)));
        this.limit = Math.ceil(timeoutMs / this.period);
    }

    add(item: Stallable): void {
        this.watched.add(item);
        if (this.timer === undefined && !this.stopped) {
            this.timer = setInterval(() => this.sweep(), this.period);
            this.timer.unref();
        }
    }

    delete(item: Stallable): void {
        this.watched.delete(item);
        if (this.watched.size === 0) this.clear();
    }

    stop(): void {
        this.stopped = true;
        this.clear();
    }

    private clear(): void {
        if (this.timer !== undefined) clearInterval(this.timer);
        this.timer = undefined;
    }

    private sweep(): void {
        for (const item of this.watched) item.checkStall(this.limit);
    }
}
