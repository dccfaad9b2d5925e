/**
 * The proxy image that trusts the test CA (../../helpers/testCa.ts) of the fake upstreams.
 *
 * The real routes point at https://api.anthropic.com and friends; in the suite, fake upstreams
 * answer under those names on the bottle's egress network, with a certificate from that CA. The
 * proxy must trust it:
 *
 * The component's `image` input is the seam. `buildCaTrustingImage` builds, per run,
 *     FROM <the sidecar image from sidecar/Dockerfile>
 *     COPY test-ca.pem /etc/cred-proxy-e2e/test-ca.pem
 *     ENV NODE_EXTRA_CA_CERTS=/etc/cred-proxy-e2e/test-ca.pem
 * and the test passes it to CredProxySidecar as `image`, exactly as an operator whose Gitea has a
 * private CA would. Everything the component declares is then deployed unchanged by Pulumi and the
 * Docker provider: there is no test-only way to add environment variables or files to a declared
 * container.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { TestCa } from "../../helpers/testCa";
import type { E2eRun } from "./run";

export { createTestCa, type TestCa } from "../../helpers/testCa";

const execFileAsync = promisify(execFile);

/** Where the CA lands in the derived image, and the variable that makes node trust it. */
export const TEST_CA_PATH = "/etc/cred-proxy-e2e/test-ca.pem";
export const TEST_CA_ENV = `NODE_EXTRA_CA_CERTS=${TEST_CA_PATH}`;

/**
 * The sidecar image plus trust in the test CA (see the file comment), built with the classic
 * builder from a two-file context, labelled with the run's labels and removed by its teardown.
 */
export async function buildCaTrustingImage(run: E2eRun, sidecarImage: string, ca: TestCa): Promise<string> {
    const context = path.join(ca.dir, "image");
    mkdirSync(context, { recursive: true });
    writeFileSync(path.join(context, "test-ca.pem"), ca.caCertPem);
    chmodSync(path.join(context, "test-ca.pem"), 0o644);
    writeFileSync(
        path.join(context, "Dockerfile"),
        ["ARG SIDECAR_IMAGE", "FROM ${SIDECAR_IMAGE}", `COPY test-ca.pem ${TEST_CA_PATH}`, `ENV ${TEST_CA_ENV}`, ""].join("\n"),
    );
    const ref = `cred-proxy-sidecar-e2e-ca:${run.runId}`;
    const labels = Object.entries(run.labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
    run.trackImage(ref);
    try {
        await execFileAsync(
            "docker",
            ["build", "--quiet", "--build-arg", `SIDECAR_IMAGE=${sidecarImage}`, ...labels, "--tag", ref, context],
            {
                env: { ...process.env, DOCKER_BUILDKIT: "0" },
            },
        );
    } catch (e) {
        throw new Error(`building the CA-trusting proxy image failed: ${(e as Error).message}`);
    }
    return ref;
}
