"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.WxApiError = exports.NetworkError = exports.ApiError = exports.MinibaseError = exports.ClientErrorCodes = void 0;
exports.isMinibaseError = isMinibaseError;
/**
 * Codes of failures that happen on the device, before or instead of an answer from the server.
 * Server codes are positive (see {@link ErrorCodes}); these are negative so they never collide.
 */
exports.ClientErrorCodes = {
    /** `wx.request` / `wx.uploadFile` failed: no network, DNS, TLS, timeout, domain not whitelisted. */
    Network: -1,
    /** A `wx.*` API failed or the user declined (login, phone number, subscribe messages). */
    Wx: -2,
    /** The server answered something that is not a Minibase envelope (a proxy's error page...). */
    BadResponse: -3,
    /** The session ended (logout) while a call was waiting for a new token. */
    LoggedOut: -4,
};
/**
 * Every error the SDK throws. Branch on `code`: a server {@link ErrorCode} (e.g.
 * `ErrorCodes.SoldOut`), or one of {@link ClientErrorCodes}.
 */
class MinibaseError extends Error {
    constructor(message, init) {
        var _a;
        super(message);
        this.name = 'MinibaseError';
        this.code = init.code;
        this.status = (_a = init.status) !== null && _a !== void 0 ? _a : 0;
        if (init.requestId !== undefined)
            this.requestId = init.requestId;
        if (init.retryAfter !== undefined)
            this.retryAfter = init.retryAfter;
    }
}
exports.MinibaseError = MinibaseError;
/** The server answered with an error envelope (`{"code":4xxxx,"message",...,"request_id"}`). */
class ApiError extends MinibaseError {
    constructor(message, init) {
        super(message, init);
        this.name = 'ApiError';
    }
}
exports.ApiError = ApiError;
/** No answer: the request failed on the device or on the way (`errMsg` says how). */
class NetworkError extends MinibaseError {
    constructor(errMsg) {
        super(errMsg, { code: exports.ClientErrorCodes.Network });
        this.name = 'NetworkError';
        this.errMsg = errMsg;
    }
}
exports.NetworkError = NetworkError;
/** A `wx.*` API failed, or the user said no (`errMsg` and `errno` are WeChat's). */
class WxApiError extends MinibaseError {
    constructor(errMsg, errno) {
        super(errMsg, { code: exports.ClientErrorCodes.Wx });
        this.name = 'WxApiError';
        this.errMsg = errMsg;
        if (errno !== undefined)
            this.errno = errno;
    }
}
exports.WxApiError = WxApiError;
/** True for any error the SDK threw. */
function isMinibaseError(err) {
    return err instanceof MinibaseError;
}
