import { describe, expect, it } from 'vitest';
import { ClientErrorCodes, createClient, ErrorCodes, MinibaseError, WxApiError } from '../../src';
import {
  bearer,
  type FakeRequest,
  type FakeResponse,
  fail,
  fakeWx,
  loginAnswer,
  ok,
} from '../support/fake-wx';

const BASE = 'https://api.example.com';
const FAR = Date.now() + 3600_000;

function stored(token: string, expiresAt = FAR) {
  return {
    token,
    refreshToken: `r-${token}`,
    expiresAt,
    renewAt: expiresAt,
    user: { id: 7, nickname: 'u7', avatar_url: '' },
  };
}

const me = (token: string) => ok({ id: 7, nickname: 'u7', avatar_url: '', token });
const count = (requests: FakeRequest[], path: string) =>
  requests.filter((r) => r.path === path).length;

/** A server where `valid` is the only token /users/me accepts; refresh and login mint others. */
function server(options: {
  valid: () => string;
  onRefresh?: (request: FakeRequest) => FakeResponse;
  onLogin?: (request: FakeRequest) => FakeResponse;
}) {
  return (request: FakeRequest): FakeResponse => {
    switch (request.path) {
      case '/api/v1/auth/refresh':
        return { ...(options.onRefresh?.(request) ?? fail(401, 40106)), delayMs: 20 };
      case '/api/v1/auth/login':
        return { ...(options.onLogin?.(request) ?? loginAnswer('from-login')), delayMs: 20 };
      case '/api/v1/auth/logout':
        return ok(null);
      case '/api/v1/users/me': {
        const token = bearer(request);
        // Stagger the answers so some 401s arrive after the refresh finished.
        const delayMs = Math.floor(Math.random() * 40);
        if (token === options.valid()) return { ...me(token), delayMs };
        return {
          ...fail(401, token ? ErrorCodes.TokenExpired : ErrorCodes.Unauthenticated),
          delayMs,
        };
      }
      default:
        return fail(404, 40400);
    }
  };
}

