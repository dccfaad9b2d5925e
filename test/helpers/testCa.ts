/**
 * A throw-away certificate authority for tests that need real TLS, made with the openssl CLI at
 * test time. Its temporary folder holds private keys, so it is removed by `dispose`, or at once
 * when a step of making the CA fails: a run leaves no keys behind in the temporary directory.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isIPv4 } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface IssuedCert {
    certPem: string;
    keyPem: string;
    /** The certificate's subject alternative names, as given to `issue`. */
    names: string[];
}

export interface TestCa {
    dir: string;
    caCertPem: string;
    /** The CA certificate as a file in `dir`, for NODE_EXTRA_CA_CERTS. */
    caCertPath: string;
    /** A server certificate (and its key) for every name in `hosts`, signed by the CA. */
    serverCertPem: string;
    serverKeyPem: string;
    hosts: string[];
    /**
     * Another certificate from the same CA, for `names`. `name` names its files in `dir` and its
     * subject CN; each name can be issued once.
     */
    issue(name: string, names: string[]): Promise<IssuedCert>;
    /** Removes the temporary folder (keys included). */
    dispose(): void;
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function checkHosts(hosts: string[]): void {
    // Dotted digits that are not an IPv4 address would become a DNS name that no client asks for.
    const bad = (h: string) => !/^[a-z0-9.-]+$/.test(h) || (/^[0-9.]+$/.test(h) && !isIPv4(h));
    if (hosts.length === 0 || hosts.some(bad)) throw new Error(`bad host names: ${hosts.join(", ")}`);
}

async function openssl(dir: string, args: string[]): Promise<void> {
    try {
        await execFileAsync("openssl", args, { cwd: dir });
    } catch (e) {
        throw new Error(`openssl ${args[0]} failed (is openssl installed? .ci/docker-engine.sh installs it): ${(e as Error).message}`);
    }
}

/** A leaf certificate, signed by the CA in `dir`, with files `<file>.key`, `<file>.pem` and so on. */
async function sign(dir: string, file: string, names: string[]): Promise<IssuedCert> {
    await openssl(dir, ["req", ...EC_KEY, "-keyout", `${file}.key`, "-out", `${file}.csr`, "-subj", `/CN=${file}`]);
    writeFileSync(
        path.join(dir, `${file}.ext`),
        `subjectAltName=${names.map((n) => (isIPv4(n) ? `IP:${n}` : `DNS:${n}`)).join(",")}\nbasicConstraints=CA:FALSE\n` +
            "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    // Random rather than from the clock: certificates issued in the same millisecond must not
    // share a serial, since issuer and serial together identify a certificate.
    const serial = `0x${randomBytes(16).toString("hex")}`;
    await openssl(dir, [
        "x509",
        "-req",
        "-in",
        `${file}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        serial,
        "-days",
        "2",
        "-out",
        `${file}.pem`,
        "-extfile",
        `${file}.ext`,
    ]);
    const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
    return { certPem: read(`${file}.pem`), keyPem: read(`${file}.key`), names: [...names] };
}

/** A CA and one server certificate with a SAN for each host: IP: for IPv4 addresses, DNS: otherwise. */
export async function createTestCa(hosts: string[]): Promise<TestCa> {
    checkHosts(hosts);
    const dir = mkdtempSync(path.join(os.tmpdir(), "cred-proxy-test-ca-"));
    let disposed = false;
    const dispose = () => {
        disposed = true;
        rmSync(dir, { recursive: true, force: true });
    };
    let caCertPem: string;
    let server: IssuedCert;
    try {
        await openssl(dir, [
            "req",
            "-x509",
            ...EC_KEY,
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=cred-proxy test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        caCertPem = readFileSync(path.join(dir, "ca.pem"), "utf8");
        server = await sign(dir, "server", hosts);
    } catch (e) {
        dispose();
        throw e;
    }
    const used = new Set(["ca", "server"]);
    return {
        dir,
        caCertPem,
        caCertPath: path.join(dir, "ca.pem"),
        serverCertPem: server.certPem,
        serverKeyPem: server.keyPem,
        hosts: [...hosts],
        issue: async (name, names) => {
            if (disposed) throw new Error("the test CA has been disposed");
            if (!/^[a-z0-9-]+$/.test(name) || used.has(name)) throw new Error(`bad or already issued certificate name: ${name}`);
            checkHosts(names);
            used.add(name);
            return sign(dir, name, names);
        },
        dispose,
    };
}
