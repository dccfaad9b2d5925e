/**
 * Responses the proxy writes itself: small JSON errors and the health answer.
 *
 * Their bodies are built only from fixed strings, so nothing an upstream or the configuration
 * holds (a token in particular) can appear in them.
 */
import { ServerResponse, STATUS_CODES } from "http";
import { Socket } from "net";

/** Error kinds: the `error.type` field of every JSON error body. */
export type ErrorType =
    | "bad_request"
    | "request_timeout"
    | "not_found"
    | "forbidden"
    | "method_not_allowed"
    | "upgrade_not_supported"
    | "bad_gateway"
    | "gateway_timeout"
    | "service_unavailable";

function errorBody(type: ErrorType, message: string): string {
    return JSON.stringify({ error: { type, message } });
}

/**
 * Sends a JSON error and closes the connection afterwards: an unread request body (maybe
 * gigabytes) is not worth draining, and a refused client has nothing more to say.
 */
export function sendError(res: ServerResponse, status: number, type: ErrorType, message: string, extra: Record<string, string> = {}): void {
    if (res.headersSent) {
        // Too late for a status: cut the response so the agent cannot take it as complete.
        res.destroy();
        return;
    }
    const body = errorBody(type, message);
    res.writeHead(status, {
        ...extra,
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(body),
        "Cache-Control": "no-store",
        Connection: "close",
    });
    res.end(body);
}

/** The same error written straight to a socket Node has handed over (CONNECT, parse errors). */
export function sendRawError(socket: Socket, status: number, type: ErrorType, message: string): void {
    const body = errorBody(type, message);
    if (socket.writable) {
        socket.end(
            `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
                "Content-Type: application/json\r\n" +
                `Content-Length: ${Buffer.byteLength(body)}\r\n` +
                "Connection: close\r\n\r\n" +
                body,
        );
    }
    // Destroying at once could reset the connection before the peer reads the answer; a peer
    // that keeps its half open gets a second to do so.
    setTimeout(() => socket.destroy(), 1_000).unref();
}

/** `GET /healthz`: answered locally, never forwarded. */
export function sendHealth(res: ServerResponse, closing: boolean): void {
    const body = JSON.stringify({ status: closing ? "draining" : "ok" });
    res.writeHead(closing ? 503 : 200, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(body),
        "Cache-Control": "no-store",
    });
    res.end(body);
}
