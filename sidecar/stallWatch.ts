/**
 * Timing out stalled agents: a request body that stops arriving, a response the agent stops
 * reading. Either would otherwise hold a connection, its buffers and an upstream request for as
 * long as the agent likes.
 *
 * One sweep for the whole server, a few times per timeout, instead of a timer per request reset
 * on every chunk: each watched exchange compares its byte counts with the previous sweep's
 * (Exchange.checkStall), so a stream that keeps moving, however slowly, is never cut, and
 * streaming pays nothing per chunk.
 */

export interface Stallable {
    /** Called once per sweep; `limit` is the number of sweeps without progress that makes a stall. */
    checkStall(limit: number): void;
}

export class StallWatch {
    private readonly watched = new Set<Stallable>();
    private readonly limit: number;
    private readonly timer: NodeJS.Timeout;

    constructor(timeoutMs: number) {
        // A sweep every quarter timeout, but at least once a second: a stall is cut within one
        // sweep period after the timeout.
        const period = Math.max(10, Math.min(1_000, Math.floor(timeoutMs / 4)));
        this.limit = Math.ceil(timeoutMs / period);
        this.timer = setInterval(() => this.sweep(), period);
        this.timer.unref();
    }

    add(item: Stallable): void {
        this.watched.add(item);
    }

    delete(item: Stallable): void {
        this.watched.delete(item);
    }

    stop(): void {
        clearInterval(this.timer);
    }

    private sweep(): void {
        for (const item of this.watched) item.checkStall(this.limit);
    }
}
