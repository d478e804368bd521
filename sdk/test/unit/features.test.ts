import { describe, expect, it } from 'vitest';
import {
  ApiError,
  createClient,
  ErrorCodes,
  newIdempotencyKey,
  Pager,
  WxApiError,
} from '../../src';
import {
  type FakeRequest,
  type FakeResponse,
  fail,
  fakeWx,
  loginAnswer,
  ok,
} from '../support/fake-wx';

const BASE = 'https://api.example.com';

describe('config and flags', () => {
  function configServer() {
    let version = 1;
    const state = {
      bump: () => {
        version += 1;
      },
    };
    const wx = fakeWx((request: FakeRequest) => {
      if (request.path === '/api/v1/auth/login') return loginAnswer('t1');
      if (request.path === '/api/v1/auth/logout') return ok(null);
      const etag = `"v${version}"`;
      if (request.headers['if-none-match'] === etag) return { status: 304, body: '', delayMs: 5 };
      return {
        ...ok({ theme: 'red', _version: version, _flags: { 'new-feed': true } }, 200, {
          ETag: etag,
        }),
        delayMs: 5,
      };
    });
    return { wx, state };
  }

  it('revalidates with If-None-Match and keeps the copy on a 304', async () => {
    const { wx, state } = configServer();
    const client = createClient({ baseUrl: BASE, wx });

    const first = await client.config.get();
    expect(first).toMatchObject({ theme: 'red', _version: 1 });
    expect(wx.requests[0]?.headers['if-none-match']).toBeUndefined();

    const second = await client.config.get();
    expect(second).toEqual(first);
    expect(wx.requests[1]?.headers['if-none-match']).toBe('"v1"');

    state.bump();
    expect(await client.config.get()).toMatchObject({ _version: 2 });
    expect(await client.config.value('theme', 'blue')).toBe('red');
    expect(await client.config.value('missing', 'blue')).toBe('blue');
    // Anonymous reads: no login just for the configuration.
    expect(wx.logins).toBe(0);
    // Flags are per user: asking for one logs in, and the configuration is read with the token.
    expect(await client.config.flag('new-feed')).toBe(true);
    expect(await client.config.flag('unknown')).toBe(false);
    expect(wx.logins).toBe(1);
    expect(wx.requests.at(-1)?.headers.authorization).toBe('Bearer t1');
  });

  it('shares one request among concurrent reads, and survives a restart through storage', async () => {
    const { wx } = configServer();
    const client = createClient({ baseUrl: BASE, wx });
    await Promise.all(Array.from({ length: 10 }, () => client.config.get()));
    expect(wx.requests).toHaveLength(1);

    const restarted = createClient({ baseUrl: BASE, wx });
    expect(restarted.config.cached()).toMatchObject({ _version: 1 });
    await restarted.config.get();
    expect(wx.requests[1]?.headers['if-none-match']).toBe('"v1"');
  });

  it('forgets the copy (and the flags in it) on login and logout', async () => {
    const { wx } = configServer();
    const client = createClient({ baseUrl: BASE, wx });
    await client.config.get();
    await client.login();
    expect(client.config.cached()).toBeUndefined();
    await client.config.get();
    expect(wx.requests.at(-1)?.headers['if-none-match']).toBeUndefined();
    expect(wx.requests.at(-1)?.headers.authorization).toBe('Bearer t1');
    await client.logout();
    expect(client.config.cached()).toBeUndefined();
    expect(wx.storage.has('minibase:config')).toBe(false);
  });
});

