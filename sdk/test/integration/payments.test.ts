// Paying flash-sale orders against a real server and its in-process mock WeChat Pay: the wx
// shim's payment sheet pays through the mock's controls, and WeChat Pay's signed notification
// (sent a moment later, as WeChat Pay does) is what makes the order paid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, ErrorCodes, type MinibaseClient } from '../../src';
import { type Minibase, startMinibase } from '../support/minibase';
import type { NodeWx } from '../support/wx-node';

let server: Minibase;
let saleId: number;

beforeAll(async () => {
  server = await startMinibase();
  const product = await server.admin<{ id: number }>('POST', '/api/v1/admin/products', {
    name: 'SDK pay mug',
    price_cents: 9900,
  });
  saleId = (
    await server.admin<{ id: number }>('POST', '/api/v1/admin/flash-sales', {
      product_id: product.id,
      title: 'SDK pay sale',
      sale_price_cents: 990,
      stock: 20,
      per_user_limit: 1,
      starts_at: new Date(Date.now() - 60_000).toISOString(),
      ends_at: new Date(Date.now() + 3600_000).toISOString(),
    })
  ).id;
});
afterAll(async () => {
  await server?.stop();
});

/** A new buyer with an unpaid order. */
async function buyer(
  name: string,
): Promise<{ client: MinibaseClient; wx: NodeWx; orderId: number }> {
  const { client, wx } = server.client(name);
  const order = await client.flashSale.order(saleId);
  expect(order.status).toBe('created');
  return { client, wx, orderId: order.order_id };
}

describe('paying a flash-sale order', () => {
  it('pays through the payment sheet, and answers paid only once the server says so', async () => {
    const { client, wx, orderId } = await buyer('payer-1');

    const result = await client.flashSale.pay(orderId, { pollIntervalMs: 100 });

    expect(result).toMatchObject({ status: 'paid', order: { order_id: orderId, status: 'paid' } });
    expect(result.order.paid_at).toBeTruthy();
    // The sheet succeeded before WeChat Pay's notification arrived (300 ms later): the order
    // was read while still unpaid, then again until paid.
    const reads = wx.calls(`/api/v1/flash-sale-orders/${orderId}`, 200);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect((await client.flashSale.myOrder(orderId)).status).toBe('paid');

    // Paying again shows no sheet: the order is paid.
    wx.paymentAnswer = 'fail';
    expect((await client.flashSale.pay(orderId)).status).toBe('paid');
  });

  it('ends the wait on the order.status realtime event, not the next poll', async () => {
    const { client, orderId } = await buyer('payer-2');
    const started = Date.now();

    const result = await client.flashSale.pay(orderId, {
      realtime: true,
      pollIntervalMs: 20_000,
      confirmTimeoutMs: 25_000,
    });

    expect(result.status).toBe('paid');
    expect(Date.now() - started).toBeLessThan(10_000);
    client.realtime.close();
  });

  it('answers a cancelled sheet with the unpaid order, which can be paid after', async () => {
    const { client, wx, orderId } = await buyer('payer-3');
    wx.paymentAnswer = 'cancel';

    expect(await client.flashSale.pay(orderId)).toMatchObject({
      status: 'cancelled',
      order: { status: 'created' },
    });

    wx.paymentAnswer = 'pay';
    expect((await client.flashSale.pay(orderId, { pollIntervalMs: 100 })).status).toBe('paid');
  });

  it('answers pending while WeChat Pay has not told the server, whatever the sheet said', async () => {
    const { client, wx, orderId } = await buyer('payer-4');
    let outTradeNo = '';
    // The payer pays, but WeChat Pay's notification does not come (yet).
    wx.payer = async (no) => {
      outTradeNo = no;
      await server.mockPay('pay', no, { times: 0 });
    };

    const result = await client.flashSale.pay(orderId, {
      confirmTimeoutMs: 1_000,
      pollIntervalMs: 200,
    });
    expect(result).toMatchObject({ status: 'pending', order: { status: 'created' } });

    // The notification arrives: now it is paid.
    await server.mockPay('notify', outTradeNo);
    expect((await client.flashSale.myOrder(orderId)).status).toBe('paid');
  });

  it('answers a failed sheet with WeChat’s error, and a cancelled order as closed', async () => {
    const { client, wx, orderId } = await buyer('payer-5');
    wx.paymentAnswer = 'fail';
    const failed = await client.flashSale.pay(orderId);
    expect(failed.status).toBe('failed');
    if (failed.status === 'failed')
      expect(failed.error.errMsg).toBe('requestPayment:fail PAYERROR');

    await client.flashSale.cancel(orderId);
    expect(await client.flashSale.pay(orderId)).toMatchObject({
      status: 'closed',
      order: { status: 'cancelled' },
    });
  });

  it("throws the server's error for another user's order", async () => {
    const { orderId } = await buyer('payer-6');
    const { client } = server.client('payer-7');
    const err = await client.flashSale.pay(orderId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: ErrorCodes.NotFound });
  });
});
