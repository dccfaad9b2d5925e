#!/usr/bin/env node
/**
 * Entry point of the cred-proxy server (`cred-proxy-server`, `node /app/sidecar/main.js`).
 *
 * Start-up problems end the process with one line on stderr and a non-zero exit code, never a
 * stack trace: the line is what an operator reads in `docker logs`, and a trace could quote
 * configuration it should not.
 */
import { onStopSignals } from "./signals"; // first: it guards SIGUSR1 from the earliest moment
import { errorCode, logEvent, processLogger } from "./accessLog";
import { ConfigError, ProxyConfig, USAGE, loadConfig } from "./config";
import { startServer } from "./server";

/** Exit codes: 2 for configuration, 1 for a failure to listen, 70 for a crash. */
const EXIT_CONFIG = 2;
const EXIT_LISTEN = 1;
const EXIT_CRASH = 70;

async function main(argv: string[]): Promise<void> {
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(`${USAGE}\n`);
        return;
    }
    let config: ProxyConfig;
    try {
        config = loadConfig(argv, process.env);
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        logEvent(processLogger, `configuration error: ${err.message}`);
        process.exitCode = EXIT_CONFIG;
        return;
    }

    let running;
    try {
        running = await startServer(config);
    } catch (err) {
        const where = `${config.host ?? "*"}:${config.port}`;
        logEvent(processLogger, `cannot listen on ${where}: ${errorCode(err)}`);
        process.exitCode = EXIT_LISTEN;
        return;
    }

    onStopSignals(processLogger, (signal, again) => {
        if (again) {
            logEvent(processLogger, `${signal} received again: cutting the requests still in flight`);
            void running.shutdown({ now: true });
            return;
        }
        logEvent(processLogger, `${signal} received: draining in-flight requests`);
        void running.shutdown().then(() => {
            logEvent(processLogger, "stopped");
            process.exit(0);
        });
    });
}

// A crash reports its kind only: messages of unexpected errors are not vetted for secrets.
process.on("uncaughtException", (err) => {
    logEvent(processLogger, `fatal error: ${err.name} (${errorCode(err)})`);
    process.exit(EXIT_CRASH);
});

void main(process.argv.slice(2));
