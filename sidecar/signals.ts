/**
 * The signals the proxy process answers, and how.
 *
 * Imported first by main.ts: on import it keeps SIGUSR1 from opening Node's inspector, which
 * would listen on 127.0.0.1:9229 inside the container and hand whoever reaches it the process's
 * memory, tokens included. A listener of our own is what stops Node from starting it.
 */
import { Logger, logEvent, processLogger } from "./accessLog";

process.on("SIGUSR1", () => logEvent(processLogger, "SIGUSR1 ignored: the inspector is not available in the proxy"));

/**
 * SIGTERM and SIGINT drain and stop; a second one cuts the drain short. SIGHUP is logged and
 * ignored: the routes and tokens are fixed for the container's life, so a reload would change
 * nothing, and Node's default for it (exit at once, no drain) would drop in-flight requests.
 */
export function onStopSignals(logger: Logger, stop: (signal: string, again: boolean) => void): void {
    let stopping = false;
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.on(signal, () => {
            stop(signal, stopping);
            stopping = true;
        });
    }
    process.on("SIGHUP", () => logEvent(logger, "SIGHUP ignored: restart the container to change its configuration"));
}
