import type { RequestBody, ResponseData } from './api-types';
import { ApiError, ClientErrorCodes, MinibaseError } from './errors';
import { type Http, unwrap } from './http';
import type { ResolvedOptions } from './options';
import type { Storage } from './storage';
import { callWx, type WxLike } from './wx';

type LoginResult = ResponseData<'/api/v1/auth/login', 'post'>;
type TokenPair = ResponseData<'/api/v1/auth/refresh', 'post'>;

/** The signed-in user as the login answered (`GET /api/v1/users/me` has the full profile). */
export type SessionUser = LoginResult['user'];

/** What the session keeps in storage (one key, so it is written at once). */
interface StoredSession {
  token: string;
  refreshToken: string;
  /** When the access token expires, by this device's clock (ms). */
  expiresAt: number;
  /** When to refresh before using it: a little before `expiresAt`. */
  renewAt: number;
  user: SessionUser;
}

/** A renewal's outcome: the new session, and whether it came from a login. */
interface Renewed {
  session: StoredSession;
  loggedIn: boolean;
}

const STORAGE_KEY = 'session';
/** Refresh this long before expiry at most (and at most a tenth of the token's lifetime). */
const RENEW_EARLY_MS = 30_000;

export type SessionEvent = { type: 'login'; user: SessionUser } | { type: 'logout' };

/**
 * The user's session: access and refresh tokens in `wx` storage, `wx.login` when there are none,
 * one refresh (or one login) at a time however many requests need it.
 */
export class Session {
  private stored: StoredSession | null | undefined;
  private inflight: Promise<string> | null = null;
  /** The last renewal that failed, for the requests sent before it failed. */
  private lastFailure: { stale: string; at: number; error: unknown } | null = null;
  /** Bumped by logout: a renewal that finishes after it is thrown away. */
  private generation = 0;
  private readonly listeners: Array<(event: SessionEvent) => void> = [];

  constructor(
    private readonly http: Http,
    private readonly wx: WxLike,
    private readonly storage: Storage,
    private readonly options: ResolvedOptions,
  ) {}

  /** The signed-in user, or null before the first login and after logout. */
  get user(): SessionUser | null {
    return this.load()?.user ?? null;
  }

  get isLoggedIn(): boolean {
    return this.load() !== null;
  }

