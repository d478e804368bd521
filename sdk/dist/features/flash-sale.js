"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FlashSale = void 0;
exports.newIdempotencyKey = newIdempotencyKey;
/**
 * Flash sales (秒杀): sales with the server's clock, orders with an `Idempotency-Key` (so a retry
 * after a lost answer gets the same order, never a second one), the user's orders.
 */
class FlashSale {
    constructor(core) {
        this.core = core;
        /** Server time minus this device's time, from the last answer that carried `server_time`. */
        this.clockOffsetMs = 0;
    }
    /** Sales not over yet, newest first. */
    async list(query = {}) {
        const sent = this.core.options.now();
        const list = await this.core.call('get', '/api/v1/flash-sales', { query, auth: 'optional' });
        this.syncClock(list.server_time, sent);
        return list;
    }
    /** One sale with `stock_left`, `phase` and the server's time. */
    async get(id) {
        const sent = this.core.options.now();
        const sale = await this.core.call('get', '/api/v1/flash-sales/{id}', {
            params: { id },
            auth: 'optional',
        });
        this.syncClock(sale.server_time, sent);
        return sale;
    }
    /** The time now by the server's clock (ms), as of the last sale fetched. */
    serverNow() {
        return this.core.options.now() + this.clockOffsetMs;
    }
    /** The countdown of a sale, by the server's clock. */
    countdown(sale) {
        const now = this.serverNow();
        const starts = Date.parse(sale.starts_at);
        const ends = Date.parse(sale.ends_at);
        if (now < starts)
            return { phase: 'upcoming', remainingMs: starts - now };
        if (now < ends)
            return { phase: 'active', remainingMs: ends - now };
        return { phase: 'ended', remainingMs: 0 };
    }
    /**
     * Buy. One `Idempotency-Key` is made per call (or pass your own to cover retries across
     * calls) and sent with every attempt, so the retries on network errors, 502 and 503 are safe.
     * Sold out: 409 (40910); over the per-user limit: 409 (40911); not started: 400 (40020).
     */
    order(saleId, options = {}) {
        var _a, _b;
        const key = (_a = options.idempotencyKey) !== null && _a !== void 0 ? _a : newIdempotencyKey();
        return this.core.call('post', '/api/v1/flash-sales/{id}/orders', {
            params: { id: saleId },
            body: { quantity: (_b = options.quantity) !== null && _b !== void 0 ? _b : 1 },
            headers: { 'Idempotency-Key': key },
            retry: true,
        });
    }
    /** The user's orders, newest first. */
    myOrders(query = {}) {
        return this.core.call('get', '/api/v1/flash-sale-orders', { query });
    }
    myOrder(orderId) {
        return this.core.call('get', '/api/v1/flash-sale-orders/{id}', { params: { id: orderId } });
    }
    /** Cancel an unpaid order; its stock goes back at once. */
    cancel(orderId) {
        return this.core.call('post', '/api/v1/flash-sale-orders/{id}/cancel', {
            params: { id: orderId },
        });
    }
    syncClock(serverTime, sentAt) {
        const server = Date.parse(serverTime);
        if (Number.isNaN(server))
            return;
        // The answer was made somewhere between sending and receiving: take the middle.
        const local = (sentAt + this.core.options.now()) / 2;
        this.clockOffsetMs = server - local;
    }
}
exports.FlashSale = FlashSale;
/** A fresh key: time and randomness, 26 characters of [0-9a-z-] (the server takes 1-64). */
function newIdempotencyKey() {
    let random = '';
    while (random.length < 16)
        random += Math.random().toString(36).slice(2);
    return `${Date.now().toString(36)}-${random.slice(0, 16)}`;
}
