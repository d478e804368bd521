import { describe, expect, it } from 'vitest';
import {
  ApiError,
  ClientErrorCodes,
  createClient,
  ErrorCodes,
  MinibaseError,
  NetworkError,
} from '../../src';
import { bearer, type FakeResponse, fail, fakeWx, loginAnswer, ok } from '../support/fake-wx';

const BASE = 'https://api.example.com/';

/** A client already signed in as token `t1`, whose server answers `answers` in turn. */
function clientWith(answers: FakeResponse[] | ((path: string) => FakeResponse)) {
  const queue = Array.isArray(answers) ? [...answers] : null;
  const wx = fakeWx((request) => {
    if (request.path === '/api/v1/auth/login') return loginAnswer('t1');
    if (typeof answers === 'function') return answers(request.path);
    const next = queue?.shift();
    if (!next) throw new Error(`no answer left for ${request.method} ${request.path}`);
    return next;
  });
  wx.storage.set('minibase:session', {
    token: 't1',
    refreshToken: 'r-t1',
    expiresAt: Date.now() + 3600_000,
    renewAt: Date.now() + 3600_000,
    user: { id: 7, nickname: 'u7', avatar_url: '' },
  });
  const client = createClient({ baseUrl: BASE, wx, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  return { client, wx };
}

describe('requests', () => {
  it('unwraps the envelope and sends the token, path parameters and query', async () => {
    const { client, wx } = clientWith([ok({ items: [{ id: 3 }], next_cursor: null })]);

    const page = await client.community.comments(42, { limit: 5, cursor: 'a b/c' });

    expect(page).toEqual({ items: [{ id: 3 }], next_cursor: null });
    const [request] = wx.requests;
    expect(request?.url).toBe(
      'https://api.example.com/api/v1/posts/42/comments?limit=5&cursor=a%20b%2Fc',
    );
    expect(request && bearer(request)).toBe('t1');
  });

  it('turns error envelopes into typed errors with code, status and request id', async () => {
    const { client } = clientWith([
      fail(409, ErrorCodes.SoldOut, 'rid-409'),
      {
        status: 429,
        body: { code: 42900, message: 'slow down', data: null },
        headers: { 'x-request-id': 'rid-from-header', 'retry-after': '3' },
      },
    ]);

    const soldOut = await client.flashSale.order(1).catch((e: unknown) => e);
    expect(soldOut).toBeInstanceOf(ApiError);
    expect(soldOut).toBeInstanceOf(MinibaseError);
    expect(soldOut).toMatchObject({
      code: ErrorCodes.SoldOut,
      status: 409,
      requestId: 'rid-409',
      message: 'error 40910',
    });

    const limited = await client.flashSale.order(1).catch((e: unknown) => e);
    expect(limited).toMatchObject({
      code: ErrorCodes.RateLimited,
      status: 429,
      requestId: 'rid-from-header',
      retryAfter: 3,
    });
  });

  it('reports an answer that is not an envelope as BadResponse, keeping the status', async () => {
    const { client } = clientWith([{ status: 502, body: '<html>Bad Gateway</html>' }]);
    const err = await client.users.updateMe({ nickname: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ClientErrorCodes.BadResponse, status: 502 });
  });

  it('retries GETs on network errors, 502 and 503, then gives up', async () => {
    const { client, wx } = clientWith([
      { networkError: 'timeout' },
      fail(502, 50200),
      ok({ id: 7 }),
    ]);
    expect(await client.users.me()).toEqual({ id: 7 });
    expect(wx.requests).toHaveLength(3);

    const failing = clientWith([fail(503, 50300), fail(503, 50300), fail(503, 50300)]);
    const err = await failing.client.users.me().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 50300, status: 503 });
    // The first attempt and the two default retries.
    expect(failing.wx.requests).toHaveLength(3);

    const offline = clientWith(() => ({ networkError: 'fail' }));
    const lost = await offline.client.users.me().catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(NetworkError);
    expect(lost).toMatchObject({ code: ClientErrorCodes.Network, status: 0 });
    expect(offline.wx.requests).toHaveLength(3);
  });

  it('does not retry what is not safe to repeat, nor errors a retry cannot fix', async () => {
    const post = clientWith([fail(503, 50300)]);
    await expect(post.client.community.like(1)).rejects.toMatchObject({ status: 503 });
    expect(post.wx.requests).toHaveLength(1);

    const lost = clientWith([{ networkError: 'timeout' }]);
    await expect(lost.client.community.comment(1, 'hi')).rejects.toBeInstanceOf(NetworkError);
    expect(lost.wx.requests).toHaveLength(1);

    const internal = clientWith([fail(500, 50000)]);
    await expect(internal.client.users.me()).rejects.toMatchObject({ status: 500 });
    expect(internal.wx.requests).toHaveLength(1);

    const notFound = clientWith([fail(404, ErrorCodes.NotFound)]);
    await expect(notFound.client.community.post(9)).rejects.toMatchObject({ code: 40401 });
    expect(notFound.wx.requests).toHaveLength(1);
  });

  it('retries a flash-sale order with the same Idempotency-Key', async () => {
    const order = { order_id: 1, status: 'created' };
    const { client, wx } = clientWith([
      { networkError: 'timeout' },
      fail(503, 50300),
      ok(order, 200, { 'Idempotent-Replayed': 'true' }),
    ]);

    expect(await client.flashSale.order(5, { quantity: 2 })).toEqual(order);

    const keys = wx.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-z-]{1,64}$/);
    expect(wx.requests[0]?.body).toEqual({ quantity: 2 });
    expect(wx.requests[0]?.path).toBe('/api/v1/flash-sales/5/orders');

    // Another order is another key.
    const next = clientWith([ok(order, 201)]);
    await next.client.flashSale.order(5);
    expect(next.wx.requests[0]?.headers['idempotency-key']).not.toBe(keys[0]);
  });

  it('sends PATCH as POST with X-HTTP-Method-Override (wx.request has no PATCH)', async () => {
    const { client, wx } = clientWith([ok({ id: 7, nickname: 'new' })]);
    await client.users.updateMe({ nickname: 'new' });
    const [request] = wx.requests;
    expect(request?.method).toBe('POST');
    expect(request?.headers['x-http-method-override']).toBe('PATCH');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({ nickname: 'new' });
  });

  it('reads anonymously without logging in when the user is optional', async () => {
    const wx = fakeWx(() => ok({ items: [], next_cursor: null }));
    const client = createClient({ baseUrl: BASE, wx });
    await client.community.feed({ topic: 'travel' });
    expect(wx.logins).toBe(0);
    expect(wx.requests[0]?.headers.authorization).toBeUndefined();
    expect(wx.requests[0]?.url).toBe('https://api.example.com/api/v1/posts?topic=travel');
  });

  it('uploads with the token, refreshing once on a 401', async () => {
    const uploaded = {
      id: 17,
      url: 'https://x/f.png',
      content_type: 'image/png',
      size: 3,
      width: 1,
      height: 1,
    };
    const { client, wx } = clientWith((path) => {
      if (path === '/api/v1/auth/refresh')
        return ok({ token: 't2', expires_in: 60, refresh_token: 'r-t2' });
      return wx.uploads.length === 1 ? fail(401, ErrorCodes.TokenExpired) : ok(uploaded, 201);
    });

    expect(await client.files.upload('wxfile://tmp/a.png')).toEqual(uploaded);
    expect(wx.uploads.map((u) => [u.filePath, u.name, u.headers.authorization])).toEqual([
      ['wxfile://tmp/a.png', 'file', 'Bearer t1'],
      ['wxfile://tmp/a.png', 'file', 'Bearer t2'],
    ]);
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(() => createClient({ baseUrl: 'api.example.com', wx: fakeWx(() => ok(null)) })).toThrow(
      /baseUrl/,
    );
  });
});
