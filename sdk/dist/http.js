"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Http = void 0;
exports.unwrap = unwrap;
exports.errorFrom = errorFrom;
const errors_1 = require("./errors");
/** One `wx.request` / `wx.uploadFile`, as a promise. No auth, no retries: see {@link Core}. */
class Http {
    constructor(wx, options) {
        this.wx = wx;
        this.options = options;
    }
    url(path, query) {
        let url = this.options.baseUrl + path;
        const pairs = [];
        for (const [key, value] of Object.entries(query !== null && query !== void 0 ? query : {})) {
            if (value === undefined || value === null)
                continue;
            pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
        }
        if (pairs.length > 0)
            url += (url.includes('?') ? '&' : '?') + pairs.join('&');
        return url;
    }
    send(spec) {
        const headers = Object.assign({}, spec.headers);
        let method = spec.method;
        if (method === 'PATCH') {
            // wx.request has no PATCH; the server routes this pair as one.
            method = 'POST';
            headers['X-HTTP-Method-Override'] = 'PATCH';
        }
        if (spec.body !== undefined)
            headers['Content-Type'] = 'application/json';
        return new Promise((resolve, reject) => {
            this.wx.request({
                url: spec.url,
                method,
                header: headers,
                // wx serializes objects as JSON when the content type says so.
                data: spec.body === undefined ? undefined : spec.body,
                dataType: 'json',
                responseType: 'text',
                timeout: this.options.timeoutMs,
                success: (res) => resolve({
                    status: res.statusCode,
                    data: res.data,
                    headers: lowerCaseKeys(res.header),
                }),
                fail: (err) => reject(new errors_1.NetworkError(err.errMsg)),
            });
        });
    }
    upload(spec) {
        return new Promise((resolve, reject) => {
            var _a, _b;
            this.wx.uploadFile({
                url: spec.url,
                filePath: spec.filePath,
                name: (_a = spec.name) !== null && _a !== void 0 ? _a : 'file',
                header: spec.headers,
                formData: (_b = spec.formData) !== null && _b !== void 0 ? _b : {},
                timeout: this.options.uploadTimeoutMs,
                success: (res) => resolve({
                    status: res.statusCode,
                    // wx.uploadFile hands the body over as text.
                    data: parseJson(res.data),
                    headers: {},
                }),
                fail: (err) => reject(new errors_1.NetworkError(err.errMsg)),
            });
        });
    }
}
exports.Http = Http;
function lowerCaseKeys(headers) {
    const out = {};
    for (const [key, value] of Object.entries(headers !== null && headers !== void 0 ? headers : {}))
        out[key.toLowerCase()] = String(value);
    return out;
}
function parseJson(text) {
    if (typeof text !== 'string')
        return text;
    try {
        return JSON.parse(text);
    }
    catch (_a) {
        return text;
    }
}
function isEnvelope(body) {
    return (typeof body === 'object' &&
        body !== null &&
        typeof body.code === 'number' &&
        typeof body.message === 'string');
}
/** The `data` of a success envelope; anything else becomes the right {@link MinibaseError}. */
function unwrap(res) {
    const body = res.data;
    if (res.status >= 200 && res.status < 300 && isEnvelope(body) && body.code === 0) {
        return body.data;
    }
    throw errorFrom(res);
}
/** The error an answer that is not a success stands for. */
function errorFrom(res) {
    var _a;
    const body = res.data;
    const requestId = (_a = (isEnvelope(body) && typeof body.request_id === 'string' ? body.request_id : undefined)) !== null && _a !== void 0 ? _a : res.headers['x-request-id'];
    const retryAfterHeader = Number(res.headers['retry-after']);
    const retryAfter = Number.isFinite(retryAfterHeader) ? retryAfterHeader : undefined;
    if (isEnvelope(body) && body.code !== 0) {
        return new errors_1.ApiError(body.message, {
            code: body.code,
            status: res.status,
            requestId,
            retryAfter,
        });
    }
    return new errors_1.MinibaseError(`unexpected answer: HTTP ${res.status}`, {
        code: errors_1.ClientErrorCodes.BadResponse,
        status: res.status,
        requestId,
        retryAfter,
    });
}
