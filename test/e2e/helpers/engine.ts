/**
 * Finding a Docker engine for the end-to-end suite, and the `describeDocker` wrapper that runs a
 * suite only when one answers.
 *
 * The engine is whatever dockerode's defaults find: `DOCKER_HOST` when set, the local socket
 * (`/var/run/docker.sock`) otherwise. `.ci/docker-engine.sh` installs and starts one.
 */
import { spawnSync } from "node:child_process";
import Docker from "dockerode";

let shared: Docker | undefined;

/** The dockerode client every end-to-end helper uses (one per process). */
export function docker(): Docker {
    shared ??= new Docker();
    return shared;
}

/** True when the engine answers a ping within `timeoutMs`. Never throws. */
export async function engineAvailable(timeoutMs = 3000): Promise<boolean> {
    const client = new Docker({ timeout: timeoutMs });
    let timer: NodeJS.Timeout | undefined;
    try {
        const timeout = new Promise<false>((resolve) => {
            timer = setTimeout(() => resolve(false), timeoutMs);
        });
        const ping = client.ping().then(
            () => true,
            () => false,
        );
        return await Promise.race([ping, timeout]);
    } finally {
        if (timer) clearTimeout(timer);
    }
}

/**
 * The same check, synchronously (jest collects `describe` blocks synchronously, so whether a suite
 * runs must be known before any test is declared). Runs `engineAvailable` in a child node process.
 */
export function engineAvailableSync(timeoutMs = 3000): boolean {
    const script = `
        const Docker = require(${JSON.stringify(require.resolve("dockerode"))});
        const d = new Docker({ timeout: ${timeoutMs} });
        const t = setTimeout(() => process.exit(1), ${timeoutMs});
        d.ping().then(() => { clearTimeout(t); process.exit(0); }, () => process.exit(1));
    `;
    const result = spawnSync(process.execPath, ["-e", script], {
        stdio: "ignore",
        timeout: timeoutMs + 2000,
    });
    return result.status === 0;
}

let cachedAvailability: boolean | undefined;

/** Is CI asking for the end-to-end suite to be mandatory? */
export function dockerRequired(): boolean {
    return process.env.CI === "true" || process.env.CRED_PROXY_E2E_REQUIRE_DOCKER === "1";
}

const NO_ENGINE_HELP =
    "no Docker engine answered (DOCKER_HOST or /var/run/docker.sock). " + "Run `bash .ci/docker-engine.sh` to install and start one.";

/**
 * `describe` for suites that need a Docker engine.
 *
 * - engine reachable: a normal `describe`;
 * - no engine and `CI=true` (or `CRED_PROXY_E2E_REQUIRE_DOCKER=1`): the suite FAILS with one test
 *   saying so, so CI can never pass by skipping;
 * - no engine otherwise: a loud warning on stderr and `describe.skip`.
 */
export function describeDocker(name: string, fn: () => void): void {
    cachedAvailability ??= engineAvailableSync();
    if (cachedAvailability) {
        describe(name, fn);
        return;
    }
    if (dockerRequired()) {
        describe(name, () => {
            it("needs a reachable Docker engine (required because CI=true)", () => {
                throw new Error(`end-to-end suite "${name}" cannot run: ${NO_ENGINE_HELP}`);
            });
        });
        return;
    }
    const bar = "!".repeat(100);
    process.stderr.write(
        `\n${bar}\n!!! SKIPPING end-to-end suite "${name}": ${NO_ENGINE_HELP}\n` +
            `!!! Nothing in it was proven. With CI=true this is a failure.\n${bar}\n\n`,
    );
    describe.skip(name, fn);
}
