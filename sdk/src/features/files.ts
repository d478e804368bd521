import type { ResponseData } from '../api-types';
import type { Core } from '../core';

export type UploadedFile = ResponseData<'/api/v1/files', 'post'>;

/** Uploads at once, at most; wx allows 10 network calls in flight in all. */
const PARALLEL_UPLOADS = 3;

/** Image uploads (`wx.uploadFile` with the user's token). */
export class Files {
  constructor(private readonly core: Core) {}

  /**
   * Upload one image (JPEG, PNG, WebP or GIF; the server sniffs the bytes) from a local path
   * such as `wx.chooseMedia` gives. Too large: 413 (41300); not an image: 415 (41500).
   */
  upload(filePath: string): Promise<UploadedFile> {
    return this.core.upload<UploadedFile>({ path: '/api/v1/files', filePath, name: 'file' });
  }

  /** Upload several images, a few at a time; answers them in the order given. */
  async uploadAll(filePaths: readonly string[]): Promise<UploadedFile[]> {
    const results: UploadedFile[] = new Array(filePaths.length);
    let next = 0;
    const worker = async () => {
      while (next < filePaths.length) {
        const at = next++;
        results[at] = await this.upload(filePaths[at] as string);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL_UPLOADS, filePaths.length) }, () => worker()),
    );
    return results;
  }
}