describe('session', () => {
  it('shares one refresh among 50 concurrent requests that meet a 401, then replays them all', async () => {
    let valid = 't1-expired-on-the-server';
    const wx = fakeWx(
      server({
        valid: () => valid,
        onRefresh: (request) => {
          expect(request.body).toEqual({ refresh_token: 'r-t1' });
          valid = 't2';
          return ok({ token: 't2', expires_in: 7200, refresh_token: 'r-t2' });
        },
      }),
    );
    wx.storage.set('minibase:session', stored('t1'));
    const client = createClient({ baseUrl: BASE, wx });

    const answers = await Promise.all(Array.from({ length: 50 }, () => client.users.me()));

    expect(answers).toHaveLength(50);
    for (const answer of answers) expect(answer).toMatchObject({ id: 7, token: 't2' });
    expect(count(wx.requests, '/api/v1/auth/refresh')).toBe(1);
    expect(wx.logins).toBe(0);
    const sent = wx.requests.filter((r) => r.path === '/api/v1/users/me').map(bearer);
    expect(sent.filter((t) => t === 't1')).toHaveLength(50);
    expect(sent.filter((t) => t === 't2')).toHaveLength(50);
    // The new pair is what storage holds now.
    expect(wx.storage.get('minibase:session')).toMatchObject({ token: 't2', refreshToken: 'r-t2' });
  });

  it('logs in again, once, when the refresh token is refused, and replays the requests', async () => {
    let valid = 'nobody';
    const wx = fakeWx(
      server({
        valid: () => valid,
        onRefresh: () => fail(401, ErrorCodes.RefreshTokenReused),
        onLogin: (request) => {
          expect(request.body).toEqual({ code: 'code-1' });
          valid = 't3';
          return loginAnswer('t3');
        },
      }),
    );
    wx.storage.set('minibase:session', stored('t1'));
    const client = createClient({ baseUrl: BASE, wx });
    const logins: unknown[] = [];
    client.session.onChange((event) => logins.push(event));

    const answers = await Promise.all(Array.from({ length: 50 }, () => client.users.me()));

    for (const answer of answers) expect(answer).toMatchObject({ token: 't3' });
    expect(count(wx.requests, '/api/v1/auth/refresh')).toBe(1);
    expect(count(wx.requests, '/api/v1/auth/login')).toBe(1);
    expect(wx.logins).toBe(1);
    expect(logins).toEqual([{ type: 'login', user: { id: 7, nickname: 'u7', avatar_url: '' } }]);
    expect(wx.storage.get('minibase:session')).toMatchObject({ token: 't3', refreshToken: 'r-t3' });
  });

  it('logs in with wx.login once for 50 first calls, and keeps the tokens in storage', async () => {
    const wx = fakeWx(server({ valid: () => 'from-login' }));
    const client = createClient({ baseUrl: BASE, wx, storagePrefix: 'app1:' });

    await Promise.all(Array.from({ length: 50 }, () => client.users.me()));

    expect(wx.logins).toBe(1);
    expect(count(wx.requests, '/api/v1/auth/login')).toBe(1);
    expect(count(wx.requests, '/api/v1/auth/refresh')).toBe(0);
    expect([...wx.storage.keys()]).toEqual(['app1:session']);
    const session = wx.storage.get('app1:session') as ReturnType<typeof stored>;
    expect(session).toMatchObject({ token: 'from-login', refreshToken: 'r-from-login' });
    expect(session.expiresAt).toBeGreaterThan(Date.now() + 7000_000);

    // A new client (the mini-program started again) resumes from storage: no login.
    const again = createClient({ baseUrl: BASE, wx, storagePrefix: 'app1:' });
    expect(again.session.user).toEqual({ id: 7, nickname: 'u7', avatar_url: '' });
    await again.users.me();
    expect(wx.logins).toBe(1);
    // Another prefix is another session.
    const other = createClient({ baseUrl: BASE, wx, storagePrefix: 'app2:' });
    expect(other.session.isLoggedIn).toBe(false);
  });

  it('refreshes before sending when the token is known to be expired', async () => {
    let now = 1_000_000;
    const wx = fakeWx(
      server({
        valid: () => 't2',
        onRefresh: () => ok({ token: 't2', expires_in: 100, refresh_token: 'r-t2' }),
      }),
    );
    wx.storage.set('minibase:session', stored('t1', now + 5000));
    const client = createClient({ baseUrl: BASE, wx, now: () => now });
    now += 6000;

    await Promise.all(Array.from({ length: 10 }, () => client.users.me()));

    const sent = wx.requests.filter((r) => r.path === '/api/v1/users/me').map(bearer);
    expect(sent).toEqual(Array(10).fill('t2'));
    expect(count(wx.requests, '/api/v1/auth/refresh')).toBe(1);
    // Renewed a little before expiry: 100 s tokens at 90 s.
    const session = wx.storage.get('minibase:session') as ReturnType<typeof stored>;
    expect(session.expiresAt - now).toBe(100_000);
    expect(session.renewAt - now).toBe(90_000);
  });

  it('replays once: a second 401 after a renewal reaches the caller', async () => {
    const wx = fakeWx(
      server({
        valid: () => 'never',
        onRefresh: () => ok({ token: 't2', expires_in: 7200, refresh_token: 'r-t2' }),
      }),
    );
    wx.storage.set('minibase:session', stored('t1'));
    const client = createClient({ baseUrl: BASE, wx });

    const err = await client.users.me().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(MinibaseError);
    expect(err).toMatchObject({ code: ErrorCodes.TokenExpired, status: 401 });
    expect(count(wx.requests, '/api/v1/users/me')).toBe(2);
  });

  it('passes a network failure of the refresh on, and keeps the session for next time', async () => {
    const wx = fakeWx(server({ valid: () => 'x', onRefresh: () => ({ networkError: 'timeout' }) }));
    wx.storage.set('minibase:session', stored('t1'));
    const client = createClient({ baseUrl: BASE, wx });

    const errors = await Promise.all(
      Array.from({ length: 5 }, () => client.users.me().catch((e: unknown) => e)),
    );

    for (const err of errors) expect(err).toMatchObject({ code: ClientErrorCodes.Network });
    expect(count(wx.requests, '/api/v1/auth/refresh')).toBe(1);
    expect(wx.logins).toBe(0);
    expect(wx.storage.get('minibase:session')).toMatchObject({ token: 't1' });
  });

  it('logout ends the session on the server and in storage; the next call logs in again', async () => {
    const wx = fakeWx(server({ valid: () => 'from-login' }));
    wx.storage.set('minibase:session', stored('t1'));
    const client = createClient({ baseUrl: BASE, wx });
    const events: string[] = [];
    client.session.onChange((event) => events.push(event.type));

    await client.logout();

    const logout = wx.requests.find((r) => r.path === '/api/v1/auth/logout');
    expect(logout && bearer(logout)).toBe('t1');
    expect(wx.storage.has('minibase:session')).toBe(false);
    expect(client.session.isLoggedIn).toBe(false);
    expect(events).toEqual(['logout']);

    await client.users.me();
    expect(wx.logins).toBe(1);
    expect(events).toEqual(['logout', 'login']);
  });

  it('an account deletion request forgets the session without logging in again', async () => {
    const inner = server({ valid: () => 'from-login' });
    const wx = fakeWx((request) =>
      request.path === '/api/v1/users/me/deletion'
        ? ok({ requested_at: '2026-12-07T10:00:00Z', erase_after: '2026-12-22T10:00:00Z' }, 202)
        : inner(request),
    );
    wx.storage.set('minibase:session', stored('t1'));
    const client = createClient({ baseUrl: BASE, wx });
    const events: string[] = [];
    client.session.onChange((event) => events.push(event.type));

    const scheduled = await client.users.requestDeletion();

    expect(scheduled.erase_after).toBe('2026-12-22T10:00:00Z');
    const request = wx.requests.find((r) => r.path === '/api/v1/users/me/deletion');
    expect(request && bearer(request)).toBe('t1');
    expect(wx.storage.has('minibase:session')).toBe(false);
    expect(events).toEqual(['logout']);
    // Nothing else was sent: no logout with the dead token, no login that would cancel.
    expect(wx.requests.map((r) => r.path)).toEqual(['/api/v1/users/me/deletion']);
    expect(wx.logins).toBe(0);
  });

  it('logout with an expired access token refreshes to end the session', async () => {
    const wx = fakeWx((request) => {
      if (request.path === '/api/v1/auth/refresh') {
        return ok({ token: 't2', expires_in: 7200, refresh_token: 'r-t2' });
      }
      if (request.path === '/api/v1/auth/logout') {
        return bearer(request) === 't2' ? ok(null) : fail(401, ErrorCodes.TokenExpired);
      }
      return fail(404, 40400);
    });
    wx.storage.set('minibase:session', stored('t1'));
    const client = createClient({ baseUrl: BASE, wx });

    await client.logout();

    expect(wx.requests.map((r) => `${r.path} ${bearer(r) ?? ''}`)).toEqual([
      '/api/v1/auth/logout t1',
      '/api/v1/auth/refresh ',
      '/api/v1/auth/logout t2',
    ]);
    // The refreshed pair is not kept: the user logged out.
    expect(wx.storage.has('minibase:session')).toBe(false);
  });

  it('a refresh that finishes after logout is thrown away', async () => {
    const wx = fakeWx(
      server({
        valid: () => 't2',
        onRefresh: () => ok({ token: 't2', expires_in: 7200, refresh_token: 'r-t2' }),
      }),
    );
    wx.storage.set('minibase:session', stored('t1'));
    const client = createClient({ baseUrl: BASE, wx });

    const waiting = client.session.renew('t1');
    await client.logout();

    await expect(waiting).rejects.toMatchObject({ code: ClientErrorCodes.LoggedOut });
    expect(wx.storage.has('minibase:session')).toBe(false);
  });

  it('checks the WeChat session before calls that need the session key', async () => {
    const wx = fakeWx((request) => {
      if (request.path === '/api/v1/auth/login') return loginAnswer(`t-${wx.logins}`);
      if (request.path === '/api/v1/users/me/phone') {
        return ok({
          phone_number: '13800000000',
          pure_phone_number: '13800000000',
          country_code: '86',
        });
      }
      return fail(404, 40400);
    });
    wx.storage.set('minibase:session', stored('t1'));
    const client = createClient({ baseUrl: BASE, wx });

    // Live session key: no new login.
    await client.users.bindPhone({ detail: { code: 'phone-code', errMsg: 'getPhoneNumber:ok' } });
    expect(wx.checkSessions).toBe(1);
    expect(wx.logins).toBe(0);
    const first = wx.requests.find((r) => r.path === '/api/v1/users/me/phone');
    expect(first?.body).toEqual({ code: 'phone-code' });
    expect(first && bearer(first)).toBe('t1');

    // Expired: a fresh wx.login first, then the call with the new session's token.
    wx.checkSessionOk = false;
    await client.users.bindPhone('phone-code-2');
    expect(wx.logins).toBe(1);
    const second = wx.requests.filter((r) => r.path === '/api/v1/users/me/phone')[1];
    expect(second && bearer(second)).toBe('t-1');

    // The user declined: no request at all.
    const declined = await client.users
      .bindPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny', errno: 104 } })
      .catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(WxApiError);
    expect(declined).toMatchObject({ code: ClientErrorCodes.Wx, errno: 104 });
    expect(count(wx.requests, '/api/v1/users/me/phone')).toBe(2);
  });

  it('takes login codes from options.loginCode when given (mock users in development)', async () => {
    const wx = fakeWx(server({ valid: () => 'from-login' }));
    const client = createClient({ baseUrl: BASE, wx, loginCode: async () => 'alice:1' });
    await client.users.me();
    expect(wx.logins).toBe(0);
    expect(wx.requests.find((r) => r.path === '/api/v1/auth/login')?.body).toEqual({
      code: 'alice:1',
    });
  });

  it('ignores a corrupt stored session', async () => {
    const wx = fakeWx(server({ valid: () => 'from-login' }));
    wx.storage.set('minibase:session', { token: 42 });
    const client = createClient({ baseUrl: BASE, wx });
    expect(client.session.isLoggedIn).toBe(false);
    await client.users.me();
    expect(wx.logins).toBe(1);
  });
});
