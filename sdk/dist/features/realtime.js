"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Realtime = void 0;
exports.compareEventIds = compareEventIds;
/** Close codes from the server (docs/realtime.md). */
const SESSION_ENDED = 4001;
/** Order two strings of decimal digits by value (ids outgrow a double's exact integers). */
function compareDigits(a, b) {
    const x = a.replace(/^0+(?=\d)/, '');
    const y = b.replace(/^0+(?=\d)/, '');
    if (x.length !== y.length)
        return x.length < y.length ? -1 : 1;
    return x < y ? -1 : x > y ? 1 : 0;
}
/** Order two event ids (`<ms>-<seq>`). */
function compareEventIds(a, b) {
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
class Realtime {
    constructor(core, options = {}) {
        var _a, _b, _c;
        this.core = core;
        this.options = options;
        this.subscriptions = new Map();
        this.lastIds = new Map();
        this.currentState = 'idle';
        this.attempt = 0;
        this.lastHeard = 0;
        this.heartbeatMs = (_a = options.heartbeatMs) !== null && _a !== void 0 ? _a : 20000;
        this.initialBackoffMs = (_b = options.initialBackoffMs) !== null && _b !== void 0 ? _b : 500;
        this.maxBackoffMs = (_c = options.maxBackoffMs) !== null && _c !== void 0 ? _c : 30000;
    }
    /** idle (nothing subscribed yet), connecting, open, waiting (to reconnect), closed. */
    get state() {
        return this.currentState;
    }
    /** The last event id seen on `channel` (what a reconnect resumes from). */
    lastEventId(channel) {
        return this.lastIds.get(channel);
    }
    /**
     * Call `handler` with every event of `channel` (`user:<id>`, `post:<id>`, `flash-sale:<id>`,
     * `config`, `admin`); connects if needed. Returns a function that unsubscribes.
     */
    subscribe(channel, handler, options = {}) {
        let subscription = this.subscriptions.get(channel);
        const isNew = !subscription;
        if (!subscription) {
            subscription = { handlers: new Set(), options: new Set() };
            this.subscriptions.set(channel, subscription);
        }
        subscription.handlers.add(handler);
        subscription.options.add(options);
        if (isNew && this.currentState === 'open')
            this.sendSubscribe(channel);
        if (this.currentState === 'idle' || this.currentState === 'closed')
            this.connect();
        return () => {
            const current = this.subscriptions.get(channel);
            if (!current)
                return;
            current.handlers.delete(handler);
            current.options.delete(options);
            if (current.handlers.size === 0) {
                this.subscriptions.delete(channel);
                this.lastIds.delete(channel);
                if (this.currentState === 'open')
                    this.send({ type: 'unsubscribe', channel });
            }
        };
    }
    /** Close the connection and stop reconnecting (subscribing again reconnects). */
    close() {
        this.setState('closed');
        this.clearTimers();
        const socket = this.socket;
        this.socket = undefined;
        socket === null || socket === void 0 ? void 0 : socket.close({ code: 1000, reason: 'client closed' });
    }
    setState(state, detail) {
        var _a, _b;
        this.currentState = state;
        (_b = (_a = this.options).onState) === null || _b === void 0 ? void 0 : _b.call(_a, state, detail);
    }
    wsUrl() {
        return `${this.core.options.baseUrl.replace(/^http/, 'ws')}/api/v1/realtime/ws`;
    }
    async connect() {
        this.clearTimers();
        this.setState('connecting');
        const connectSocket = this.core.wx.connectSocket;
        if (!connectSocket)
            throw new TypeError('this wx has no connectSocket');
        let token;
        try {
            token = await this.core.session.token();
        }
        catch (err) {
            this.core.options.logger.warn('realtime: no token; retrying', err);
            this.scheduleReconnect();
            return;
        }
        if (this.currentState !== 'connecting')
            return;
        const socket = connectSocket.call(this.core.wx, {
            url: this.wsUrl(),
            header: { Authorization: `Bearer ${token}` },
        });
        this.socket = socket;
        socket.onOpen(() => {
            if (this.socket !== socket)
                return;
            this.attempt = 0;
            this.lastHeard = Date.now();
            this.setState('open');
            for (const channel of this.subscriptions.keys())
                this.sendSubscribe(channel);
            this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatMs);
        });
        socket.onMessage(({ data }) => {
            if (this.socket !== socket || typeof data !== 'string')
                return;
            this.lastHeard = Date.now();
            this.onFrame(data);
        });
        socket.onClose(({ code, reason }) => {
            if (this.socket !== socket)
                return;
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
    scheduleReconnect(detail) {
        if (this.currentState === 'closed' && (detail === null || detail === void 0 ? void 0 : detail.code) === SESSION_ENDED)
            return;
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
    heartbeat() {
        if (!this.socket)
            return;
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
    clearTimers() {
        if (this.reconnectTimer !== undefined)
            clearTimeout(this.reconnectTimer);
        if (this.heartbeatTimer !== undefined)
            clearInterval(this.heartbeatTimer);
        this.reconnectTimer = undefined;
        this.heartbeatTimer = undefined;
    }
    send(frame) {
        var _a;
        (_a = this.socket) === null || _a === void 0 ? void 0 : _a.send({ data: JSON.stringify(frame) });
    }
    sendSubscribe(channel) {
        const since = this.lastIds.get(channel);
        this.send(since ? { type: 'subscribe', channel, since } : { type: 'subscribe', channel });
    }
    advance(channel, id) {
        const last = this.lastIds.get(channel);
        if (!last || compareEventIds(id, last) > 0)
            this.lastIds.set(channel, id);
    }
    onFrame(text) {
        var _a, _b;
        let frame;
        try {
            frame = JSON.parse(text);
        }
        catch (_c) {
            return;
        }
        const channel = typeof frame.channel === 'string' ? frame.channel : undefined;
        const subscription = channel ? this.subscriptions.get(channel) : undefined;
        switch (frame.type) {
            case 'event': {
                if (!channel || !subscription)
                    return;
                const event = frame;
                this.advance(channel, event.id);
                for (const handler of subscription.handlers)
                    handler(event);
                return;
            }
            case 'subscribed':
                if (channel && subscription)
                    this.advance(channel, String(frame.position));
                return;
            case 'reload':
                if (!channel || !subscription)
                    return;
                // Start over from the position the `subscribed` frame brings next.
                this.lastIds.delete(channel);
                for (const options of subscription.options)
                    (_a = options.onReload) === null || _a === void 0 ? void 0 : _a.call(options);
                return;
            case 'error': {
                const refusal = frame;
                if (channel && subscription) {
                    this.subscriptions.delete(channel);
                    for (const options of subscription.options)
                        (_b = options.onRefused) === null || _b === void 0 ? void 0 : _b.call(options, refusal);
                }
                else {
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
exports.Realtime = Realtime;
