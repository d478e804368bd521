"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Session = void 0;
const errors_1 = require("./errors");
const http_1 = require("./http");
const wx_1 = require("./wx");
const STORAGE_KEY = 'session';
/** Refresh this long before expiry at most (and at most a tenth of the token's lifetime). */
const RENEW_EARLY_MS = 30000;
/**
 * The user's session: access and refresh tokens in `wx` storage, `wx.login` when there are none,
 * one refresh (or one login) at a time however many requests need it.
 */
class Session {
    constructor(http, wx, storage, options) {
        this.http = http;
        this.wx = wx;
        this.storage = storage;
        this.options = options;
        this.inflight = null;
        /** The last renewal that failed, for the requests sent before it failed. */
        this.lastFailure = null;
        /** Bumped by logout: a renewal that finishes after it is thrown away. */
        this.generation = 0;
        this.listeners = [];
    }
    /** The signed-in user, or null before the first login and after logout. */
    get user() {
        var _a, _b;
        return (_b = (_a = this.load()) === null || _a === void 0 ? void 0 : _a.user) !== null && _b !== void 0 ? _b : null;
    }
    get isLoggedIn() {
        return this.load() !== null;
    }
    /** Called on every login (also a silent re-login) and logout. Returns the unsubscribe. */
    onChange(listener) {
        this.listeners.push(listener);
        return () => {
            const at = this.listeners.indexOf(listener);
            if (at >= 0)
                this.listeners.splice(at, 1);
        };
    }
    /** The stored access token, if any: no login, no refresh (for calls where a user is optional). */
    peekToken() {
        var _a;
        return (_a = this.load()) === null || _a === void 0 ? void 0 : _a.token;
    }
    /** A usable access token: the stored one, a refreshed one, or a new login's. */
    token() {
        const stored = this.load();
        if (stored && this.options.now() < stored.renewAt)
            return Promise.resolve(stored.token);
        if (stored)
            return this.renew(stored.token);
        return this.flight(() => this.loginWithWx());
    }
    /**
     * The server refused `stale` (401): get a new token. However many requests call this at once
     * with the same stale token, one refresh runs (or one login, when the refresh token is refused)
     * and all of them get its token. `sentAt` is when the refused request was sent: if the renewal
     * failed after that (no network), the request shares that failure instead of trying again.
     */
    renew(stale, sentAt = this.options.now()) {
        if (this.inflight)
            return this.inflight;
        const stored = this.load();
        if (stored && stored.token !== stale) {
            // Renewed after this request was sent; just replay it.
            return Promise.resolve(stored.token);
        }
        const failed = this.lastFailure;
        if (failed && failed.stale === stale && sentAt <= failed.at)
            return Promise.reject(failed.error);
        const flight = this.flight(() => this.refreshOrLogin());
        flight.then(() => {
            this.lastFailure = null;
        }, (error) => {
            this.lastFailure = { stale, at: this.options.now(), error };
        });
        return flight;
    }
    /** Log in now with a fresh `wx.login` code (also renews the server's `session_key`). */
    async login() {
        if (this.inflight)
            await this.inflight.catch(() => undefined);
        await this.flight(() => this.loginWithWx());
        const stored = this.load();
        if (!stored)
            throw loggedOut();
        return stored.user;
    }
    /**
     * Make sure the server holds a live `session_key` for this user (phone number, open data,
     * signatures need it): `wx.checkSession`, and a fresh login when WeChat says it expired.
     */
    async ensureLiveSessionKey() {
        if (!this.load()) {
            // A first login gives the server a fresh session key.
            await this.token();
            return;
        }
        try {
            await (0, wx_1.callWx)((cb) => this.wx.checkSession(cb));
        }
        catch (_a) {
            this.options.logger.info('minibase: wx.checkSession failed; logging in again');
            await this.login();
        }
    }
    /**
     * End the session on the server (its tokens stop working) and forget it here. The next call
     * that needs a user logs in again.
     */
    async logout() {
        const stored = this.load();
        this.forget();
        if (!stored)
            return;
        try {
            let res = await this.postLogout(stored.token);
            if (res.status === 401) {
                // The access token expired: a refreshed one can still end the session.
                const pair = await this.refresh(stored.refreshToken);
                res = await this.postLogout(pair.token);
            }
            (0, http_1.unwrap)(res);
        }
        catch (err) {
            this.options.logger.warn('minibase: logout did not reach the server', err);
        }
    }
    /**
     * Forget the session here only, for when the server already ended it (an account deletion
     * request). The next call that needs a user logs in again.
     */
    forget() {
        this.generation += 1;
        this.inflight = null;
        this.lastFailure = null;
        this.save(null);
        this.emit({ type: 'logout' });
    }
    postLogout(token) {
        return this.http.send({
            method: 'POST',
            url: this.http.url('/api/v1/auth/logout'),
            headers: { Authorization: `Bearer ${token}` },
        });
    }
    /** Join the renewal in progress, or start `run` as the one everybody waits for. */
    flight(run) {
        if (this.inflight)
            return this.inflight;
        const generation = this.generation;
        const flight = run().then(({ session, loggedIn }) => {
            if (generation !== this.generation)
                throw loggedOut();
            this.save(session);
            if (loggedIn)
                this.emit({ type: 'login', user: session.user });
            return session.token;
        }, (err) => {
            if (generation !== this.generation)
                throw loggedOut();
            throw err;
        });
        this.inflight = flight;
        const clear = () => {
            if (this.inflight === flight)
                this.inflight = null;
        };
        flight.then(clear, clear);
        return flight;
    }
    async refreshOrLogin() {
        const stored = this.load();
        if (stored) {
            try {
                const pair = await this.refresh(stored.refreshToken);
                return { session: this.sessionFrom(pair, stored.user), loggedIn: false };
            }
            catch (err) {
                // Refused (spent, revoked, expired, malformed): only a new login helps. Anything else
                // (network, 5xx, 429) is passed on; the refresh token may still be good.
                if (!(err instanceof errors_1.ApiError && err.status >= 400 && err.status < 500 && err.status !== 429)) {
                    throw err;
                }
                this.options.logger.info(`minibase: refresh refused (${err.code}); logging in again`);
            }
        }
        return this.loginWithWx();
    }
    async refresh(refreshToken) {
        const body = { refresh_token: refreshToken };
        const res = await this.http.send({
            method: 'POST',
            url: this.http.url('/api/v1/auth/refresh'),
            body,
            headers: {},
        });
        this.options.logger.debug(`minibase: POST /api/v1/auth/refresh -> ${res.status}`);
        return (0, http_1.unwrap)(res);
    }
    async loginWithWx() {
        const code = this.options.loginCode
            ? await this.options.loginCode()
            : (await (0, wx_1.callWx)((cb) => this.wx.login(cb)))
                .code;
        const body = { code };
        const res = await this.http.send({
            method: 'POST',
            url: this.http.url('/api/v1/auth/login'),
            body,
            headers: {},
        });
        this.options.logger.debug(`minibase: POST /api/v1/auth/login -> ${res.status}`);
        const result = (0, http_1.unwrap)(res);
        return { session: this.sessionFrom(result, result.user), loggedIn: true };
    }
    sessionFrom(pair, user) {
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
    load() {
        if (this.stored === undefined) {
            const value = this.storage.get(STORAGE_KEY);
            this.stored =
                value && typeof value.token === 'string' && typeof value.refreshToken === 'string'
                    ? value
                    : null;
        }
        return this.stored;
    }
    save(session) {
        this.stored = session;
        if (session)
            this.storage.set(STORAGE_KEY, session);
        else
            this.storage.remove(STORAGE_KEY);
    }
    emit(event) {
        for (const listener of this.listeners.slice()) {
            try {
                listener(event);
            }
            catch (err) {
                this.options.logger.error('minibase: a session listener threw', err);
            }
        }
    }
}
exports.Session = Session;
function loggedOut() {
    return new errors_1.MinibaseError('the session ended (logout) while a new token was on its way', {
        code: errors_1.ClientErrorCodes.LoggedOut,
    });
}
