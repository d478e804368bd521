import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, call, csrfToken, fillPath, queryString } from '../src/api/client';

afterEach(() => {
  vi.unstubAllGlobals();
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0]?.trim();
    // biome-ignore lint/suspicious/noDocumentCookie: clearing what the test set, as the server would
    if (name) document.cookie = `${name}=; max-age=0`;
  }
});

function answer(status: number, body: unknown) {
  return vi.fn(async () => new Response(JSON.stringify(body), { status }));
}

describe('helpers', () => {
  it('reads the CSRF cookie among others', () => {
    expect(csrfToken('a=1; mb_csrf=abc; b=2')).toBe('abc');
    expect(csrfToken('a=1')).toBeUndefined();
  });

  it('fills and escapes path parameters, refusing a missing one', () => {
    expect(fillPath('/api/v1/admin/config/{key}', { key: 'a b' })).toBe(
      '/api/v1/admin/config/a%20b',
    );
    expect(() => fillPath('/x/{id}', {})).toThrow(/id/);
  });

  it('drops empty query values', () => {
    expect(queryString({ q: '', banned: undefined, limit: 20 })).toBe('?limit=20');
    expect(queryString({})).toBe('');
  });
});

describe('call', () => {
  it('sends the CSRF token on changes but not on reads, and unwraps the envelope', async () => {
    // biome-ignore lint/suspicious/noDocumentCookie: the cookie the server sets at sign-in
    document.cookie = 'mb_csrf=token123';
    const fetch = answer(200, { code: 0, message: 'ok', data: { id: 7 } });
    vi.stubGlobal('fetch', fetch);
    const data = await call('post', '/api/v1/admin/users/{id}/ban', {
      path: { id: 7 },
      body: { reason: 'spam' },
    });
    expect(data).toEqual({ id: 7 });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/admin/users/7/ban');
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBe('token123');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe('{"reason":"spam"}');

    await call('get', '/api/v1/admin/users', { query: { q: 'x' } });
    const [readUrl, readInit] = fetch.mock.calls[1] as unknown as [string, RequestInit];
    expect(readUrl).toBe('/api/v1/admin/users?q=x');
    expect((readInit.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
  });

  it('turns an error envelope into an ApiError with its code and request id', async () => {
    vi.stubGlobal(
      'fetch',
      answer(403, { code: 40305, message: 'csrf', data: null, request_id: 'r-1' }),
    );
    const err = await call('delete', '/api/v1/admin/console/session').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(40305);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).requestId).toBe('r-1');
  });
});
