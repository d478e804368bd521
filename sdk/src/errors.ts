import type { ErrorCode } from './generated/error-codes';

/**
 * Codes of failures that happen on the device, before or instead of an answer from the server.
 * Server codes are positive (see {@link ErrorCodes}); these are negative so they never collide.
 */
export const ClientErrorCodes = {
  /** `wx.request` / `wx.uploadFile` failed: no network, DNS, TLS, timeout, domain not whitelisted. */
  Network: -1,
  /** A `wx.*` API failed or the user declined (login, phone number, subscribe messages). */
  Wx: -2,
  /** The server answered something that is not a Minibase envelope (a proxy's error page...). */
  BadResponse: -3,
  /** The session ended (logout) while a call was waiting for a new token. */
  LoggedOut: -4,
} as const;

export type ClientErrorCode = (typeof ClientErrorCodes)[keyof typeof ClientErrorCodes];

/**
 * Every error the SDK throws. Branch on `code`: a server {@link ErrorCode} (e.g.
 * `ErrorCodes.SoldOut`), or one of {@link ClientErrorCodes}.
 */
export class MinibaseError extends Error {
  /** The server's stable error code, or a negative {@link ClientErrorCodes} value. */
  readonly code: ErrorCode | ClientErrorCode;
  /** HTTP status of the answer; 0 when there was none. */
  readonly status: number;
  /** The server's request id (quote it when reporting a problem); absent without an answer. */
  readonly requestId?: string;
  /** Seconds to wait, from `Retry-After` (rate limits, 503s). */
  readonly retryAfter?: number;

  constructor(
    message: string,
    init: {
      code: ErrorCode | ClientErrorCode;
      status?: number;
      requestId?: string;
      retryAfter?: number;
    },
  ) {
    super(message);
    this.name = 'MinibaseError';
    this.code = init.code;
    this.status = init.status ?? 0;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
  }
}

/** The server answered with an error envelope (`{"code":4xxxx,"message",...,"request_id"}`). */
export class ApiError extends MinibaseError {
  declare readonly code: ErrorCode;
  constructor(
    message: string,
    init: { code: ErrorCode; status: number; requestId?: string; retryAfter?: number },
  ) {
    super(message, init);
    this.name = 'ApiError';
  }
}

/** No answer: the request failed on the device or on the way (`errMsg` says how). */
export class NetworkError extends MinibaseError {
  readonly errMsg: string;
  constructor(errMsg: string) {
    super(errMsg, { code: ClientErrorCodes.Network });
    this.name = 'NetworkError';
    this.errMsg = errMsg;
  }
}

/** A `wx.*` API failed, or the user said no (`errMsg` and `errno` are WeChat's). */
export class WxApiError extends MinibaseError {
  readonly errMsg: string;
  readonly errno?: number;
  constructor(errMsg: string, errno?: number) {
    super(errMsg, { code: ClientErrorCodes.Wx });
    this.name = 'WxApiError';
    this.errMsg = errMsg;
    if (errno !== undefined) this.errno = errno;
  }
}

/** True for any error the SDK threw. */
export function isMinibaseError(err: unknown): err is MinibaseError {
  return err instanceof MinibaseError;
}
