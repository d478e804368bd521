"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RemoteConfig = void 0;
const http_1 = require("../http");
const STORAGE_KEY = 'config';
/**
 * The config center's public values and the user's feature flags. The last answer is kept (in
 * memory and in storage, so a restarted mini-program has it at once) with its ETag; every
 * {@link RemoteConfig.get} revalidates with `If-None-Match`, which costs a bodiless 304 while
 * nothing changed. Calls made while one is on its way share it.
 */
class RemoteConfig {
    constructor(core) {
        this.core = core;
        this.inflight = null;
        this.cache = core.storage.get(STORAGE_KEY);
        // Flags are per user: a new user must not be shown the last one's.
        core.session.onChange(() => this.clear());
    }
    /**
     * The current configuration. Sends the user's token when signed in (then `_flags` holds the
     * user's flags) but does not log in for it: use {@link RemoteConfig.flags} for flags.
     */
    get() {
        if (!this.inflight) {
            const inflight = this.fetch();
            this.inflight = inflight;
            const clear = () => {
                if (this.inflight === inflight)
                    this.inflight = null;
            };
            inflight.then(clear, clear);
        }
        return this.inflight;
    }
    /** The last configuration received, without asking the server (undefined before the first). */
    cached() {
        var _a;
        return (_a = this.cache) === null || _a === void 0 ? void 0 : _a.config;
    }
    /** One public value, or `fallback` when the key is not set. */
    async value(key, fallback) {
        const config = await this.get();
        return key in config ? config[key] : fallback;
    }
    /** Every feature flag, evaluated for the user (logs in first: flags are per user). */
    async flags() {
        var _a;
        await this.core.session.token();
        return (_a = (await this.get())._flags) !== null && _a !== void 0 ? _a : {};
    }
    /** Whether a feature flag is on for the user (logs in first; false for an unknown flag). */
    async flag(name) {
        return (await this.flags())[name] === true;
    }
    /** Forget the cached copy (the next `get` downloads it whole). */
    clear() {
        this.cache = undefined;
        this.core.storage.remove(STORAGE_KEY);
    }
    async fetch() {
        const cached = this.cache;
        const res = await this.core.send({
            method: 'GET',
            path: '/api/v1/config',
            auth: 'optional',
            headers: cached ? { 'If-None-Match': cached.etag } : {},
        });
        if (res.status === 304 && cached)
            return cached.config;
        const config = (0, http_1.unwrap)(res);
        const etag = res.headers.etag;
        if (etag) {
            this.cache = { etag, config };
            this.core.storage.set(STORAGE_KEY, this.cache);
        }
        return config;
    }
}
exports.RemoteConfig = RemoteConfig;
