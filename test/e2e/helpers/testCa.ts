/**
 * A throw-away certificate authority for the fake upstreams, and the proxy image that trusts it.
 *
 * The real routes point at https://api.anthropic.com and friends; in the suite, fake upstreams
 * answer under those names on the bottle's egress network, with a certificate from a CA made at
 * test time (openssl, in a temporary folder removed by `dispose`). The proxy must trust that CA:
 *
 * The component's `image` input is the seam. `buildCaTrustingImage` builds, per run,
 *     FROM <the sidecar image from sidecar/Dockerfile>
 *     COPY test-ca.pem /etc/cred-proxy-e2e/test-ca.pem
 *     ENV NODE_EXTRA_CA_CERTS=/etc/cred-proxy-e2e/test-ca.pem
 * and the test passes it to CredProxySidecar as `image`, exactly as an operator whose Gitea has a
 * private CA would. Everything the component declares is then realised unchanged: the realiser
 * has no test-only way to add environment variables or files to a declared container.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { E2eRun } from "./run";

const execFileAsync = promisify(execFile);

/** Where the CA lands in the derived image, and the variable that makes node trust it. */
export const TEST_CA_PATH = "/etc/cred-proxy-e2e/test-ca.pem";
export const TEST_CA_ENV = `NODE_EXTRA_CA_CERTS=${TEST_CA_PATH}`;

export interface TestCa {
    dir: string;
    caCertPem: string;
    /** A server certificate (and its key) for every name in `hosts`, signed by the CA. */
    serverCertPem: string;
    serverKeyPem: string;
    hosts: string[];
    /** Removes the temporary folder (keys included). */
    dispose(): void;
}

async function openssl(dir: string, args: string[]): Promise<void> {
    try {
        await execFileAsync("openssl", args, { cwd: dir });
    } catch (e) {
        throw new Error(`openssl ${args[0]} failed (is openssl installed? .ci/docker-engine.sh installs it): ${(e as Error).message}`);
    }
}

/** A CA and one server certificate with a SAN for each host name. */
export async function createTestCa(hosts: string[]): Promise<TestCa> {
    if (hosts.length === 0 || hosts.some((h) => !/^[a-z0-9.-]+$/.test(h))) throw new Error(`bad host names: ${hosts.join(", ")}`);
    const dir = mkdtempSync(path.join(os.tmpdir(), "cred-proxy-e2e-ca-"));
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    try {
        await openssl(dir, ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=cred-proxy e2e test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        await openssl(dir, ["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=fake-upstream"]);
        writeFileSync(
            path.join(dir, "server.ext"),
            `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(",")}\nbasicConstraints=CA:FALSE\n` +
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        );
        await openssl(dir, ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
            `0x${Date.now().toString(16)}`, "-days", "2", "-out", "server.pem", "-extfile", "server.ext"]);
    } catch (e) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
    }
    const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
    return {
        dir,
        caCertPem: read("ca.pem"),
        serverCertPem: read("server.pem"),
        serverKeyPem: read("server.key"),
        hosts,
        dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
}

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
        await execFileAsync("docker", ["build", "--quiet", "--build-arg", `SIDECAR_IMAGE=${sidecarImage}`, ...labels, "--tag", ref, context], {
            env: { ...process.env, DOCKER_BUILDKIT: "0" },
        });
    } catch (e) {
        throw new Error(`building the CA-trusting proxy image failed: ${(e as Error).message}`);
    }
    return ref;
}
