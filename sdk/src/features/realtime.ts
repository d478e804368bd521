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
  onState?: (state: RealtimeState, detail?: { code?: number; reason?: string }) => void;
}

type Handler = (event: RealtimeEvent) => void;

interface Subscription {
  handlers: Set<Handler>;
  options: Set<SubscribeOptions>;
}

/** Close codes from the server (docs/realtime.md). */
const SESSION_ENDED = 4001;

/** Order two strings of decimal digits by value (ids outgrow a double's exact integers). */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Order two event ids (`<ms>-<seq>`). */
export function compareEventIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  return compareDigits(am, bm) || compareDigits(as, bs);
}

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
export class Realtime {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly lastIds = new Map<string, string>();
  private socket: WechatMiniprogram.SocketTask | undefined;
  private currentState: RealtimeState = 'idle';
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastHeard = 0;
  private readonly heartbeatMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly core: Core,
    private readonly options: RealtimeOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 20_000;
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** idle (nothing subscribed yet), connecting, open, waiting (to reconnect), closed. */
  get state(): RealtimeState {
    return this.currentState;
  }

  /** The last event id seen on `channel` (what a reconnect resumes from). */
  lastEventId(channel: string): string | undefined {
    return this.lastIds.get(channel);
  }

  /**
   * Call `handler` with every event of `channel` (`user:<id>`, `post:<id>`, `flash-sale:<id>`,
   * `config`, `admin`); connects if needed. Returns a function that unsubscribes.
   */
  subscribe(channel: string, handler: Handler, options: SubscribeOptions = {}): () => void {
    let subscription = this.subscriptions.get(channel);
    const isNew = !subscription;
    if (!subscription) {
      subscription = { handlers: new Set(), options: new Set() };
      this.subscriptions.set(channel, subscription);
    }
    subscription.handlers.add(handler);
    subscription.options.add(options);
    if (isNew && this.currentState === 'open') this.sendSubscribe(channel);
    if (this.currentState === 'idle' || this.currentState === 'closed') this.connect();
    return () => {
      const current = this.subscriptions.get(channel);
      if (!current) return;
      current.handlers.delete(handler);
      current.options.delete(options);
      if (current.handlers.size === 0) {
        this.subscriptions.delete(channel);
        this.lastIds.delete(channel);
        if (this.currentState === 'open') this.send({ type: 'unsubscribe', channel });
      }
    };
  }

  /** Close the connection and stop reconnecting (subscribing again reconnects). */
  close(): void {
    this.setState('closed');
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    socket?.close({ code: 1000, reason: 'client closed' });
  }

  private setState(state: RealtimeState, detail?: { code?: number; reason?: string }) {
    this.currentState = state;
    this.options.onState?.(state, detail);
  }

  private wsUrl(): string {
    return `${this.core.options.baseUrl.replace(/^http/, 'ws')}/api/v1/realtime/ws`;
  }

  private async connect(): Promise<void> {
    this.clearTimers();
    this.setState('connecting');
    const connectSocket = this.core.wx.connectSocket;
    if (!connectSocket) throw new TypeError('this wx has no connectSocket');
    let token: string;
    try {
      token = await this.core.session.token();
    } catch (err) {
      this.core.options.logger.warn('realtime: no token; retrying', err);
      this.scheduleReconnect();
      return;
    }
    if (this.currentState !== 'connecting') return;
    const socket = connectSocket.call(this.core.wx, {
      url: this.wsUrl(),
      header: { Authorization: `Bearer ${token}` },
    });
    this.socket = socket;
    socket.onOpen(() => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.lastHeard = Date.now();
      this.setState('open');
      for (const channel of this.subscriptions.keys()) this.sendSubscribe(channel);
      this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    });
    socket.onMessage(({ data }) => {
      if (this.socket !== socket || typeof data !== 'string') return;
      this.lastHeard = Date.now();
      this.onFrame(data);
    });
    socket.onClose(({ code, reason }) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.clearTimers();
      if (code === SESSION_ENDED) {
        // Logout, ban or a revoked session: this token will not be let back in.
        this.setState('closed', { code, reason });
        return;
      }
      this.scheduleReconnect({ code, reason });
    });
    socket.onError(() => {
      // onClose follows (and reconnects); a refused handshake closes without opening.
    });
  }

  private scheduleReconnect(detail?: { code?: number; reason?: string }) {
    if (this.currentState === 'closed' && detail?.code === SESSION_ENDED) return;
    if (this.subscriptions.size === 0) {
      this.setState('idle', detail);
      return;
    }
    const ceiling = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** this.attempt);
    // Full jitter between half and all of the ceiling: a node's clients do not return at once.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.setState('waiting', detail);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  private heartbeat() {
    if (!this.socket) return;
    if (Date.now() - this.lastHeard > this.heartbeatMs * 2.5) {
      // Nothing heard (not even a pong) for too long: the connection is dead; start over.
      const socket = this.socket;
      this.socket = undefined;
      this.clearTimers();
      socket.close({ code: 1000, reason: 'heartbeat lost' });
      this.scheduleReconnect({ reason: 'heartbeat lost' });
      return;
    }
    this.send({ type: 'ping' });
  }

  private clearTimers() {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.reconnectTimer = undefined;
    this.heartbeatTimer = undefined;
  }

  private send(frame: object) {
    this.socket?.send({ data: JSON.stringify(frame) });
  }

  private sendSubscribe(channel: string) {
    const since = this.lastIds.get(channel);
    this.send(since ? { type: 'subscribe', channel, since } : { type: 'subscribe', channel });
  }

  private advance(channel: string, id: string) {
    const last = this.lastIds.get(channel);
    if (!last || compareEventIds(id, last) > 0) this.lastIds.set(channel, id);
  }

  private onFrame(text: string) {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    const channel = typeof frame.channel === 'string' ? frame.channel : undefined;
    const subscription = channel ? this.subscriptions.get(channel) : undefined;
    switch (frame.type) {
      case 'event': {
        if (!channel || !subscription) return;
        const event = frame as unknown as RealtimeEvent;
        this.advance(channel, event.id);
        for (const handler of subscription.handlers) handler(event);
        return;
      }
      case 'subscribed':
        if (channel && subscription) this.advance(channel, String(frame.position));
        return;
      case 'reload':
        if (!channel || !subscription) return;
        // Start over from the position the `subscribed` frame brings next.
        this.lastIds.delete(channel);
        for (const options of subscription.options) options.onReload?.();
        return;
      case 'error': {
        const refusal = frame as unknown as RealtimeRefusal;
        if (channel && subscription) {
          this.subscriptions.delete(channel);
          for (const options of subscription.options) options.onRefused?.(refusal);
        } else {
          this.core.options.logger.warn('realtime: frame refused', refusal);
        }
        return;
      }
      default:
        // welcome, pong, unsubscribed, closing: nothing to do (the close follows a closing).
        return;
    }
  }
}
