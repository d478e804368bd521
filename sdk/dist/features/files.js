"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Files = void 0;
/** Uploads at once, at most; wx allows 10 network calls in flight in all. */
const PARALLEL_UPLOADS = 3;
/** Image uploads (`wx.uploadFile` with the user's token). */
class Files {
    constructor(core) {
        this.core = core;
    }
    /**
     * Upload one image (JPEG, PNG, WebP or GIF; the server sniffs the bytes) from a local path
     * such as `wx.chooseMedia` gives. Too large: 413 (41300); not an image: 415 (41500).
     */
    upload(filePath) {
        return this.core.upload({ path: '/api/v1/files', filePath, name: 'file' });
    }
    /** Upload several images, a few at a time; answers them in the order given. */
    async uploadAll(filePaths) {
        const results = new Array(filePaths.length);
        let next = 0;
        const worker = async () => {
            while (next < filePaths.length) {
                const at = next++;
                results[at] = await this.upload(filePaths[at]);
            }
        };
        await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, filePaths.length) }, () => worker()));
        return results;
    }
}
exports.Files = Files;
