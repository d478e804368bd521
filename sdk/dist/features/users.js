"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Users = void 0;
const errors_1 = require("../errors");
/** The signed-in user: profile, avatar, phone number, WeChat open data. */
class Users {
    constructor(core, files) {
        this.core = core;
        this.files = files;
    }
    /** The caller's profile (logs in first when needed). */
    me() {
        return this.core.call('get', '/api/v1/users/me');
    }
    /** Change the nickname (1-32 characters) and/or the avatar URL. */
    updateMe(changes) {
        return this.core.call('patch', '/api/v1/users/me', { body: changes });
    }
    /**
     * Upload an avatar (the temporary path `<button open-type="chooseAvatar">` gives) and make it
     * the profile's.
     */
    async setAvatar(tempFilePath) {
        const file = await this.files.upload(tempFilePath);
        return this.updateMe({ avatar_url: file.url });
    }
    /**
     * Bind the phone number the user agreed to share: pass the `getPhoneNumber` button's event
     * (or its `detail.code`). A refusal is a {@link WxApiError}. Checks the WeChat session first.
     */
    async bindPhone(event) {
        var _a;
        const code = typeof event === 'string' ? event : event.detail.code;
        if (!code) {
            const detail = typeof event === 'string' ? undefined : event.detail;
            throw new errors_1.WxApiError((_a = detail === null || detail === void 0 ? void 0 : detail.errMsg) !== null && _a !== void 0 ? _a : 'getPhoneNumber:fail no code', detail === null || detail === void 0 ? void 0 : detail.errno);
        }
        await this.core.session.ensureLiveSessionKey();
        return this.core.call('post', '/api/v1/users/me/phone', { body: { code } });
    }
    /**
     * Decrypt open data (`wx.getWeRunData`, share info) with the user's session key on the server.
     * Checks the WeChat session first: the data must be encrypted with the key the server holds.
     */
    async decryptOpenData(data) {
        await this.core.session.ensureLiveSessionKey();
        return this.core.request({
            method: 'POST',
            path: '/api/v1/users/me/open-data',
            body: data,
        });
    }
    /**
     * Everything the server holds about the user, as one JSON document (profile, uploads, posts,
     * comments, orders, payments, approvals, owned collection records, ...), for a PIPL data
     * request.
     */
    exportData() {
        return this.core.call('get', '/api/v1/users/me/export');
    }
    /**
     * Ask for the account to be deleted (注销). The server ends every session at once, and the
     * session is forgotten here. Logging in again within the grace period (15 days by default)
     * cancels the request, so call this when the user has confirmed, and do not log in again
     * unless they want the account back; after it, their data is erased.
     */
    async requestDeletion() {
        const scheduled = await this.core.call('post', '/api/v1/users/me/deletion');
        this.core.session.forget();
        return scheduled;
    }
    /** Check a login-state signature (or the legacy raw-data one) against the session key. */
    async verifySignature(payload) {
        await this.core.session.ensureLiveSessionKey();
        return this.core.call('post', '/api/v1/users/me/verify-signature', { body: payload });
    }
}
exports.Users = Users;