  /** Called on every login (also a silent re-login) and logout. Returns the unsubscribe. */
  onChange(listener: (event: SessionEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** The stored access token, if any: no login, no refresh (for calls where a user is optional). */
  peekToken(): string | undefined {
    return this.load()?.token;
  }

  /** A usable access token: the stored one, a refreshed one, or a new login's. */
  token(): Promise<string> {
    const stored = this.load();
    if (stored && this.options.now() < stored.renewAt) return Promise.resolve(stored.token);
    if (stored) return this.renew(stored.token);
    return this.flight(() => this.loginWithWx());
  }

  /**
   * The server refused `stale` (401): get a new token. However many requests call this at once
   * with the same stale token, one refresh runs (or one login, when the refresh token is refused)
   * and all of them get its token. `sentAt` is when the refused request was sent: if the renewal
   * failed after that (no network), the request shares that failure instead of trying again.
   */
  renew(stale: string, sentAt: number = this.options.now()): Promise<string> {
    if (this.inflight) return this.inflight;
    const stored = this.load();
    if (stored && stored.token !== stale) {
      // Renewed after this request was sent; just replay it.
      return Promise.resolve(stored.token);
    }
    const failed = this.lastFailure;
    if (failed && failed.stale === stale && sentAt <= failed.at)
      return Promise.reject(failed.error);
    const flight = this.flight(() => this.refreshOrLogin());
    flight.then(
      () => {
        this.lastFailure = null;
      },
      (error: unknown) => {
        this.lastFailure = { stale, at: this.options.now(), error };
      },
    );
    return flight;
  }

  /** Log in now with a fresh `wx.login` code (also renews the server's `session_key`). */
  async login(): Promise<SessionUser> {
    if (this.inflight) await this.inflight.catch(() => undefined);
    await this.flight(() => this.loginWithWx());
    const stored = this.load();
    if (!stored) throw loggedOut();
    return stored.user;
  }

  /**
   * Make sure the server holds a live `session_key` for this user (phone number, open data,
   * signatures need it): `wx.checkSession`, and a fresh login when WeChat says it expired.
   */
  async ensureLiveSessionKey(): Promise<void> {
    if (!this.load()) {
      // A first login gives the server a fresh session key.
      await this.token();
      return;
    }
    try {
      await callWx<WechatMiniprogram.GeneralCallbackResult>((cb) => this.wx.checkSession(cb));
    } catch {
      this.options.logger.info('minibase: wx.checkSession failed; logging in again');
      await this.login();
    }
  }

  /**
   * End the session on the server (its tokens stop working) and forget it here. The next call
   * that needs a user logs in again.
   */
  async logout(): Promise<void> {
    const stored = this.load();
    this.forget();
    if (!stored) return;
    try {
      let res = await this.postLogout(stored.token);
      if (res.status === 401) {
        // The access token expired: a refreshed one can still end the session.
        const pair = await this.refresh(stored.refreshToken);
        res = await this.postLogout(pair.token);
      }
      unwrap(res);
    } catch (err) {
      this.options.logger.warn('minibase: logout did not reach the server', err);
    }
  }

  /**
   * Forget the session here only, for when the server already ended it (an account deletion
   * request). The next call that needs a user logs in again.
   */
  forget(): void {
    this.generation += 1;
    this.inflight = null;
    this.lastFailure = null;
    this.save(null);
    this.emit({ type: 'logout' });
  }

  private postLogout(token: string) {
    return this.http.send({
      method: 'POST',
      url: this.http.url('/api/v1/auth/logout'),
      headers: { Authorization: `Bearer ${token}` },
    });
  }

  /** Join the renewal in progress, or start `run` as the one everybody waits for. */
  private flight(run: () => Promise<Renewed>): Promise<string> {
    if (this.inflight) return this.inflight;
    const generation = this.generation;
    const flight = run().then(
      ({ session, loggedIn }) => {
        if (generation !== this.generation) throw loggedOut();
        this.save(session);
        if (loggedIn) this.emit({ type: 'login', user: session.user });
        return session.token;
      },
      (err: unknown) => {
        if (generation !== this.generation) throw loggedOut();
        throw err;
      },
    );
    this.inflight = flight;
    const clear = () => {
      if (this.inflight === flight) this.inflight = null;
    };
    flight.then(clear, clear);
    return flight;
  }

  private async refreshOrLogin(): Promise<Renewed> {
    const stored = this.load();
    if (stored) {
      try {
        const pair = await this.refresh(stored.refreshToken);
        return { session: this.sessionFrom(pair, stored.user), loggedIn: false };
      } catch (err) {
        // Refused (spent, revoked, expired, malformed): only a new login helps. Anything else
        // (network, 5xx, 429) is passed on; the refresh token may still be good.
        if (
          !(err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429)
        ) {
          throw err;
        }
        this.options.logger.info(`minibase: refresh refused (${err.code}); logging in again`);
      }
    }
    return this.loginWithWx();
  }

  private async refresh(refreshToken: string): Promise<TokenPair> {
    const body: RequestBody<'/api/v1/auth/refresh', 'post'> = { refresh_token: refreshToken };
    const res = await this.http.send({
      method: 'POST',
      url: this.http.url('/api/v1/auth/refresh'),
      body,
      headers: {},
    });
    this.options.logger.debug(`minibase: POST /api/v1/auth/refresh -> ${res.status}`);
    return unwrap<TokenPair>(res);
  }

  private async loginWithWx(): Promise<Renewed> {
    const code = this.options.loginCode
      ? await this.options.loginCode()
      : (await callWx<WechatMiniprogram.LoginSuccessCallbackResult>((cb) => this.wx.login(cb)))
          .code;
    const body: RequestBody<'/api/v1/auth/login', 'post'> = { code };
    const res = await this.http.send({
      method: 'POST',
      url: this.http.url('/api/v1/auth/login'),
      body,
      headers: {},
    });
    this.options.logger.debug(`minibase: POST /api/v1/auth/login -> ${res.status}`);
    const result = unwrap<LoginResult>(res);
    return { session: this.sessionFrom(result, result.user), loggedIn: true };
  }

  private sessionFrom(pair: TokenPair, user: SessionUser): StoredSession {
    const now = this.options.now();
    const lifetime = pair.expires_in * 1000;
    return {
      token: pair.token,
      refreshToken: pair.refresh_token,
      expiresAt: now + lifetime,
      renewAt: now + lifetime - Math.min(RENEW_EARLY_MS, lifetime / 10),
      user,
    };
  }

  private load(): StoredSession | null {
    if (this.stored === undefined) {
      const value = this.storage.get<StoredSession>(STORAGE_KEY);
      this.stored =
        value && typeof value.token === 'string' && typeof value.refreshToken === 'string'
          ? value
          : null;
    }
    return this.stored;
  }

  private save(session: StoredSession | null): void {
    this.stored = session;
    if (session) this.storage.set(STORAGE_KEY, session);
    else this.storage.remove(STORAGE_KEY);
  }

  private emit(event: SessionEvent): void {
    for (const listener of this.listeners.slice()) {
      try {
        listener(event);
      } catch (err) {
        this.options.logger.error('minibase: a session listener threw', err);
      }
    }
  }
}

function loggedOut(): MinibaseError {
  return new MinibaseError('the session ended (logout) while a new token was on its way', {
    code: ClientErrorCodes.LoggedOut,
  });
}
