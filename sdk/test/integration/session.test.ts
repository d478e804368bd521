// The session against a real server: wx.login through the mock WeChat, real JWTs that really
// expire (1 s access tokens), refresh, re-login, logout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ErrorCodes } from '../../src';
import { type Minibase, startMinibase } from '../support/minibase';

let server: Minibase;

beforeAll(async () => {
  server = await startMinibase({ MINIBASE_JWT_ACCESS_TTL_SECS: '1' });
});
afterAll(() => server?.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The server accepts a token up to 5 s past `exp` (clock skew), and `exp` is in whole seconds. */
const PAST_EXPIRY_MS = 7_500;

describe('session against a real server', () => {
  it('logs in on first need, keeps real tokens in storage, and resumes from them', async () => {
    const { client, wx } = server.client('alice');
    const me = await client.users.me();
    expect(me.nickname).toBeTypeOf('string');
    expect(wx.loginCalls).toBe(1);
    expect(wx.calls('/api/v1/auth/login', 200)).toHaveLength(1);

    const stored = wx.getStorageSync('minibase:session') as { token: string; user: { id: number } };
    expect(stored.token.split('.')).toHaveLength(3);
    expect(stored.user.id).toBe(me.id);

    // The same user, same storage, new client (a restart): no new login.
    const again = server.client('alice');
    again.wx.storage.set('minibase:session', JSON.stringify(stored));
    expect((await again.client.users.me()).id).toBe(me.id);
    expect(again.wx.loginCalls).toBe(0);
  });

  it('renews expired tokens: ahead of time by its clock, and on the 401 of a clock set back, once for 20 requests', async () => {
    const punctual = server.client('bob');
    // A device whose clock was set back an hour after the login never believes its token
    // expired: only the server's 401 tells it.
    const lagging = server.client('carol');
    let setBack = 0;
    const laggingClient = createClient({
      baseUrl: server.url,
      wx: lagging.wx.wx,
      now: () => Date.now() - setBack,
    });
    await punctual.client.users.me();
    await laggingClient.users.me();
    setBack = 3600_000;

    await sleep(PAST_EXPIRY_MS);

    await punctual.client.users.me();
    expect(punctual.wx.calls('/api/v1/users/me', 401)).toHaveLength(0);
    expect(punctual.wx.calls('/api/v1/auth/refresh', 200)).toHaveLength(1);

    const answers = await Promise.all(Array.from({ length: 20 }, () => laggingClient.users.me()));
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    const refused = lagging.wx.calls('/api/v1/users/me', 401);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.code === ErrorCodes.TokenExpired)).toBe(true);
    expect(lagging.wx.calls('/api/v1/auth/refresh')).toHaveLength(1);
    expect(lagging.wx.calls('/api/v1/auth/refresh', 200)).toHaveLength(1);
    expect(lagging.wx.calls('/api/v1/users/me', 200)).toHaveLength(21);
    expect(lagging.wx.loginCalls).toBe(1);
  });

  it('logs in again when the server ended the session (refresh refused)', async () => {
    const wx = server.client('dave').wx;
    // A stopped clock: the token never looks expired here, so the server's 401 is what counts.
    const frozen = Date.now();
    const client = createClient({ baseUrl: server.url, wx: wx.wx, now: () => frozen });
    const me = await client.users.me();
    // The session is ended behind the SDK's back (a logout from another copy of the app).
    const { token } = wx.getStorageSync('minibase:session') as { token: string };
    const ended = await fetch(`${server.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ended.status).toBe(200);

    await Promise.all(Array.from({ length: 5 }, () => client.users.me()));

    const refused = wx.calls('/api/v1/users/me', 401);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.code === ErrorCodes.TokenRevoked)).toBe(true);
    const refresh = wx.calls('/api/v1/auth/refresh');
    expect(refresh).toHaveLength(1);
    expect(refresh[0]?.code).toBe(ErrorCodes.RefreshTokenInvalid);
    expect(wx.loginCalls).toBe(2);
    expect(wx.calls('/api/v1/users/me', 200)).toHaveLength(6);
    expect(client.session.user?.id).toBe(me.id);
  });

  it('logout ends the session on the server: its tokens stop working', async () => {
    const { client, wx } = server.client('erin');
    await client.users.me();
    const { token, refreshToken } = wx.getStorageSync('minibase:session') as {
      token: string;
      refreshToken: string;
    };

    await client.logout();

    expect(wx.calls('/api/v1/auth/logout', 200)).toHaveLength(1);
    expect(wx.storage.size).toBe(0);
    const meWithOld = await fetch(`${server.url}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(meWithOld.status).toBe(401);
    expect(((await meWithOld.json()) as { code: number }).code).toBe(ErrorCodes.TokenRevoked);
    const refreshOld = await fetch(`${server.url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    expect(refreshOld.status).toBe(401);
  });

  it('checks the WeChat session before binding a phone number, logging in again when it expired', async () => {
    const { client, wx } = server.client('frank');
    await client.users.me();

    const phone = await client.users.bindPhone({
      detail: { code: 'phone-1', errMsg: 'getPhoneNumber:ok' },
    });
    expect(phone.pure_phone_number).toMatch(/^138\d{8}$/);
    expect(wx.checkSessionCalls).toBe(1);
    expect(wx.loginCalls).toBe(1);

    wx.sessionAlive = false;
    await client.users.bindPhone('phone-2');
    expect(wx.checkSessionCalls).toBe(2);
    expect(wx.loginCalls).toBe(2);
    expect((await client.users.me()).phone).toContain(phone.pure_phone_number.slice(0, 3));
  });
});
