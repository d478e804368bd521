import type { ResponseData } from './api-types';
import { type Http } from './http';
import type { ResolvedOptions } from './options';
import type { Storage } from './storage';
import { type WxLike } from './wx';
type LoginResult = ResponseData<'/api/v1/auth/login', 'post'>;
/** The signed-in user as the login answered (`GET /api/v1/users/me` has the full profile). */
export type SessionUser = LoginResult['user'];
export type SessionEvent = {
    type: 'login';
    user: SessionUser;
} | {
    type: 'logout';
};
/**
 * The user's session: access and refresh tokens in `wx` storage, `wx.login` when there are none,
 * one refresh (or one login) at a time however many requests need it.
 */
export declare class Session {
    private readonly http;
    private readonly wx;
    private readonly storage;
    private readonly options;
    private stored;
    private inflight;
    /** The last renewal that failed, for the requests sent before it failed. */
    private lastFailure;
    /** Bumped by logout: a renewal that finishes after it is thrown away. */
    private generation;
    private readonly listeners;
    constructor(http: Http, wx: WxLike, storage: Storage, options: ResolvedOptions);
    /** The signed-in user, or null before the first login and after logout. */
    get user(): SessionUser | null;
    get isLoggedIn(): boolean;
    /** Called on every login (also a silent re-login) and logout. Returns the unsubscribe. */
    onChange(listener: (event: SessionEvent) => void): () => void;
    /** The stored access token, if any: no login, no refresh (for calls where a user is optional). */
    peekToken(): string | undefined;
    /** A usable access token: the stored one, a refreshed one, or a new login's. */
    token(): Promise<string>;
    /**
     * The server refused `stale` (401): get a new token. However many requests call this at once
     * with the same stale token, one refresh runs (or one login, when the refresh token is refused)
     * and all of them get its token. `sentAt` is when the refused request was sent: if the renewal
     * failed after that (no network), the request shares that failure instead of trying again.
     */
    renew(stale: string, sentAt?: number): Promise<string>;
    /** Log in now with a fresh `wx.login` code (also renews the server's `session_key`). */
    login(): Promise<SessionUser>;
    /**
     * Make sure the server holds a live `session_key` for this user (phone number, open data,
     * signatures need it): `wx.checkSession`, and a fresh login when WeChat says it expired.
     */
    ensureLiveSessionKey(): Promise<void>;
    /**
     * End the session on the server (its tokens stop working) and forget it here. The next call
     * that needs a user logs in again.
     */
    logout(): Promise<void>;
    /**
     * Forget the session here only, for when the server already ended it (an account deletion
     * request). The next call that needs a user logs in again.
     */
    forget(): void;
    private postLogout;
    /** Join the renewal in progress, or start `run` as the one everybody waits for. */
    private flight;
    private refreshOrLogin;
    private refresh;
    private loginWithWx;
    private sessionFrom;
    private load;
    private save;
    private emit;
}
export {};
