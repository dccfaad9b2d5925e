/**
 * Upstream TLS verification, with the server run as a child process so that its environment
 * (NODE_EXTRA_CA_CERTS, NODE_TLS_REJECT_UNAUTHORIZED) is exactly what the test sets.
 */
import { readFileSync, readdirSync } from "fs";
import { join } from "path";
import { SIDECAR_DIR } from "./helpers/build";
import { ChildProxy, startChildProxy } from "./helpers/child";
import { WHOLE_BODY_LIMIT } from "../../sidecar/exchange";
import { createTestCa, type TestCa } from "../helpers/testCa";
import { send } from "./helpers/client";
import { assertNoLeaks, fakeToken } from "./helpers/leaks";
import { FakeUpstream, headerValues, startUpstream } from "./helpers/upstream";

const token = fakeToken();
let ca: TestCa;
let good: FakeUpstream;
let wrong: FakeUpstream;
const children: ChildProxy[] = [];

beforeAll(async () => {
    ca = await createTestCa(["localhost", "127.0.0.1"]);
    const wrongName = await ca.issue("wrong-name", ["not-this-host.example"]);
    good = await startUpstream({ tls: { cert: ca.serverCertPem, key: ca.serverKeyPem } });
    wrong = await startUpstream({ tls: { cert: wrongName.certPem, key: wrongName.keyPem } });
});

afterAll(async () => {
    try {
        for (const child of children) expect(await child.stop()).toBe(0);
        await Promise.all([good.close(), wrong.close()]);
        assertNoLeaks();
    } finally {
        // The folder holds private keys: it goes even when a check above fails, and `?.` because
        // beforeAll may have failed before the CA existed.
        ca?.dispose();
    }
});

async function proxyWith(env: Record<string, string>): Promise<ChildProxy> {
    const child = await startChildProxy(
        [
            { path: "/good/", upstream: good.url, auth_scheme: "Bearer", token_env: "CRED_PROXY_TOKEN_0" },
            { path: "/wrong/", upstream: wrong.url, auth_scheme: "Bearer", token_env: "CRED_PROXY_TOKEN_0" },
        ],
        { env: { CRED_PROXY_TOKEN_0: token, ...env } },
    );
    children.push(child);
    return child;
}

test("an upstream certificate from a CA given in NODE_EXTRA_CA_CERTS is accepted", async () => {
    const child = await proxyWith({ NODE_EXTRA_CA_CERTS: ca.caCertPath });
    const res = await send(child.port, "/good/v1/x");
    expect(res.status).toBe(200);
    expect(headerValues(good.requests[good.requests.length - 1].rawHeaders, "authorization")).toEqual([`Bearer ${token}`]);
});

test("a certificate for another name is refused even from a trusted CA: 502", async () => {
    const child = await proxyWith({ NODE_EXTRA_CA_CERTS: ca.caCertPath });
    const before = wrong.requests.length;
    const res = await send(child.port, "/wrong/v1/x");
    expect(res.status).toBe(502);
    expect(res.json()).toEqual({
        error: {
            type: "bad_gateway",
            message: "the upstream's TLS certificate could not be verified (ERR_TLS_CERT_ALTNAME_INVALID)",
        },
    });
    expect(wrong.requests.length).toBe(before);
});

test("without the CA the upstream is refused: 502, no plaintext fallback, no request sent", async () => {
    const child = await proxyWith({});
    const before = good.requests.length;
    const res = await send(child.port, "/good/v1/x");
    expect(res.status).toBe(502);
    expect(res.json()).toMatchObject({ error: { type: "bad_gateway" } });
    expect(res.text).toMatch(/TLS certificate could not be verified/);
    expect(good.requests.length).toBe(before);
    expect(child.stderr.some((l) => /upstream error on \/good\/ .*UNABLE_TO_VERIFY_LEAF_SIGNATURE/.test(l))).toBe(true);
});

describe("NODE_TLS_REJECT_UNAUTHORIZED=0 cannot switch verification off", () => {
    // Each upstream client has its own pool (upstreamPool.ts): undici for requests sent whole,
    // Node's https agent for streamed bodies.
    test.each([
        ["a request sent whole (undici)", {}],
        ["a streamed upload (Node's client)", { method: "PUT", body: Buffer.alloc(WHOLE_BODY_LIMIT + 1, 0x61) }],
    ])("%s", async (_name, opts) => {
        const child = await proxyWith({ NODE_TLS_REJECT_UNAUTHORIZED: "0" });
        const before = good.requests.length;
        const res = await send(child.port, "/good/v1/x", opts);
        expect(res.status).toBe(502);
        expect(good.requests.length).toBe(before);
    });
});

test("no source file disables certificate verification", () => {
    for (const file of readdirSync(SIDECAR_DIR).filter((f) => f.endsWith(".ts"))) {
        const text = readFileSync(join(SIDECAR_DIR, file), "utf8");
        expect(text).not.toMatch(/rejectUnauthorized\s*:\s*false|checkServerIdentity|process\.env\.NODE_TLS_REJECT_UNAUTHORIZED\s*=/);
    }
});
