"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FlashSale = void 0;
exports.newIdempotencyKey = newIdempotencyKey;
const errors_1 = require("../errors");
const error_codes_1 = require("../generated/error-codes");
const wx_1 = require("../wx");
/**
 * Flash sales (秒杀): sales with the server's clock, orders with an `Idempotency-Key` (so a retry
 * after a lost answer gets the same order, never a second one), the user's orders.
 */
class FlashSale {
    constructor(core, realtime) {
        this.core = core;
        this.realtime = realtime;
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
    /**
     * Pay an unpaid order with WeChat Pay: the server's `wx.requestPayment` parameters (the pay
     * route is safe to repeat: it answers the same WeChat Pay order), the payment sheet, then the
     * order read back from the server until it is `paid`, because the sheet's success is not proof
     * of payment (only WeChat Pay's notification to the server is). Call it from a tap handler.
     *
     * A cancelled or failed sheet is a result, not an exception; errors of the server (`ApiError`:
     * 50210 WeChat Pay unreachable, try again; 50310 payments off) and of the network are thrown.
     *
     * ```ts
     * const result = await mb.flashSale.pay(order.order_id);
     * if (result.status === 'paid') wx.showToast({ title: '支付成功' });
     * ```
     */
    async pay(orderId, options = {}) {
        const wxApi = this.core.wx;
        if (!wxApi.requestPayment)
            throw new TypeError('this wx has no requestPayment');
        let params;
        try {
            params = await this.core.call('post', '/api/v1/flash-sale-orders/{id}/pay', {
                params: { id: orderId },
                retry: true,
            });
        }
        catch (err) {
            // Paid (perhaps on another device), cancelled or expired: say which.
            if (err instanceof errors_1.ApiError && err.code === error_codes_1.ErrorCodes.OrderStateConflict) {
                return settled(await this.myOrder(orderId));
            }
            throw err;
        }
        const { request_payment: payment } = params;
        try {
            await (0, wx_1.callWx)((cb) => {
                var _a;
                return (_a = wxApi.requestPayment) === null || _a === void 0 ? void 0 : _a.call(wxApi, Object.assign(Object.assign({}, cb), { timeStamp: payment.timeStamp, nonceStr: payment.nonceStr, package: payment.package, signType: payment.signType, paySign: payment.paySign }));
            });
        }
        catch (err) {
            const error = err;
            const order = await this.myOrder(orderId);
            // The sheet may fail after the money moved (a lost answer): the server has the last word.
            if (order.status !== 'created')
                return settled(order);
            return /cancel/i.test(error.errMsg)
                ? { status: 'cancelled', order }
                : { status: 'failed', order, error };
        }
        return settled(await this.confirm(orderId, options));
    }
    /** Read the order until it is no longer `created` or the time is up; realtime events wake it. */
    async confirm(orderId, options) {
        var _a, _b, _c, _d;
        const now = () => this.core.options.now();
        const deadline = now() + ((_a = options.confirmTimeoutMs) !== null && _a !== void 0 ? _a : 15000);
        let interval = (_b = options.pollIntervalMs) !== null && _b !== void 0 ? _b : 1000;
        let wake;
        // An event that came while the order was being read: read it again at once.
        let woken = false;
        let unsubscribe = () => { };
        const realtime = this.realtime;
        const userId = (_c = this.core.session.user) === null || _c === void 0 ? void 0 : _c.id;
        const listen = (_d = options.realtime) !== null && _d !== void 0 ? _d : (realtime !== undefined && realtime.state !== 'idle' && realtime.state !== 'closed');
        if (listen && realtime && userId !== undefined) {
            unsubscribe = realtime.subscribe(`user:${userId}`, (event) => {
                const data = event.data;
                if (event.event !== 'order.status' || (data === null || data === void 0 ? void 0 : data.order_id) !== orderId)
                    return;
                if (wake)
                    wake();
                else
                    woken = true;
            });
        }
        try {
            for (;;) {
                const order = await this.myOrder(orderId);
                const left = deadline - now();
                if (order.status !== 'created' || left <= 0)
                    return order;
                if (woken) {
                    woken = false;
                    continue;
                }
                await new Promise((resolve) => {
                    const timer = setTimeout(resolve, Math.min(interval, left));
                    wake = () => {
                        clearTimeout(timer);
                        resolve();
                    };
                });
                wake = undefined;
                interval = Math.min(interval * 2, 5000);
            }
        }
        finally {
            unsubscribe();
        }
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
/** The result that an order's status stands for, once the payment sheet did not fail. */
function settled(order) {
    if (order.status === 'paid')
        return { status: 'paid', order };
    if (order.status === 'created')
        return { status: 'pending', order };
    return { status: 'closed', order };
}
/** A fresh key: time and randomness, 26 characters of [0-9a-z-] (the server takes 1-64). */
function newIdempotencyKey() {
    let random = '';
    while (random.length < 16)
        random += Math.random().toString(36).slice(2);
    return `${Date.now().toString(36)}-${random.slice(0, 16)}`;
}
