/**
 * One agent connection: its socket from accept to close, and the order its requests run in.
 *
 * Node parses every request a client pipelines and hands each over at once, even after the
 * socket has been destroyed, and when the socket closes it tells only the response being
 * written, not those queued behind it. Forwarded as they arrive, one write of pipelined requests
 * would open as many upstream requests, none of them aborted when the agent leaves. So a
 * connection here runs one exchange at a time, in order (responses on a connection are ordered
 * anyway), ends every exchange it still holds when its socket closes, reads nothing after a
 * response that closes it, and is cut when its client runs far ahead of the answers: no client
 * pipelines that deep, and what it sent would only pile up.
 */
import { ServerResponse } from "http";
import { Socket } from "net";
import { Logger, logEvent } from "./accessLog";
import type { Exchange } from "./exchange";
import { guardParser } from "./parserGuard";

/**
 * Requests a connection may have outstanding (received, not yet answered) before it is cut.
 * Each waiting one holds up to 16 KiB of headers, and the bound times the connection limit must
 * fit the container's memory: 1,024 connections with 7 requests waiting each hold about 140 MB.
 */
export const MAX_PIPELINED = 8;

const connections = new WeakMap<Socket, AgentConnection>();

const ignoreError = (): void => undefined;

export class AgentConnection {
    private outstanding = 0;
    private closing = false;
    private running: Exchange | undefined;
    private readonly waiting: Exchange[] = [];
    /** Every exchange not yet ended: the running one, the waiting ones, refusals being written. */
    private readonly open = new Set<Exchange>();

    constructor(
        private readonly socket: Socket,
        private readonly logger: Logger,
    ) {
        // From accept to close. Node removes its own error listener when it hands a socket over
        // (CONNECT, upgrades), and a socket error without a listener is an uncaught exception
        // that would end the process and every bottle's request with it. What the agent's socket
        // does wrong ends that socket only; its exchanges see the close.
        socket.on("error", ignoreError);
        socket.once("close", () => this.closed());
        connections.set(socket, this);
        this.guarded = guardParser(socket);
    }

    /** Whether Node's parser stops reading this connection's requests once it is cut (parserGuard.ts). */
    readonly guarded: boolean;

    /** The connection a request arrived on; undefined only for a socket the server never saw accepted. */
    static of(socket: Socket): AgentConnection | undefined {
        return connections.get(socket);
    }

    /**
     * Takes in a request Node parsed on this connection. False: ignore it, no answer (the
     * connection is closing, or has just been cut for pipelining too far ahead).
     */
    admit(res: ServerResponse): boolean {
        if (this.closing || this.socket.destroyed) return false;
        if (++this.outstanding > MAX_PIPELINED) {
            this.closing = true;
            logEvent(this.logger, `agent connection cut: more than ${MAX_PIPELINED} requests pipelined ahead of their answers`);
            this.socket.destroy();
            return false;
        }
        res.once("close", () => this.outstanding--);
        return true;
    }

    /** Reads nothing after the current requests: a response that closes the connection is under way. */
    closeAfterResponse(): void {
        this.closing = true;
    }

    /** Follows `x` until it ends (refused or forwarded), so that a lost connection ends it too. */
    track(x: Exchange): void {
        this.open.add(x);
    }

    /** Starts `x` now, or once the exchanges before it on this connection have ended. */
    run(x: Exchange): void {
        if (this.running) {
            this.waiting.push(x);
            return;
        }
        this.running = x;
        x.start();
    }

    /** Called by every tracked exchange when it ends. */
    ended(x: Exchange): void {
        this.open.delete(x);
        if (x !== this.running) return;
        this.running = undefined;
        const next = this.waiting.shift();
        if (next) this.run(next);
    }

    private closed(): void {
        this.closing = true;
        this.waiting.length = 0;
        // The running exchange usually hears the close through its response; the ones queued
        // behind it never do.
        for (const x of [...this.open]) x.abandon();
    }
}
