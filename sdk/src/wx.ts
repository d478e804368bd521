import { WxApiError } from './errors';

/**
 * The `wx` APIs the SDK calls. In a mini-program this is the global `wx`; tests pass a shim.
 * A feature module that needs another API adds its name here (and to the test shim).
 */
export type WxLike = Pick<
  WechatMiniprogram.Wx,
  | 'request'
  | 'uploadFile'
  | 'login'
  | 'checkSession'
  | 'getStorageSync'
  | 'setStorageSync'
  | 'removeStorageSync'
  | 'requestSubscribeMessage'
> &
  // Only the realtime client needs sockets, and only payments the payment sheet; shims without
  // them still run everything else.
  Partial<Pick<WechatMiniprogram.Wx, 'connectSocket' | 'requestPayment'>>;

/** The global `wx`, when the code runs inside a mini-program. */
export function globalWx(): WxLike | undefined {
  return typeof wx === 'undefined' ? undefined : wx;
}

/** The `success` and `fail` callbacks {@link callWx} hands to a `wx` API. */
export interface WxCallbacks<S> {
  success: (result: S) => void;
  fail: (error: { errMsg: string; errno?: number }) => void;
}

/**
 * Call a callback-style `wx` API and get a promise:
 * `callWx<LoginSuccessCallbackResult>((cb) => wx.login({ ...cb }))`. Failures become
 * {@link WxApiError}s carrying WeChat's `errMsg` and `errno`. (The callback form works on every
 * base library; the promise form of `wx` APIs does not.)
 */
export function callWx<S>(invoke: (callbacks: WxCallbacks<S>) => void): Promise<S> {
  return new Promise<S>((resolve, reject) => {
    try {
      invoke({
        success: resolve,
        fail: (error) => reject(new WxApiError(error.errMsg, error.errno)),
      });
    } catch (err) {
      reject(new WxApiError(err instanceof Error ? err.message : String(err)));
    }
  });
}
