/**
 * The `wx` APIs the SDK calls. In a mini-program this is the global `wx`; tests pass a shim.
 * A feature module that needs another API adds its name here (and to the test shim).
 */
export type WxLike = Pick<WechatMiniprogram.Wx, 'request' | 'uploadFile' | 'login' | 'checkSession' | 'getStorageSync' | 'setStorageSync' | 'removeStorageSync' | 'requestSubscribeMessage'> & Partial<Pick<WechatMiniprogram.Wx, 'connectSocket' | 'requestPayment'>>;
/** The global `wx`, when the code runs inside a mini-program. */
export declare function globalWx(): WxLike | undefined;
/** The `success` and `fail` callbacks {@link callWx} hands to a `wx` API. */
export interface WxCallbacks<S> {
    success: (result: S) => void;
    fail: (error: {
        errMsg: string;
        errno?: number;
    }) => void;
}
/**
 * Call a callback-style `wx` API and get a promise:
 * `callWx<LoginSuccessCallbackResult>((cb) => wx.login({ ...cb }))`. Failures become
 * {@link WxApiError}s carrying WeChat's `errMsg` and `errno`. (The callback form works on every
 * base library; the promise form of `wx` APIs does not.)
 */
export declare function callWx<S>(invoke: (callbacks: WxCallbacks<S>) => void): Promise<S>;
