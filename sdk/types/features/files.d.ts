import type { ResponseData } from '../api-types';
import type { Core } from '../core';
export type UploadedFile = ResponseData<'/api/v1/files', 'post'>;
/** Image uploads (`wx.uploadFile` with the user's token). */
export declare class Files {
    private readonly core;
    constructor(core: Core);
    /**
     * Upload one image (JPEG, PNG, WebP or GIF; the server sniffs the bytes) from a local path
     * such as `wx.chooseMedia` gives. Too large: 413 (41300); not an image: 415 (41500).
     */
    upload(filePath: string): Promise<UploadedFile>;
    /** Upload several images, a few at a time; answers them in the order given. */
    uploadAll(filePaths: readonly string[]): Promise<UploadedFile[]>;
}
