import {
  ErrorCodes,
  isMinibaseError,
  type MinibaseClient,
  newIdempotencyKey,
  type Order,
  type PaymentResult,
  type Sale,
  type SaleDetail,
} from 'minibase-sdk';
import { countdownText, errorText, yuan } from './format';
import type { View } from './view';

/** A sale as the pages show it: prices in yuan and its countdown. */
export type SaleCard = Sale & {
  price: string;
  listPrice: string;
  phaseText: string;
  countdown: string;
};

const PHASES = { upcoming: '即将开始', active: '抢购中', ended: '已结束' } as const;

function saleCard(mb: MinibaseClient, sale: Sale): SaleCard {
  const { phase, remainingMs } = mb.flashSale.countdown(sale);
  const soldOut = sale.stock_left <= 0 && phase === 'active';
  return {
    ...sale,
    price: yuan(sale.sale_price_cents),
    listPrice: sale.product ? yuan(sale.product.price_cents) : '',
    phaseText: soldOut ? '已抢光' : PHASES[phase],
    countdown: phase === 'ended' ? '' : countdownText(remainingMs),
  };
}

export interface SalesData {
  sales: SaleCard[];
  error: string;
}

export const initialSales = (): SalesData => ({ sales: [], error: '' });

/** The list of sales, with countdowns by the server's clock. */
export class SalesModel {
  private raw: Sale[] = [];

  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<SalesData>,
  ) {}

  async load(): Promise<void> {
    try {
      this.raw = (await this.mb.flashSale.list({ limit: 50 })).items;
      this.tick();
      this.view.setData({ error: '' });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }

  /** Every second: the countdowns move on. */
  tick(): void {
    this.view.setData({ sales: this.raw.map((s) => saleCard(this.mb, s)) });
  }
}

/** An order as the page shows it: its total in yuan and its status in words. */
export type OrderCard = Order & { total: string; statusText: string };

const ORDER_STATUSES: Record<string, string> = {
  created: '待支付',
  paid: '已支付',
  cancelled: '已取消',
  expired: '已过期',
};

function orderCard(order: Order): OrderCard {
  return {
    ...order,
    total: yuan(order.total_cents),
    statusText: ORDER_STATUSES[order.status] ?? order.status,
  };
}

/** What the page says after a payment attempt. */
const PAYMENT_TEXTS: Record<PaymentResult['status'], string> = {
  paid: '支付成功',
  cancelled: '已取消支付，请在订单过期前完成支付',
  failed: '支付失败，请重试',
  pending: '支付确认中，请稍后查看订单',
  closed: '订单已关闭，无法支付',
};

export interface SaleData {
  sale: SaleCard | null;
  /** The order placed on this page (to show, pay and cancel). */
  order: OrderCard | null;
  buying: boolean;
  paying: boolean;
  /** How the last payment attempt ended (`PaymentResult['status']`), '' before one. */
  payment: PaymentResult['status'] | '';
  /** What to say about it. */
  paymentText: string;
  /** The reason the buy button is off, or the last error. */
  message: string;
}

export const initialSale = (): SaleData => ({
  sale: null,
  order: null,
  buying: false,
  paying: false,
  payment: '',
  paymentText: '',
  message: '',
});

/** One sale: a countdown to its start (then its end), the buy button, the order. */
export class SaleModel {
  private detail: SaleDetail | null = null;
  /** One key per purchase attempt, kept across taps until it succeeds or fails for good. */
  private key: string | null = null;

  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<SaleData>,
  ) {}

  async load(saleId: number): Promise<void> {
    try {
      this.detail = await this.mb.flashSale.get(saleId);
      this.tick();
      this.view.setData({ message: '' });
    } catch (err) {
      this.view.setData({ message: errorText(err) });
    }
  }

  /** Every second. When the sale starts, the stock is read again. */
  tick(): void {
    if (!this.detail) return;
    const before = this.view.data.sale?.phaseText;
    const sale = saleCard(this.mb, this.detail);
    this.view.setData({ sale });
    if (before === PHASES.upcoming && sale.phaseText !== PHASES.upcoming)
      void this.load(this.detail.id);
  }

  async buy(): Promise<void> {
    if (!this.detail || this.view.data.buying) return;
    this.key ??= newIdempotencyKey();
    this.view.setData({ buying: true, message: '' });
    try {
      const order = await this.mb.flashSale.order(this.detail.id, { idempotencyKey: this.key });
      this.key = null;
      this.view.setData({ order: orderCard(order), buying: false, payment: '', paymentText: '' });
      await this.load(this.detail.id);
    } catch (err) {
      // A network failure keeps the key: tapping again cannot make a second order.
      if (isMinibaseError(err) && err.status > 0) this.key = null;
      this.view.setData({ message: errorText(err), buying: false });
      if (isMinibaseError(err) && err.code === ErrorCodes.SoldOut) await this.load(this.detail.id);
    }
  }

  /**
   * Pay the order with WeChat Pay (from the 立即支付 tap). The SDK shows the payment sheet, then
   * asks the server: only its word makes the order paid.
   */
  async pay(): Promise<void> {
    const order = this.view.data.order;
    if (!order || this.view.data.paying) return;
    this.view.setData({ paying: true, message: '', payment: '', paymentText: '' });
    try {
      const result = await this.mb.flashSale.pay(order.order_id);
      this.view.setData({
        order: orderCard(result.order),
        paying: false,
        payment: result.status,
        paymentText: PAYMENT_TEXTS[result.status],
      });
    } catch (err) {
      this.view.setData({ paying: false, message: errorText(err) });
    }
  }

  /** Read the order again (after `pending`: the server may have heard from WeChat Pay since). */
  async refreshOrder(): Promise<void> {
    const order = this.view.data.order;
    if (!order) return;
    try {
      const fresh = await this.mb.flashSale.myOrder(order.order_id);
      const paid = fresh.status === 'paid';
      this.view.setData({
        order: orderCard(fresh),
        ...(paid ? { payment: 'paid' as const, paymentText: PAYMENT_TEXTS.paid } : {}),
      });
    } catch (err) {
      this.view.setData({ message: errorText(err) });
    }
  }

  async cancel(): Promise<void> {
    const order = this.view.data.order;
    if (!order) return;
    try {
      const cancelled = await this.mb.flashSale.cancel(order.order_id);
      this.view.setData({ order: orderCard(cancelled), payment: '', paymentText: '' });
      if (this.detail) await this.load(this.detail.id);
    } catch (err) {
      this.view.setData({ message: errorText(err) });
    }
  }
}
