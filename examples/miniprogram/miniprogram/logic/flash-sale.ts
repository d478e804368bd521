import {
  ErrorCodes,
  isMinibaseError,
  type MinibaseClient,
  newIdempotencyKey,
  type Order,
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

export interface SaleData {
  sale: SaleCard | null;
  /** The order placed on this page (to show and cancel). */
  order: (Order & { total: string }) | null;
  buying: boolean;
  /** The reason the buy button is off, or the last error. */
  message: string;
}

export const initialSale = (): SaleData => ({
  sale: null,
  order: null,
  buying: false,
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
      this.view.setData({ order: { ...order, total: yuan(order.total_cents) }, buying: false });
      await this.load(this.detail.id);
    } catch (err) {
      // A network failure keeps the key: tapping again cannot make a second order.
      if (isMinibaseError(err) && err.status > 0) this.key = null;
      this.view.setData({ message: errorText(err), buying: false });
      if (isMinibaseError(err) && err.code === ErrorCodes.SoldOut) await this.load(this.detail.id);
    }
  }

  async cancel(): Promise<void> {
    const order = this.view.data.order;
    if (!order) return;
    try {
      const cancelled = await this.mb.flashSale.cancel(order.order_id);
      this.view.setData({ order: { ...cancelled, total: yuan(cancelled.total_cents) } });
      if (this.detail) await this.load(this.detail.id);
    } catch (err) {
      this.view.setData({ message: errorText(err) });
    }
  }
}
