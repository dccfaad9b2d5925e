/**
 * Request bodies on both sides of the whole-body limit: a body declared at most WHOLE_BODY_LIMIT
 * bytes long is read whole and sent in one go (undici), anything larger or chunked streams
 * through (Node's client). Either way the upstream must get the same bytes with honest framing.
 */
import { createHash, randomBytes } from "crypto";
import { Socket, connect } from "net";
import { WHOLE_BODY_LIMIT } from "../../sidecar/exchange";
import { send } from "./helpers/client";
import { apiRouteSuite } from "./helpers/inprocess";
import { headerValues } from "./helpers/upstream";

const { setup } = apiRouteSuite();

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Resolves once `check` holds, polling; rejects after `ms`. */
async function until(check: () => boolean, ms = 3_000): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
        if (Date.now() > end) throw new Error("condition not reached in time");
        await new Promise((r) => setTimeout(r, 10));
    }
}

/** Opens a raw connection and writes `head` plus `part` of a body, leaving the rest unsent. */
async function partialUpload(port: number, length: number, part: Buffer): Promise<Socket> {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.on("error", () => undefined);
    socket.write(`POST /api/partial HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`);
    socket.write(part);
    return socket;
}

describe("declared lengths", () => {
    test.each([
        ["one byte", 1],
        ["a typical JSON request", 1_500],
        ["exactly the whole-body limit", WHOLE_BODY_LIMIT],
        ["one byte over the limit", WHOLE_BODY_LIMIT + 1],
        ["a long conversation", 700 * 1024],
    ])("%s: the same bytes arrive with the same Content-Length", async (_name, size) => {
        const { proxy, upstream } = await setup();
        const body = randomBytes(size);
        const res = await send(proxy.port, "/api/v1/messages", { method: "POST", body });
        expect(res.status).toBe(200);
        const [got] = upstream.requests;
        expect(headerValues(got.rawHeaders, "content-length")).toEqual([String(size)]);
        expect(headerValues(got.rawHeaders, "transfer-encoding")).toEqual([]);
        expect(got.bodyLength).toBe(size);
        expect(sha(got.body)).toBe(sha(body));
        await until(() => proxy.access.length === 1);
        expect(proxy.access[0]).toMatchObject({ status: 200, bytes_in: size });
    });

    test("an empty POST keeps its Content-Length: 0", async () => {
        const { proxy, upstream } = await setup();
        const res = await send(proxy.port, "/api/v1/x", { method: "POST", headers: { "Content-Length": "0" } });
        expect(res.status).toBe(200);
        expect(headerValues(upstream.requests[0].rawHeaders, "content-length")).toEqual(["0"]);
        expect(upstream.requests[0].bodyLength).toBe(0);
    });
});

describe("chunked bodies", () => {
    test.each([
        ["small", 10],
        ["large", 300 * 1024],
    ])("%s: re-chunked, never given a length", async (_name, size) => {
        const { proxy, upstream } = await setup();
        const body = randomBytes(size);
        const res = await send(proxy.port, "/api/upload", {
            method: "POST",
            headers: { "Transfer-Encoding": "chunked" },
            body,
        });
        expect(res.status).toBe(200);
        const [got] = upstream.requests;
        expect(headerValues(got.rawHeaders, "transfer-encoding")).toEqual(["chunked"]);
        expect(headerValues(got.rawHeaders, "content-length")).toEqual([]);
        expect(sha(got.body)).toBe(sha(body));
    });
});

describe("where the limit shows", () => {
    test("a body within the limit reaches the upstream only once it is complete", async () => {
        const { proxy, upstream } = await setup();
        const body = randomBytes(1_000);
        const socket = await partialUpload(proxy.port, body.length, body.subarray(0, 400));
        await new Promise((r) => setTimeout(r, 300));
        expect(upstream.requests).toEqual([]);
        socket.write(body.subarray(400));
        await until(() => upstream.requests.length === 1 && upstream.requests[0].bodyLength === body.length);
        expect(sha(upstream.requests[0].body)).toBe(sha(body));
        socket.destroy();
    });

    test("a body over the limit starts streaming before it is complete", async () => {
        const { proxy, upstream } = await setup();
        const length = WHOLE_BODY_LIMIT + 1;
        const socket = await partialUpload(proxy.port, length, randomBytes(1_000));
        await until(() => upstream.requests.length === 1);
        expect(upstream.requests[0].bodyLength).toBeLessThan(length);
        socket.destroy();
        await until(() => upstream.requests[0].aborted);
    });

    test("an agent that goes away before its small body is complete reaches no upstream", async () => {
        const { proxy, upstream } = await setup();
        const socket = await partialUpload(proxy.port, 1_000, randomBytes(10));
        await new Promise((r) => setTimeout(r, 100));
        socket.destroy();
        await until(() => proxy.access.length === 1);
        expect(proxy.access[0]).toMatchObject({ status: 499, outcome: "client_aborted" });
        expect(upstream.requests).toEqual([]);
        expect((await send(proxy.port, "/api/still-up")).status).toBe(200);
    });
});
