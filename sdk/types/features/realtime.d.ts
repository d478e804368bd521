import type { Core } from '../core';
/** An event from a channel (docs/realtime.md lists them). */
export interface RealtimeEvent<T = unknown> {
    /** Resume point; the client keeps the last one per channel. */
    id: string;
    channel: string;
    /** What happened, e.g. `notification.created`, `flash_sale.stock`, `comment.created`. */
    event: string;
    data: T;
    /** When it was published (RFC 3339). */
    at: string;
}
/** A frame the server refused (a channel you may not read, a bad channel name). */
export interface RealtimeRefusal {
    code: number;
    message: string;
    channel?: string;
}
export interface SubscribeOptions {
    /**
     * Events were missed and cannot be replayed (a long disconnect): re-read this channel's state
     * over HTTP. Also called when the connection comes back after the server was unreachable for
     * longer than its replay window.
     */
    onReload?: () => void;
    /** The server refused the subscription (it is dropped, and not retried). */
    onRefused?: (refusal: RealtimeRefusal) => void;
}
export type RealtimeState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';
export interface RealtimeOptions {
    /** Send `{"type":"ping"}` this often (ms, default 20 000; the server's idle timeout is 60 s). */
    heartbeatMs?: number;
    /** First reconnect delay (ms, default 500); doubles per failed attempt, with jitter. */
    initialBackoffMs?: number;
    /** Longest reconnect delay (ms, default 30 000). */
    maxBackoffMs?: number;
    /** Called on every change of {@link Realtime.state}. */
    onState?: (state: RealtimeState, detail?: {
        code?: number;
        reason?: string;
    }) => void;
}
type Handler = (event: RealtimeEvent) => void;
/** Order two event ids (`<ms>-<seq>`). */
export declare function compareEventIds(a: string, b: string): number;
/**
 * Live events over `wx.connectSocket`: subscribe to channels, and the client connects (with
 * the session's token in the `Authorization` header), sends heartbeats, reconnects with
 * exponential backoff and jitter, and resumes every channel from its last event id, so nothing
 * is missed within the server's replay window (outside it, `onReload` is called).
 *
 * ```ts
 * const off = client.realtime.subscribe(`user:${me.id}`, (e) => {
 *   if (e.event === 'notification.created') page.setData({ unread: e.data.unread });
 * });
 * ```
 */
export declare class Realtime {
    private readonly core;
    private readonly options;
    private readonly subscriptions;
    private readonly lastIds;
    private socket;
    private currentState;
    private attempt;
    private reconnectTimer;
    private heartbeatTimer;
    private lastHeard;
    private readonly heartbeatMs;
    private readonly initialBackoffMs;
    private readonly maxBackoffMs;
    constructor(core: Core, options?: RealtimeOptions);
    /** idle (nothing subscribed yet), connecting, open, waiting (to reconnect), closed. */
    get state(): RealtimeState;
    /** The last event id seen on `channel` (what a reconnect resumes from). */
    lastEventId(channel: string): string | undefined;
    /**
     * Call `handler` with every event of `channel` (`user:<id>`, `post:<id>`, `flash-sale:<id>`,
     * `config`, `admin`); connects if needed. Returns a function that unsubscribes.
     */
    subscribe(channel: string, handler: Handler, options?: SubscribeOptions): () => void;
    /** Close the connection and stop reconnecting (subscribing again reconnects). */
    close(): void;
    private setState;
    private wsUrl;
    private connect;
    private scheduleReconnect;
    private heartbeat;
    private clearTimers;
    private send;
    private sendSubscribe;
    private advance;
    private onFrame;
}
export {};
