import { ApiError, ClientErrorCodes, MinibaseError, NetworkError } from './errors';
import type { ErrorCode } from './generated/error-codes';
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
export class Http {
  constructor(
    private readonly wx: WxLike,
    private readonly options: ResolvedOptions,
  ) {}

  url(path: string, query?: object): string {
    let url = this.options.baseUrl + path;
    const pairs: string[] = [];
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    }
    if (pairs.length > 0) url += (url.includes('?') ? '&' : '?') + pairs.join('&');
    return url;
  }

  send(spec: SendSpec): Promise<RawResponse> {
    const headers = { ...spec.headers };
    let method = spec.method;
    if (method === 'PATCH') {
      // wx.request has no PATCH; the server routes this pair as one.
      method = 'POST';
      headers['X-HTTP-Method-Override'] = 'PATCH';
    }
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    return new Promise((resolve, reject) => {
      this.wx.request({
        url: spec.url,
        method,
        header: headers,
        // wx serializes objects as JSON when the content type says so.
        data: spec.body === undefined ? undefined : (spec.body as WechatMiniprogram.IAnyObject),
        dataType: 'json',
        responseType: 'text',
        timeout: this.options.timeoutMs,
        success: (res) =>
          resolve({
            status: res.statusCode,
            data: res.data,
            headers: lowerCaseKeys(res.header),
          }),
        fail: (err) => reject(new NetworkError(err.errMsg)),
      });
    });
  }

  upload(spec: UploadSpec): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      this.wx.uploadFile({
        url: spec.url,
        filePath: spec.filePath,
        name: spec.name ?? 'file',
        header: spec.headers,
        formData: spec.formData ?? {},
        timeout: this.options.uploadTimeoutMs,
        success: (res) =>
          resolve({
            status: res.statusCode,
            // wx.uploadFile hands the body over as text.
            data: parseJson(res.data),
            headers: {},
          }),
        fail: (err) => reject(new NetworkError(err.errMsg)),
      });
    });
  }
}

function lowerCaseKeys(headers: WechatMiniprogram.IAnyObject | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) out[key.toLowerCase()] = String(value);
  return out;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface Envelope {
  code: number;
  message: string;
  data: unknown;
  request_id?: string;
}

function isEnvelope(body: unknown): body is Envelope {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Envelope).code === 'number' &&
    typeof (body as Envelope).message === 'string'
  );
}

/** The `data` of a success envelope; anything else becomes the right {@link MinibaseError}. */
export function unwrap<T>(res: RawResponse): T {
  const body = res.data;
  if (res.status >= 200 && res.status < 300 && isEnvelope(body) && body.code === 0) {
    return body.data as T;
  }
  throw errorFrom(res);
}

/** The error an answer that is not a success stands for. */
export function errorFrom(res: RawResponse): MinibaseError {
  const body = res.data;
  const requestId =
    (isEnvelope(body) && typeof body.request_id === 'string' ? body.request_id : undefined) ??
    res.headers['x-request-id'];
  const retryAfterHeader = Number(res.headers['retry-after']);
  const retryAfter = Number.isFinite(retryAfterHeader) ? retryAfterHeader : undefined;
  if (isEnvelope(body) && body.code !== 0) {
    return new ApiError(body.message, {
      code: body.code as ErrorCode,
      status: res.status,
      requestId,
      retryAfter,
    });
  }
  return new MinibaseError(`unexpected answer: HTTP ${res.status}`, {
    code: ClientErrorCodes.BadResponse,
    status: res.status,
    requestId,
    retryAfter,
  });
}