describe('subscribe messages', () => {
  it('asks the user, then reports only the accepted templates', async () => {
    const wx = fakeWx((request) => {
      if (request.path === '/api/v1/auth/login') return loginAnswer('t1');
      if (request.path === '/api/v1/notifications/subscriptions') {
        return ok([{ template_id: 'tmpl-a', remaining: 1 }]);
      }
      return fail(404, 40400);
    });
    wx.subscribeAnswer = { 'tmpl-a': 'accept', 'tmpl-b': 'reject', 'tmpl-c': 'ban' };
    const client = createClient({ baseUrl: BASE, wx });

    const result = await client.notifications.subscribe(['tmpl-a', 'tmpl-b', 'tmpl-c']);

    expect(result).toEqual({
      accepted: ['tmpl-a'],
      refused: ['tmpl-b', 'tmpl-c'],
      quotas: [{ template_id: 'tmpl-a', remaining: 1 }],
    });
    const report = wx.requests.find(
      (r) => r.method === 'POST' && r.path.endsWith('/subscriptions'),
    );
    expect(report?.body).toEqual({ template_ids: ['tmpl-a'] });
  });

  it('reports nothing when the user accepted nothing, and passes a wx failure on', async () => {
    const wx = fakeWx((request) => {
      if (request.path === '/api/v1/auth/login') return loginAnswer('t1');
      return ok([]);
    });
    wx.subscribeAnswer = { 'tmpl-a': 'reject' };
    const client = createClient({ baseUrl: BASE, wx });
    expect((await client.notifications.subscribe(['tmpl-a'])).accepted).toEqual([]);
    expect(wx.requests.some((r) => r.method === 'POST' && r.path.endsWith('/subscriptions'))).toBe(
      false,
    );

    wx.requestSubscribeMessage = ((options: WechatMiniprogram.RequestSubscribeMessageOption) =>
      options.fail?.({
        errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.',
        errCode: 20004,
      } as never)) as never;
    await expect(client.notifications.subscribe(['tmpl-a'])).rejects.toBeInstanceOf(WxApiError);
  });
});

describe('pager', () => {
  it('walks pages with the cursor and stops at the end; concurrent calls share a page', async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      start: { items: [1, 2], next_cursor: 'c2' },
      c2: { items: [3], next_cursor: null },
    };
    const asked: Array<string | null | undefined> = [];
    const pager = new Pager<number>(async ({ cursor, limit }) => {
      expect(limit).toBe(2);
      asked.push(cursor);
      return pages[cursor ?? 'start'] as { items: number[]; next_cursor: string | null };
    }, 2);

    const [a, b] = await Promise.all([pager.next(), pager.next()]);
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([1, 2]);
    expect(await pager.next()).toEqual([3]);
    expect(pager.done).toBe(true);
    expect(await pager.next()).toEqual([]);
    expect(pager.items).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, 'c2']);

    pager.reset();
    expect(pager.items).toEqual([]);
    expect(await pager.next()).toEqual([1, 2]);

    // A page still on its way when the list is reset does not join the new list.
    const late = pager.next();
    pager.reset();
    await late;
    expect(pager.items).toEqual([]);
    expect(pager.done).toBe(false);
  });
});

describe('flash sale', () => {
  it('counts down by the server clock, not the device clock', async () => {
    let now = Date.parse('2026-11-11T00:00:00Z');
    const wx = fakeWx(() =>
      // The device is 10 minutes behind the server.
      ok({
        id: 1,
        starts_at: '2026-11-11T00:15:00Z',
        ends_at: '2026-11-11T01:00:00Z',
        server_time: '2026-11-11T00:10:00Z',
      }),
    );
    const client = createClient({ baseUrl: BASE, wx, now: () => now });
    const sale = await client.flashSale.get(1);

    expect(client.flashSale.countdown(sale)).toEqual({
      phase: 'upcoming',
      remainingMs: 5 * 60_000,
    });
    now += 6 * 60_000;
    expect(client.flashSale.countdown(sale)).toEqual({ phase: 'active', remainingMs: 44 * 60_000 });
    now += 60 * 60_000;
    expect(client.flashSale.countdown(sale)).toEqual({ phase: 'ended', remainingMs: 0 });
  });

  it('makes idempotency keys the server accepts, all different', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(1000);
    for (const key of keys) expect(key).toMatch(/^[0-9a-z-]{1,64}$/);
  });
});

