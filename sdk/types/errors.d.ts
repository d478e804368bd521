import type { ErrorCode } from './generated/error-codes';
/**
 * Codes of failures that happen on the device, before or instead of an answer from the server.
 * Server codes are positive (see {@link ErrorCodes}); these are negative so they never collide.
 */
export declare const ClientErrorCodes: {
    /** `wx.request` / `wx.uploadFile` failed: no network, DNS, TLS, timeout, domain not whitelisted. */
    readonly Network: -1;
    /** A `wx.*` API failed or the user declined (login, phone number, subscribe messages). */
    readonly Wx: -2;
    /** The server answered something that is not a Minibase envelope (a proxy's error page...). */
    readonly BadResponse: -3;
    /** The session ended (logout) while a call was waiting for a new token. */
    readonly LoggedOut: -4;
};
export type ClientErrorCode = (typeof ClientErrorCodes)[keyof typeof ClientErrorCodes];
/**
 * Every error the SDK throws. Branch on `code`: a server {@link ErrorCode} (e.g.
 * `ErrorCodes.SoldOut`), or one of {@link ClientErrorCodes}.
 */
export declare class MinibaseError extends Error {
    /** The server's stable error code, or a negative {@link ClientErrorCodes} value. */
    readonly code: ErrorCode | ClientErrorCode;
    /** HTTP status of the answer; 0 when there was none. */
    readonly status: number;
    /** The server's request id (quote it when reporting a problem); absent without an answer. */
    readonly requestId?: string;
    /** Seconds to wait, from `Retry-After` (rate limits, 503s). */
    readonly retryAfter?: number;
    constructor(message: string, init: {
        code: ErrorCode | ClientErrorCode;
        status?: number;
        requestId?: string;
        retryAfter?: number;
    });
}
/** The server answered with an error envelope (`{"code":4xxxx,"message",...,"request_id"}`). */
export declare class ApiError extends MinibaseError {
    readonly code: ErrorCode;
    constructor(message: string, init: {
        code: ErrorCode;
        status: number;
        requestId?: string;
        retryAfter?: number;
    });
}
/** No answer: the request failed on the device or on the way (`errMsg` says how). */
export declare class NetworkError extends MinibaseError {
    readonly errMsg: string;
    constructor(errMsg: string);
}
/** A `wx.*` API failed, or the user said no (`errMsg` and `errno` are WeChat's). */
export declare class WxApiError extends MinibaseError {
    readonly errMsg: string;
    readonly errno?: number;
    constructor(errMsg: string, errno?: number);
}
/** True for any error the SDK threw. */
export declare function isMinibaseError(err: unknown): err is MinibaseError;
