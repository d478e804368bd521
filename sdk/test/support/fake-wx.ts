// An in-memory `wx` for unit tests: requests go to a handler the test writes (a fake server),
// storage is a Map, wx.login hands out numbered codes, and every call is recorded.
import type { WxLike } from '../../src';

export interface FakeRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

export interface FakeResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Fail like wx.request does without an answer (no network, timeout). */
  networkError?: string;
  /** Answer after this many milliseconds. */
  delayMs?: number;
}

export type Handler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export interface FakeWx extends WxLike {
  requests: FakeRequest[];
  storage: Map<string, unknown>;
  logins: number;
  checkSessionOk: boolean;
  checkSessions: number;
  subscribeAnswer: Record<string, string>;
  /** How the payment sheet ends: success, the user's cancel, or another failure. */
  paymentAnswer: 'ok' | 'cancel' | 'fail';
  /** The parameters wx.requestPayment was called with. */
  payments: WechatMiniprogram.RequestPaymentOption[];
  uploads: Array<{ url: string; filePath: string; name: string; headers: Record<string, string> }>;
  setHandler(handler: Handler): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function fakeWx(handler: Handler): FakeWx {
  let current = handler;
  const fake = {
    requests: [] as FakeRequest[],
    storage: new Map<string, unknown>(),
    logins: 0,
    checkSessionOk: true,
    checkSessions: 0,
    subscribeAnswer: {} as Record<string, string>,
    paymentAnswer: 'ok' as FakeWx['paymentAnswer'],
    payments: [] as WechatMiniprogram.RequestPaymentOption[],
    uploads: [] as FakeWx['uploads'],
    setHandler(next: Handler) {
      current = next;
    },

    request(options: WechatMiniprogram.RequestOption) {
      const url = new URL(options.url);
      const request: FakeRequest = {
        method: options.method ?? 'GET',
        url: options.url,
        path: url.pathname,
        query: url.searchParams,
        headers: lowerCase(options.header ?? {}),
        body: options.data,
      };
      fake.requests.push(request);
      void (async () => {
        const res = await current(request);
        if (res.delayMs) await sleep(res.delayMs);
        else await Promise.resolve();
        if (res.networkError) {
          options.fail?.({
            errMsg: `request:fail ${res.networkError}`,
            errno: 600001,
          } as WechatMiniprogram.RequestFailCallbackErr);
          return;
        }
        options.success?.({
          statusCode: res.status ?? 200,
          data: res.body === undefined ? '' : (res.body as WechatMiniprogram.IAnyObject),
          header: res.headers ?? {},
          cookies: [],
          errMsg: 'request:ok',
        } as unknown as WechatMiniprogram.RequestSuccessCallbackResult);
      })();
      return {} as WechatMiniprogram.RequestTask;
    },

    uploadFile(options: WechatMiniprogram.UploadFileOption) {
      const headers = lowerCase(options.header ?? {});
      fake.uploads.push({
        url: options.url,
        filePath: options.filePath,
        name: options.name,
        headers,
      });
      const url = new URL(options.url);
      const request: FakeRequest = {
        method: 'POST',
        url: options.url,
        path: url.pathname,
        query: url.searchParams,
        headers,
        body: { filePath: options.filePath },
      };
      fake.requests.push(request);
      void (async () => {
        const res = await current(request);
        if (res.networkError) {
          options.fail?.({ errMsg: `uploadFile:fail ${res.networkError}` });
          return;
        }
        options.success?.({
          statusCode: res.status ?? 200,
          data: JSON.stringify(res.body),
          errMsg: 'uploadFile:ok',
        } as WechatMiniprogram.UploadFileSuccessCallbackResult);
      })();
      return {} as WechatMiniprogram.UploadTask;
    },

    login(options: WechatMiniprogram.LoginOption = {}) {
      fake.logins += 1;
      const code = `code-${fake.logins}`;
      setTimeout(() => options.success?.({ code, errMsg: 'login:ok' }), 1);
    },

    checkSession(options: WechatMiniprogram.CheckSessionOption = {}) {
      fake.checkSessions += 1;
      setTimeout(() => {
        if (fake.checkSessionOk) options.success?.({ errMsg: 'checkSession:ok' });
        else options.fail?.({ errMsg: 'checkSession:fail session expired' });
      }, 1);
    },

    requestSubscribeMessage(options: WechatMiniprogram.RequestSubscribeMessageOption) {
      setTimeout(
        () =>
          options.success?.({
            errMsg: 'requestSubscribeMessage:ok',
            ...fake.subscribeAnswer,
          } as unknown as WechatMiniprogram.RequestSubscribeMessageSuccessCallbackResult),
        1,
      );
    },

    requestPayment(options: WechatMiniprogram.RequestPaymentOption) {
      const { success, fail, complete, ...params } = options;
      fake.payments.push(params);
      setTimeout(() => {
        if (fake.paymentAnswer === 'ok') success?.({ errMsg: 'requestPayment:ok' });
        else if (fake.paymentAnswer === 'cancel') fail?.({ errMsg: 'requestPayment:fail cancel' });
        else fail?.({ errMsg: 'requestPayment:fail (detail message)' });
      }, 1);
    },

    getStorageSync(key: string) {
      // wx answers '' for a key never set; values come back as copies.
      return fake.storage.has(key) ? structuredClone(fake.storage.get(key)) : '';
    },
    setStorageSync(key: string, value: unknown) {
      fake.storage.set(key, structuredClone(value));
    },
    removeStorageSync(key: string) {
      fake.storage.delete(key);
    },
  };
  return fake as unknown as FakeWx;
}

function lowerCase(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = String(value);
  return out;
}

/** A success envelope. */
export function ok(
  data: unknown,
  status = 200,
  headers: Record<string, string> = {},
): FakeResponse {
  return { status, body: { code: 0, message: 'ok', data }, headers };
}

/** An error envelope, as the server writes it. */
export function fail(status: number, code: number, requestId = 'req-1'): FakeResponse {
  return {
    status,
    body: { code, message: `error ${code}`, data: null, request_id: requestId },
    headers: { 'X-Request-Id': requestId },
  };
}

/** A login answer with `token` (and refresh token `r-<token>`) for user 7. */
export function loginAnswer(token: string, expiresIn = 7200): FakeResponse {
  return ok({
    token,
    expires_in: expiresIn,
    refresh_token: `r-${token}`,
    user: { id: 7, nickname: 'u7', avatar_url: '' },
  });
}

/** The token a request was sent with, or undefined. */
export function bearer(request: FakeRequest): string | undefined {
  return request.headers.authorization?.replace(/^Bearer /, '');
}
