/**
 * A throw-away certificate authority and server certificates, made with the openssl CLI in a
 * temporary directory at test time.
 */
import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

export interface TestPki {
    dir: string;
    caCertPath: string;
    /** Certificate and key for 127.0.0.1 / localhost, signed by the CA. */
    server: { cert: Buffer; key: Buffer };
    /** Signed by the same CA, but for another name only. */
    wrongName: { cert: Buffer; key: Buffer };
}

function openssl(dir: string, args: string[]): void {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

function issue(dir: string, name: string, subjectAltName: string): { cert: Buffer; key: Buffer } {
    openssl(dir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
    writeFileSync(join(dir, `${name}.ext`),
        `subjectAltName=${subjectAltName}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-out", `${name}.crt`, "-extfile", `${name}.ext`]);
    return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
}

export function makeTestPki(): TestPki {
    const dir = mkdtempSync(join(tmpdir(), "cred-proxy-pki-"));
    openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=cred-proxy test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    return {
        dir,
        caCertPath: join(dir, "ca.crt"),
        server: issue(dir, "server", "DNS:localhost,IP:127.0.0.1"),
        wrongName: issue(dir, "wrong", "DNS:not-this-host.example"),
    };
}
