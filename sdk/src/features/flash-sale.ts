import type { Page, PageQuery, ResponseData } from '../api-types';
import type { Core } from '../core';
import { ApiError, type WxApiError } from '../errors';
import { ErrorCodes } from '../generated/error-codes';
import { callWx } from '../wx';
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
  | { status: 'paid'; order: Order }
  /** The user closed the payment sheet. The order stays unpaid until `expires_at`: pay again or cancel. */
  | { status: 'cancelled'; order: Order }
  /** `wx.requestPayment` failed (not a cancel): `error` has WeChat's `errMsg`. The order stays unpaid. */
  | { status: 'failed'; order: Order; error: WxApiError }
  /**
   * The payment sheet reported success but the server had not confirmed it within
   * `confirmTimeoutMs`. WeChat Pay's notification (or the server's own query) may still come:
   * show "confirming", and read the order again later (`myOrder`, or its `order.status` event).
   */
  | { status: 'pending'; order: Order }
  /** The order can no longer be paid: it was cancelled or it expired. */
  | { status: 'closed'; order: Order };

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
export class FlashSale {
  /** Server time minus this device's time, from the last answer that carried `server_time`. */
  private clockOffsetMs = 0;

  constructor(
    private readonly core: Core,
    private readonly realtime?: Realtime,
  ) {}

  /** Sales not over yet, newest first. */
  async list(query: PageQuery = {}): Promise<SaleList> {
    const sent = this.core.options.now();
    const list = await this.core.call('get', '/api/v1/flash-sales', { query, auth: 'optional' });
    this.syncClock(list.server_time, sent);
    return list;
  }

  /** One sale with `stock_left`, `phase` and the server's time. */
  async get(id: number): Promise<SaleDetail> {
    const sent = this.core.options.now();
    const sale = await this.core.call('get', '/api/v1/flash-sales/{id}', {
      params: { id },
      auth: 'optional',
    });
    this.syncClock(sale.server_time, sent);
    return sale;
  }

  /** The time now by the server's clock (ms), as of the last sale fetched. */
  serverNow(): number {
    return this.core.options.now() + this.clockOffsetMs;
  }

  /** The countdown of a sale, by the server's clock. */
  countdown(sale: Pick<Sale, 'starts_at' | 'ends_at'>): Countdown {
    const now = this.serverNow();
    const starts = Date.parse(sale.starts_at);
    const ends = Date.parse(sale.ends_at);
    if (now < starts) return { phase: 'upcoming', remainingMs: starts - now };
    if (now < ends) return { phase: 'active', remainingMs: ends - now };
    return { phase: 'ended', remainingMs: 0 };
  }

  /**
   * Buy. One `Idempotency-Key` is made per call (or pass your own to cover retries across
   * calls) and sent with every attempt, so the retries on network errors, 502 and 503 are safe.
   * Sold out: 409 (40910); over the per-user limit: 409 (40911); not started: 400 (40020).
   */
  order(
    saleId: number,
    options: { quantity?: number; idempotencyKey?: string } = {},
  ): Promise<Order> {
    const key = options.idempotencyKey ?? newIdempotencyKey();
    return this.core.call('post', '/api/v1/flash-sales/{id}/orders', {
      params: { id: saleId },
      body: { quantity: options.quantity ?? 1 },
      headers: { 'Idempotency-Key': key },
      retry: true,
    });
  }

  /** The user's orders, newest first. */
  myOrders(query: PageQuery = {}): Promise<Page<Order>> {
    return this.core.call('get', '/api/v1/flash-sale-orders', { query });
  }

  myOrder(orderId: number): Promise<Order> {
    return this.core.call('get', '/api/v1/flash-sale-orders/{id}', { params: { id: orderId } });
  }

  /** Cancel an unpaid order; its stock goes back at once. */
  cancel(orderId: number): Promise<Order> {
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
  async pay(orderId: number, options: PayOptions = {}): Promise<PaymentResult> {
    const wxApi = this.core.wx;
    if (!wxApi.requestPayment) throw new TypeError('this wx has no requestPayment');
    let params: PayParams;
    try {
      params = await this.core.call('post', '/api/v1/flash-sale-orders/{id}/pay', {
        params: { id: orderId },
        retry: true,
      });
    } catch (err) {
      // Paid (perhaps on another device), cancelled or expired: say which.
      if (err instanceof ApiError && err.code === ErrorCodes.OrderStateConflict) {
        return settled(await this.myOrder(orderId));
      }
      throw err;
    }
    const { request_payment: payment } = params;
    try {
      await callWx<WechatMiniprogram.GeneralCallbackResult>((cb) =>
        wxApi.requestPayment?.({
          ...cb,
          timeStamp: payment.timeStamp,
          nonceStr: payment.nonceStr,
          package: payment.package,
          signType: payment.signType as WechatMiniprogram.RequestPaymentOption['signType'],
          paySign: payment.paySign,
        }),
      );
    } catch (err) {
      const error = err as WxApiError;
      const order = await this.myOrder(orderId);
      // The sheet may fail after the money moved (a lost answer): the server has the last word.
      if (order.status !== 'created') return settled(order);
      return /cancel/i.test(error.errMsg)
        ? { status: 'cancelled', order }
        : { status: 'failed', order, error };
    }
    return settled(await this.confirm(orderId, options));
  }

  /** Read the order until it is no longer `created` or the time is up; realtime events wake it. */
  private async confirm(orderId: number, options: PayOptions): Promise<Order> {
    const now = () => this.core.options.now();
    const deadline = now() + (options.confirmTimeoutMs ?? 15_000);
    let interval = options.pollIntervalMs ?? 1_000;
    let wake: (() => void) | undefined;
    // An event that came while the order was being read: read it again at once.
    let woken = false;
    let unsubscribe = () => {};
    const realtime = this.realtime;
    const userId = this.core.session.user?.id;
    const listen =
      options.realtime ??
      (realtime !== undefined && realtime.state !== 'idle' && realtime.state !== 'closed');
    if (listen && realtime && userId !== undefined) {
      unsubscribe = realtime.subscribe(`user:${userId}`, (event) => {
        const data = event.data as { order_id?: unknown } | null;
        if (event.event !== 'order.status' || data?.order_id !== orderId) return;
        if (wake) wake();
        else woken = true;
      });
    }
    try {
      for (;;) {
        const order = await this.myOrder(orderId);
        const left = deadline - now();
        if (order.status !== 'created' || left <= 0) return order;
        if (woken) {
          woken = false;
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(interval, left));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        interval = Math.min(interval * 2, 5_000);
      }
    } finally {
      unsubscribe();
    }
  }

  private syncClock(serverTime: string, sentAt: number): void {
    const server = Date.parse(serverTime);
    if (Number.isNaN(server)) return;
    // The answer was made somewhere between sending and receiving: take the middle.
    const local = (sentAt + this.core.options.now()) / 2;
    this.clockOffsetMs = server - local;
  }
}

/** The result that an order's status stands for, once the payment sheet did not fail. */
function settled(order: Order): PaymentResult {
  if (order.status === 'paid') return { status: 'paid', order };
  if (order.status === 'created') return { status: 'pending', order };
  return { status: 'closed', order };
}

/** A fresh key: time and randomness, 26 characters of [0-9a-z-] (the server takes 1-64). */
export function newIdempotencyKey(): string {
  let random = '';
  while (random.length < 16) random += Math.random().toString(36).slice(2);
  return `${Date.now().toString(36)}-${random.slice(0, 16)}`;
}
