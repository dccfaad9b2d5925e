/**
 * Mapping upstream failures to the status, JSON error and log reason the agent and operator see.
 *
 * Messages are fixed strings chosen by error code: `err.message` from Node or OpenSSL is never
 * passed on, so nothing the upstream sent or the request held can surface through it.
 */
import { errorCode } from "./accessLog";
import { ErrorType } from "./responses";

export interface UpstreamProblem {
    status: 502 | 504;
    type: ErrorType;
    message: string;
    /** The error code when it is a plain identifier, for logs. */
    reason: string;
}

/** An error our own timers raise, recognisable by its code. */
export function timeoutError(code: string): Error {
    return Object.assign(new Error(code), { code });
}

/**
 * The error a transport fails an exchange with when the upstream's response cannot be relayed:
 * a header Node refuses to write, or (`CRED_PROXY_UNEXPECTED_UPGRADE`) a 101 to a request that
 * asked for no upgrade.
 */
export function invalidResponseError(code = "HPE_INVALID_HEADER"): Error {
    return Object.assign(new Error("invalid upstream response"), { code });
}

const TIMEOUTS: Record<string, string> = {
    CRED_PROXY_CONNECT_TIMEOUT: "connecting to the upstream timed out",
    CRED_PROXY_HEADERS_TIMEOUT: "the upstream did not answer in time",
    ETIMEDOUT: "connecting to the upstream timed out",
    // undici's names for the same two timeouts (forwardWhole.ts).
    UND_ERR_CONNECT_TIMEOUT: "connecting to the upstream timed out",
    UND_ERR_HEADERS_TIMEOUT: "the upstream did not answer in time",
};

const UNREACHABLE: Record<string, string> = {
    ENOTFOUND: "the upstream host name could not be resolved",
    EAI_AGAIN: "the upstream host name could not be resolved",
    ECONNREFUSED: "the upstream refused the connection",
    EHOSTUNREACH: "the upstream host is unreachable",
    ENETUNREACH: "the upstream network is unreachable",
    ECONNRESET: "the upstream closed the connection",
    EPIPE: "the upstream closed the connection",
    UND_ERR_SOCKET: "the upstream closed the connection",
    UND_ERR_CLOSED: "the upstream closed the connection",
};

// undici's codes for a response that breaks the protocol (Node's say HPE_*).
const INVALID_RESPONSE = new Set(["UND_ERR_HEADERS_OVERFLOW", "UND_ERR_RES_CONTENT_LENGTH_MISMATCH", "UND_ERR_RES_EXCEEDED_MAX_SIZE"]);

// Verification failures as OpenSSL names them (Node passes them through as `code`).
const TLS_CODES =
    /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED)/;

export function classifyUpstreamError(err: unknown): UpstreamProblem {
    const code = errorCode(err);
    if (TIMEOUTS[code]) return { status: 504, type: "gateway_timeout", message: TIMEOUTS[code], reason: code };
    if (UNREACHABLE[code]) return { status: 502, type: "bad_gateway", message: UNREACHABLE[code], reason: code };
    if (TLS_CODES.test(code)) {
        return {
            status: 502,
            type: "bad_gateway",
            message: `the upstream's TLS certificate could not be verified (${code})`,
            reason: code,
        };
    }
    if (code === "CRED_PROXY_UNEXPECTED_UPGRADE") {
        return { status: 502, type: "bad_gateway", message: "the upstream switched protocols unasked", reason: code };
    }
    if (code.startsWith("HPE_") || INVALID_RESPONSE.has(code)) {
        return { status: 502, type: "bad_gateway", message: "the upstream sent an invalid HTTP response", reason: code };
    }
    return { status: 502, type: "bad_gateway", message: "the upstream request failed", reason: code };
}
