"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.globalWx = globalWx;
exports.callWx = callWx;
const errors_1 = require("./errors");
/** The global `wx`, when the code runs inside a mini-program. */
function globalWx() {
    return typeof wx === 'undefined' ? undefined : wx;
}
/**
 * Call a callback-style `wx` API and get a promise:
 * `callWx<LoginSuccessCallbackResult>((cb) => wx.login({ ...cb }))`. Failures become
 * {@link WxApiError}s carrying WeChat's `errMsg` and `errno`. (The callback form works on every
 * base library; the promise form of `wx` APIs does not.)
 */
function callWx(invoke) {
    return new Promise((resolve, reject) => {
        try {
            invoke({
                success: resolve,
                fail: (error) => reject(new errors_1.WxApiError(error.errMsg, error.errno)),
            });
        }
        catch (err) {
            reject(new errors_1.WxApiError(err instanceof Error ? err.message : String(err)));
        }
    });
}
