import type { Page, PageQuery, ResponseData } from '../api-types';
import type { Core } from '../core';
export type SaleList = ResponseData<'/api/v1/flash-sales', 'get'>;
export type Sale = SaleList['items'][number];
export type SaleDetail = ResponseData<'/api/v1/flash-sales/{id}', 'get'>;
export type Order = ResponseData<'/api/v1/flash-sales/{id}/orders', 'post'>;
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
    /** Server time minus this device's time, from the last answer that carried `server_time`. */
    private clockOffsetMs;
    constructor(core: Core);
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
    private syncClock;
}
/** A fresh key: time and randomness, 26 characters of [0-9a-z-] (the server takes 1-64). */
export declare function newIdempotencyKey(): string;
