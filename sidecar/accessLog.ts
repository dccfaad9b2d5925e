/**
 * Logging: one JSON line per request on stdout, single plain lines for events on stderr.
 *
 * What is logged is chosen by field, never by dumping objects: no headers (they carry the
 * token), no query strings and no path beyond the route prefix (they may carry the agent's
 * data). Event messages are built from fixed strings and error codes, never from `err.message`.
 */

export interface LogSink {
    write(line: string): void;
}

export interface Logger {
    /** Access lines (stdout). */
    access: LogSink;
    /** Start-up, shutdown and error events (stderr). */
    events: LogSink;
}

/**
 * Access lines for stdout, written together once per turn of the event loop. Under load one turn
 * completes a dozen requests or more, and one write for all of them instead of one each saves a
 * system call per request. Whatever is pending when the process exits is written on the way out
 * ('exit' handlers run synchronously, and stdout to a file or pipe is synchronous on Linux).
 */
function batchedStdout(): LogSink {
    let pending = "";
    let scheduled = false;
    const flush = (): void => {
        scheduled = false;
        if (pending === "") return;
        const out = pending;
        pending = "";
        process.stdout.write(out);
    };
    process.once("exit", flush);
    return {
        write(line) {
            pending += line;
            if (!scheduled) {
                scheduled = true;
                setImmediate(flush);
            }
        },
    };
}

export const processLogger: Logger = {
    access: batchedStdout(),
    events: { write: (line) => process.stderr.write(line) },
};

/** Writes one event line, with control characters flattened so it stays one line. */
export function logEvent(logger: Logger, message: string): void {
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    logger.events.write(`cred-proxy: ${message.replace(/[\x00-\x1f\x7f]/g, " ")}\n`);
}

/** An error's code when it is a plain identifier (safe to log), else "UNKNOWN". */
export function errorCode(err: unknown): string {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    return typeof code === "string" && /^[A-Z0-9_]{1,64}$/.test(code) ? code : "UNKNOWN";
}

/** Outcome of a request, beyond its status code. */
export type Outcome =
    | "ok" // response fully sent
    | "refused" // answered by the proxy itself (4xx/5xx before any upstream contact)
    | "upstream_error" // 502/504 or a response cut short by the upstream
    | "client_aborted" // the agent went away before the response was complete
    | "client_timeout" // the agent stopped sending its body or reading the response
    | "shutdown"; // the proxy stopped (drain bound or a second signal) before the response was complete

/** Accumulates one request's facts and writes its access line once, when the exchange closes. */
export class AccessRecord {
    route: string | null = null;
    upstream: string | null = null;
    bytesIn = 0;
    bytesOut = 0;
    outcome: Outcome | undefined;
    /** A fixed-vocabulary reason (error code or refusal kind), never free text from a peer. */
    reason: string | undefined;
    private readonly start = process.hrtime.bigint();
    private readonly startedAt = new Date();
    private written = false;

    constructor(
        private readonly logger: Logger,
        private readonly method: string,
    ) {}

    /** Sets the outcome unless an earlier, more specific one is already recorded. */
    mark(outcome: Outcome, reason?: string): void {
        if (this.outcome === undefined || this.outcome === "ok") {
            this.outcome = outcome;
            this.reason = reason;
        }
    }

    write(status: number): void {
        if (this.written) return;
        this.written = true;
        const line: Record<string, string | number | null> = {
            time: this.startedAt.toISOString(),
            method: this.method,
            route: this.route,
            status,
            bytes_in: this.bytesIn,
            bytes_out: this.bytesOut,
            duration_ms: Number((process.hrtime.bigint() - this.start) / 1_000_000n),
            upstream: this.upstream,
            outcome: this.outcome ?? "ok",
        };
        if (this.reason !== undefined) line.reason = this.reason;
        this.logger.access.write(`${JSON.stringify(line)}\n`);
    }
}
