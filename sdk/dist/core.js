"use strict";
var __rest = (this && this.__rest) || function (s, e) {
    var t = {};
    for (var p in s) if (Object.prototype.hasOwnProperty.call(s, p) && e.indexOf(p) < 0)
        t[p] = s[p];
    if (s != null && typeof Object.getOwnPropertySymbols === "function")
        for (var i = 0, p = Object.getOwnPropertySymbols(s); i < p.length; i++) {
            if (e.indexOf(p[i]) < 0 && Object.prototype.propertyIsEnumerable.call(s, p[i]))
                t[p[i]] = s[p[i]];
        }
    return t;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.Core = void 0;
exports.fillPath = fillPath;
const errors_1 = require("./errors");
const http_1 = require("./http");
const options_1 = require("./options");
const session_1 = require("./session");
const storage_1 = require("./storage");
const wx_1 = require("./wx");
/**
 * What feature modules are built on: typed, authenticated requests with refresh-and-replay and
 * safe retries; uploads; the session; storage; the options. A new module is a class taking a
 * `Core` (see `features/` and docs/sdk.md).
 */
class Core {
    constructor(options) {
        var _a;
        this.options = (0, options_1.resolveOptions)(options);
        const wxApi = (_a = options.wx) !== null && _a !== void 0 ? _a : (0, wx_1.globalWx)();
        if (!wxApi)
            throw new TypeError('no wx object: run inside a mini-program or pass options.wx');
        this.wx = wxApi;
        this.http = new http_1.Http(this.wx, this.options);
        this.storage = new storage_1.Storage(this.wx, this.options);
        this.session = new session_1.Session(this.http, this.wx, this.storage, this.options);
    }
    /**
     * A typed call: `core.call('get', '/api/v1/posts/{id}', { params: { id: 42 } })` answers the
     * post, typed from the server's spec; errors are thrown as {@link MinibaseError}s.
     */
    async call(method, path, ...[init]) {
        const _a = (init !== null && init !== void 0 ? init : {}), { params, query } = _a, rest = __rest(_a, ["params", "query"]);
        const res = await this.send(Object.assign(Object.assign({}, rest), { query, method: method.toUpperCase(), path: fillPath(path, params) }));
        return (0, http_1.unwrap)(res);
    }
    /** Any request; answers the envelope's `data` (untyped: prefer {@link Core.call}). */
    async request(request) {
        return (0, http_1.unwrap)(await this.send(request));
    }
    /**
     * The exchange under every call: the user's token (logging in when needed), one refresh and
     * replay on a 401 (shared by every request that meets it at once), retries with backoff for
     * requests safe to repeat. Answers a 2xx or 304; throws anything else.
     */
    async send(request) {
        var _a, _b;
        const auth = (_a = request.auth) !== null && _a !== void 0 ? _a : 'user';
        const retryable = (_b = request.retry) !== null && _b !== void 0 ? _b : request.method === 'GET';
        const { retries } = this.options.retry;
        const url = this.http.url(request.path, request.query);
        let attempt = 0;
        let renewed = false;
        for (;;) {
            const token = auth === 'user'
                ? await this.session.token()
                : auth === 'optional'
                    ? this.session.peekToken()
                    : undefined;
            const headers = Object.assign({}, request.headers);
            if (token)
                headers.Authorization = `Bearer ${token}`;
            const started = this.options.now();
            let res;
            try {
                res = await this.http.send({ method: request.method, url, body: request.body, headers });
            }
            catch (err) {
                if (err instanceof errors_1.NetworkError && retryable && attempt < retries) {
                    this.options.logger.warn(`minibase: ${request.method} ${request.path} failed (${err.errMsg}); retrying`);
                    await this.backoff(attempt++);
                    continue;
                }
                throw err;
            }
            this.options.logger.debug(`minibase: ${request.method} ${request.path} -> ${res.status} in ${this.options.now() - started} ms`, res.headers['x-request-id']);
            if (res.status === 401 && token && !renewed) {
                renewed = true;
                await this.session.renew(token, started);
                continue;
            }
            if ((res.status === 502 || res.status === 503) && retryable && attempt < retries) {
                this.options.logger.warn(`minibase: ${request.method} ${request.path} -> ${res.status}; retrying`);
                await this.backoff(attempt++, Number(res.headers['retry-after']));
                continue;
            }
            if ((res.status >= 200 && res.status < 300) || res.status === 304)
                return res;
            throw (0, http_1.errorFrom)(res);
        }
    }
    /**
     * `wx.uploadFile` with the user's token, refreshed and replayed once on a 401. Not retried:
     * an upload that reached the server would be stored twice.
     */
    async upload(upload) {
        const url = this.http.url(upload.path);
        let renewed = false;
        for (;;) {
            const token = await this.session.token();
            const started = this.options.now();
            const res = await this.http.upload({
                url,
                filePath: upload.filePath,
                name: upload.name,
                formData: upload.formData,
                headers: { Authorization: `Bearer ${token}` },
            });
            this.options.logger.debug(`minibase: upload ${upload.path} -> ${res.status}`);
            if (res.status === 401 && !renewed) {
                renewed = true;
                await this.session.renew(token, started);
                continue;
            }
            return (0, http_1.unwrap)(res);
        }
    }
    /** Wait before retry number `attempt` (0-based): exponential, jittered, capped. */
    backoff(attempt, retryAfterSecs) {
        const { baseDelayMs, maxDelayMs } = this.options.retry;
        const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
        let delay = exponential / 2 + (Math.random() * exponential) / 2;
        if (retryAfterSecs !== undefined && Number.isFinite(retryAfterSecs)) {
            delay = Math.min(maxDelayMs, Math.max(delay, retryAfterSecs * 1000));
        }
        return new Promise((resolve) => setTimeout(resolve, delay));
    }
}
exports.Core = Core;
/** `/api/v1/posts/{id}` + `{id: 42}` -> `/api/v1/posts/42`. */
function fillPath(path, params) {
    return path.replace(/\{(\w+)\}/g, (_, name) => {
        const value = params === null || params === void 0 ? void 0 : params[name];
        if (value === undefined || value === null) {
            throw new TypeError(`${path}: the path parameter '${name}' is missing`);
        }
        return encodeURIComponent(String(value));
    });
}
