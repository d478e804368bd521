import type { RequestBody, ResponseData } from '../api-types';
import type { Core } from '../core';
import type { Files } from './files';
export type Me = ResponseData<'/api/v1/users/me', 'get'>;
export type ProfileChanges = RequestBody<'/api/v1/users/me', 'patch'>;
export type PhoneNumber = ResponseData<'/api/v1/users/me/phone', 'post'>;
export type EncryptedData = RequestBody<'/api/v1/users/me/open-data', 'post'>;
export type SignedPayload = RequestBody<'/api/v1/users/me/verify-signature', 'post'>;
export type SignatureCheck = ResponseData<'/api/v1/users/me/verify-signature', 'post'>;
export type DataExport = ResponseData<'/api/v1/users/me/export', 'get'>;
export type DeletionScheduled = ResponseData<'/api/v1/users/me/deletion', 'post'>;
/** What `<button open-type="getPhoneNumber" bindgetphonenumber="...">` hands its handler. */
export interface PhoneNumberEvent {
    detail: {
        code?: string;
        errMsg?: string;
        errno?: number;
    };
}
/** The signed-in user: profile, avatar, phone number, WeChat open data. */
export declare class Users {
    private readonly core;
    private readonly files;
    constructor(core: Core, files: Files);
    /** The caller's profile (logs in first when needed). */
    me(): Promise<Me>;
    /** Change the nickname (1-32 characters) and/or the avatar URL. */
    updateMe(changes: ProfileChanges): Promise<Me>;
    /**
     * Upload an avatar (the temporary path `<button open-type="chooseAvatar">` gives) and make it
     * the profile's.
     */
    setAvatar(tempFilePath: string): Promise<Me>;
    /**
     * Bind the phone number the user agreed to share: pass the `getPhoneNumber` button's event
     * (or its `detail.code`). A refusal is a {@link WxApiError}. Checks the WeChat session first.
     */
    bindPhone(event: PhoneNumberEvent | string): Promise<PhoneNumber>;
    /**
     * Decrypt open data (`wx.getWeRunData`, share info) with the user's session key on the server.
     * Checks the WeChat session first: the data must be encrypted with the key the server holds.
     */
    decryptOpenData<T = unknown>(data: EncryptedData): Promise<T>;
    /**
     * Everything the server holds about the user, as one JSON document (profile, uploads, posts,
     * comments, orders, payments, approvals, owned collection records, ...), for a PIPL data
     * request.
     */
    exportData(): Promise<DataExport>;
    /**
     * Ask for the account to be deleted (注销). The server ends every session at once, and the
     * session is forgotten here. Logging in again within the grace period (15 days by default)
     * cancels the request, so call this when the user has confirmed, and do not log in again
     * unless they want the account back; after it, their data is erased.
     */
    requestDeletion(): Promise<DeletionScheduled>;
    /** Check a login-state signature (or the legacy raw-data one) against the session key. */
    verifySignature(payload: SignedPayload): Promise<SignatureCheck>;
}
