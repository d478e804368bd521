import type { Page, PageQuery, ResponseData } from '../api-types';
import type { Core } from '../core';
import { type WxApiError } from '../errors';
import type { Realtime } from './realtime';
export type SaleList = ResponseData<'/api/v1/flash-sales', 'get'>;
export type Sale = SaleList['items'][number];
export type SaleDetail = ResponseData<'/api/v1/flash-sales/{id}', 'get'>;
export type Order = ResponseData<'/api/v1/flash-sales/{id}/orders', 'post'>;
/** What the pay route answers: the WeChat Pay order and the `wx.requestPayment` parameters. */
export type PayParams = ResponseData<'/api/v1/flash-sale-orders/{id}/pay', 'post'>;
/**
 * How {@link FlashSale.pay} ended, always with the order as the server holds it at the end.
 * Only `paid` means the money arrived; every other outcome leaves the order unpaid for now.
 */
export type PaymentResult = 
/** The server says the order is paid (WeChat Pay told it so). */
{
    status: 'paid';
    order: Order;
}
/** The user closed the payment sheet. The order stays unpaid until `expires_at`: pay again or cancel. */
 | {
    status: 'cancelled';
    order: Order;
}
/** `wx.requestPayment` failed (not a cancel): `error` has WeChat's `errMsg`. The order stays unpaid. */
 | {
    status: 'failed';
    order: Order;
    error: WxApiError;
}
/**
 * The payment sheet reported success but the server had not confirmed it within
 * `confirmTimeoutMs`. WeChat Pay's notification (or the server's own query) may still come:
 * show "confirming", and read the order again later (`myOrder`, or its `order.status` event).
 */
 | {
    status: 'pending';
    order: Order;
}
/** The order can no longer be paid: it was cancelled or it expired. */
 | {
    status: 'closed';
    order: Order;
};
/** Options of {@link FlashSale.pay}. */
export interface PayOptions {
    /** How long to wait for the server to confirm a payment the sheet reported (ms, default 15 000). */
    confirmTimeoutMs?: number;
    /** First wait between reads of the order while confirming (ms, default 1 000; doubles, up to 5 000). */
    pollIntervalMs?: number;
    /**
     * Also listen on the user's realtime channel for the order's `order.status` event, which ends
     * the wait at once (the order is then read again over HTTP). Default: when the realtime client
     * is already connected or connecting; `false` never opens a socket just for this.
     */
    realtime?: boolean;
}
/** Where a sale stands by the server's clock: what a countdown shows. */
export interface Countdown {
    phase: 'upcoming' | 'active' | 'ended';
    /** Milliseconds until the next change of phase (start, then end); 0 once ended. */
    remainingMs: number;
}
/**
 * Flash sales (秒杀): sales with the server's clock, orders with an `Idempotency-Key` (so a retry
 * after a lost answer gets the same order, never a second one), the user's orders.
 */
export declare class FlashSale {
    private readonly core;
    private readonly realtime?;
    /** Server time minus this device's time, from the last answer that carried `server_time`. */
    private clockOffsetMs;
    constructor(core: Core, realtime?: Realtime | undefined);
    /** Sales not over yet, newest first. */
    list(query?: PageQuery): Promise<SaleList>;
    /** One sale with `stock_left`, `phase` and the server's time. */
    get(id: number): Promise<SaleDetail>;
    /** The time now by the server's clock (ms), as of the last sale fetched. */
    serverNow(): number;
    /** The countdown of a sale, by the server's clock. */
    countdown(sale: Pick<Sale, 'starts_at' | 'ends_at'>): Countdown;
    /**
     * Buy. One `Idempotency-Key` is made per call (or pass your own to cover retries across
     * calls) and sent with every attempt, so the retries on network errors, 502 and 503 are safe.
     * Sold out: 409 (40910); over the per-user limit: 409 (40911); not started: 400 (40020).
     */
    order(saleId: number, options?: {
        quantity?: number;
        idempotencyKey?: string;
    }): Promise<Order>;
    /** The user's orders, newest first. */
    myOrders(query?: PageQuery): Promise<Page<Order>>;
    myOrder(orderId: number): Promise<Order>;
    /** Cancel an unpaid order; its stock goes back at once. */
    cancel(orderId: number): Promise<Order>;
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
    pay(orderId: number, options?: PayOptions): Promise<PaymentResult>;
    /** Read the order until it is no longer `created` or the time is up; realtime events wake it. */
    private confirm;
    private syncClock;
}
/** A fresh key: time and randomness, 26 characters of [0-9a-z-] (the server takes 1-64). */
export declare function newIdempotencyKey(): string;
