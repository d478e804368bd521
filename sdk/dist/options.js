"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.resolveOptions = resolveOptions;
const silent = () => { };
function resolveOptions(options) {
    var _a, _b, _c, _d, _e, _f, _g, _h, _j, _k, _l;
    if (!/^https?:\/\/[^/]+/.test(options.baseUrl)) {
        throw new TypeError(`baseUrl must be an http(s) URL such as https://api.example.com, not '${options.baseUrl}'`);
    }
    const logger = (_a = options.logger) !== null && _a !== void 0 ? _a : {};
    const bind = (name) => {
        const method = logger[name];
        return method ? method.bind(logger) : silent;
    };
    return {
        baseUrl: options.baseUrl.replace(/\/+$/, ''),
        timeoutMs: (_b = options.timeoutMs) !== null && _b !== void 0 ? _b : 10000,
        uploadTimeoutMs: (_c = options.uploadTimeoutMs) !== null && _c !== void 0 ? _c : 60000,
        storagePrefix: (_d = options.storagePrefix) !== null && _d !== void 0 ? _d : 'minibase:',
        logger: { debug: bind('debug'), info: bind('info'), warn: bind('warn'), error: bind('error') },
        retry: {
            retries: (_f = (_e = options.retry) === null || _e === void 0 ? void 0 : _e.retries) !== null && _f !== void 0 ? _f : 2,
            baseDelayMs: (_h = (_g = options.retry) === null || _g === void 0 ? void 0 : _g.baseDelayMs) !== null && _h !== void 0 ? _h : 300,
            maxDelayMs: (_k = (_j = options.retry) === null || _j === void 0 ? void 0 : _j.maxDelayMs) !== null && _k !== void 0 ? _k : 3000,
        },
        now: (_l = options.now) !== null && _l !== void 0 ? _l : Date.now,
        loginCode: options.loginCode,
    };
}