describe('paying an order', () => {
  const PARAMS = {
    timeStamp: '1796083200',
    nonceStr: 'n0nce',
    package: 'prepay_id=wx201410272009395522657a690389285100',
    signType: 'RSA',
    paySign: 'c2lnbmF0dXJl',
  };

  /**
   * A server with order 5 of user 7: the pay route answers `payAnswers` in turn (then the
   * parameters), and the order's status is read from `statuses` in turn (the last one stays).
   */
  function payServer(options: { statuses: string[]; payAnswers?: FakeResponse[] }) {
    const statuses = [...options.statuses];
    const payAnswers = [...(options.payAnswers ?? [])];
    const order = (status: string) => ({ order_id: 5, sale_id: 1, total_cents: 990, status });
    const wx = fakeWx((request) => {
      if (request.path === '/api/v1/auth/login') return loginAnswer('t1');
      if (request.path === '/api/v1/flash-sale-orders/5/pay') {
        return (
          payAnswers.shift() ??
          ok({ out_trade_no: 'FS5', amount_cents: 990, request_payment: PARAMS })
        );
      }
      if (request.path === '/api/v1/flash-sale-orders/5') {
        const status = statuses.length > 1 ? statuses.shift() : statuses[0];
        return ok(order(status ?? 'created'));
      }
      return fail(404, 40400);
    });
    const orderReads = () => wx.requests.filter((r) => r.path === '/api/v1/flash-sale-orders/5');
    return { wx, orderReads };
  }

  it("passes the server's parameters to wx.requestPayment as they are, then waits for the server to say paid", async () => {
    const { wx, orderReads } = payServer({ statuses: ['created', 'created', 'paid'] });
    const client = createClient({ baseUrl: BASE, wx });

    const result = await client.flashSale.pay(5, { pollIntervalMs: 5 });

    expect(wx.payments).toEqual([PARAMS]);
    expect(result).toMatchObject({ status: 'paid', order: { order_id: 5, status: 'paid' } });
    expect(orderReads()).toHaveLength(3);
    const pay = wx.requests.find((r) => r.path.endsWith('/pay'));
    expect(pay?.method).toBe('POST');
    expect(pay?.headers.authorization).toBe('Bearer t1');
  });

  it("does not take the payment sheet's success for payment: pending until the server confirms", async () => {
    const { wx, orderReads } = payServer({ statuses: ['created'] });
    const client = createClient({ baseUrl: BASE, wx });

    const result = await client.flashSale.pay(5, { confirmTimeoutMs: 60, pollIntervalMs: 10 });

    expect(result).toMatchObject({ status: 'pending', order: { status: 'created' } });
    expect(orderReads().length).toBeGreaterThan(1);
  });

  it('answers a cancelled payment sheet as a result, with the unpaid order', async () => {
    const { wx, orderReads } = payServer({ statuses: ['created'] });
    wx.paymentAnswer = 'cancel';
    const client = createClient({ baseUrl: BASE, wx });

    const result = await client.flashSale.pay(5);

    expect(result).toMatchObject({ status: 'cancelled', order: { status: 'created' } });
    expect(orderReads()).toHaveLength(1);
  });

  it("answers a failed payment sheet with WeChat's error", async () => {
    const { wx } = payServer({ statuses: ['created'] });
    wx.paymentAnswer = 'fail';
    const client = createClient({ baseUrl: BASE, wx });

    const result = await client.flashSale.pay(5);

    expect(result.status).toBe('failed');
    if (result.status !== 'failed') return;
    expect(result.error).toBeInstanceOf(WxApiError);
    expect(result.error.errMsg).toBe('requestPayment:fail (detail message)');
  });

  it('believes the server over a failed sheet: an order paid meanwhile is paid', async () => {
    const { wx } = payServer({ statuses: ['paid'] });
    wx.paymentAnswer = 'fail';
    const client = createClient({ baseUrl: BASE, wx });

    expect((await client.flashSale.pay(5)).status).toBe('paid');
  });

  it('answers an order that cannot be paid any more (40912) by its status, without a sheet', async () => {
    const expired = payServer({ statuses: ['expired'], payAnswers: [fail(409, 40912)] });
    const client = createClient({ baseUrl: BASE, wx: expired.wx });
    expect(await client.flashSale.pay(5)).toMatchObject({
      status: 'closed',
      order: { status: 'expired' },
    });
    expect(expired.wx.payments).toEqual([]);

    const paid = payServer({ statuses: ['paid'], payAnswers: [fail(409, 40912)] });
    const other = createClient({ baseUrl: BASE, wx: paid.wx });
    expect((await other.flashSale.pay(5)).status).toBe('paid');
  });

  it('retries the pay route when WeChat Pay is unreachable (502), and throws what is left', async () => {
    const flaky = payServer({ statuses: ['paid'], payAnswers: [fail(502, 50210)] });
    const client = createClient({
      baseUrl: BASE,
      wx: flaky.wx,
      retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });
    expect((await client.flashSale.pay(5)).status).toBe('paid');
    expect(flaky.wx.requests.filter((r) => r.path.endsWith('/pay'))).toHaveLength(2);

    const off = payServer({ statuses: ['created'], payAnswers: [fail(503, 50310)] });
    const noRetry = createClient({ baseUrl: BASE, wx: off.wx, retry: { retries: 0 } });
    const error = await noRetry.flashSale.pay(5).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: ErrorCodes.PaymentsDisabled, status: 503 });
    expect(off.wx.payments).toEqual([]);
  });
});
