import { MinibaseError } from './errors';
import type { ResolvedOptions } from './options';
import type { WxLike } from './wx';
/** An answer as `wx.request` gives it. */
export interface RawResponse {
    status: number;
    /** Parsed JSON when the body was JSON; otherwise the text. */
    data: unknown;
    headers: Record<string, string>;
}
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export interface SendSpec {
    method: HttpMethod;
    url: string;
    body?: unknown;
    headers: Record<string, string>;
}
export interface UploadSpec {
    url: string;
    filePath: string;
    /** The multipart field name (default `file`). */
    name?: string;
    formData?: Record<string, string>;
    headers: Record<string, string>;
}
/** One `wx.request` / `wx.uploadFile`, as a promise. No auth, no retries: see {@link Core}. */
export declare class Http {
    private readonly wx;
    private readonly options;
    constructor(wx: WxLike, options: ResolvedOptions);
    url(path: string, query?: object): string;
    send(spec: SendSpec): Promise<RawResponse>;
    upload(spec: UploadSpec): Promise<RawResponse>;
}
/** The `data` of a success envelope; anything else becomes the right {@link MinibaseError}. */
export declare function unwrap<T>(res: RawResponse): T;
/** The error an answer that is not a success stands for. */
export declare function errorFrom(res: RawResponse): MinibaseError;
