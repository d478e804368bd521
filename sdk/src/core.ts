import type {
  Method,
  PathParams,
  PathsFor,
  QueryParams,
  RequestBody,
  ResponseData,
} from './api-types';
import { NetworkError } from './errors';
import { errorFrom, Http, type HttpMethod, type RawResponse, unwrap } from './http';
import { type ClientOptions, type ResolvedOptions, resolveOptions } from './options';
import { Session } from './session';
import { Storage } from './storage';
import { globalWx, type WxLike } from './wx';

/** Who the request is made as. */
export type Auth =
  /** As the user: logs in first when there is no session (the default). */
  | 'user'
  /** As the user when a session exists, anonymously otherwise (no login just for this). */
  | 'optional'
  /** Anonymously. */
  | 'none';

/** What every request can say besides its path and body. */
export interface RequestOptions {
  auth?: Auth;
  /**
   * Retry on network errors, 502 and 503 (with backoff)? Default: true for GET, false otherwise.
   * Only set it for a request the server treats as idempotent (an `Idempotency-Key`).
   */
  retry?: boolean;
  headers?: Record<string, string>;
}

/** Path parameters, query and body of a typed call, as the spec describes them. */
export type CallInit<P extends PathsFor<M>, M extends Method> = RequestOptions &
  (PathParams<P, M> extends undefined | never
    ? { params?: undefined }
    : { params: PathParams<P, M> }) & {
    query?: QueryParams<P, M>;
    body?: RequestBody<P, M>;
  };

/** The options of a typed call: required when the path has parameters to fill. */
export type CallArgs<P extends PathsFor<M>, M extends Method> = [PathParams<P, M>] extends [never]
  ? [init?: CallInit<P, M>]
  : [init: CallInit<P, M>];

/** A request to any path (one the spec does not know: a route your own server adds). */
export interface RawRequest extends RequestOptions {
  method: HttpMethod;
  /** `/api/v1/...`, with path parameters already in. */
  path: string;
  query?: object;
  body?: unknown;
}

/**
 * What feature modules are built on: typed, authenticated requests with refresh-and-replay and
 * safe retries; uploads; the session; storage; the options. A new module is a class taking a
 * `Core` (see `features/` and docs/sdk.md).
 */
export class Core {
  readonly options: ResolvedOptions;
  readonly wx: WxLike;
  readonly http: Http;
  readonly storage: Storage;
  readonly session: Session;

  constructor(options: ClientOptions) {
    this.options = resolveOptions(options);
    const wxApi = options.wx ?? globalWx();
    if (!wxApi) throw new TypeError('no wx object: run inside a mini-program or pass options.wx');
    this.wx = wxApi;
    this.http = new Http(this.wx, this.options);
    this.storage = new Storage(this.wx, this.options);
    this.session = new Session(this.http, this.wx, this.storage, this.options);
  }

  /**
   * A typed call: `core.call('get', '/api/v1/posts/{id}', { params: { id: 42 } })` answers the
   * post, typed from the server's spec; errors are thrown as {@link MinibaseError}s.
   */
  async call<M extends Method, P extends PathsFor<M>>(
    method: M,
    path: P,
    ...[init]: CallArgs<P, M>
  ): Promise<ResponseData<P, M>> {
    const { params, query, ...rest } = (init ?? {}) as RequestOptions & {
      params?: Record<string, unknown>;
      query?: object;
      body?: unknown;
    };
    const res = await this.send({
      ...rest,
      query,
      method: method.toUpperCase() as HttpMethod,
      path: fillPath(path, params),
    });
    return unwrap<ResponseData<P, M>>(res);
  }

  /** Any request; answers the envelope's `data` (untyped: prefer {@link Core.call}). */
  async request<T = unknown>(request: RawRequest): Promise<T> {
    return unwrap<T>(await this.send(request));
  }

  /**
   * The exchange under every call: the user's token (logging in when needed), one refresh and
   * replay on a 401 (shared by every request that meets it at once), retries with backoff for
   * requests safe to repeat. Answers a 2xx or 304; throws anything else.
   */
  async send(request: RawRequest): Promise<RawResponse> {
    const auth = request.auth ?? 'user';
    const retryable = request.retry ?? request.method === 'GET';
    const { retries } = this.options.retry;
    const url = this.http.url(request.path, request.query);
    let attempt = 0;
    let renewed = false;
    for (;;) {
      const token =
        auth === 'user'
          ? await this.session.token()
          : auth === 'optional'
            ? this.session.peekToken()
            : undefined;
      const headers: Record<string, string> = { ...request.headers };
      if (token) headers.Authorization = `Bearer ${token}`;
      const started = this.options.now();
      let res: RawResponse;
      try {
        res = await this.http.send({ method: request.method, url, body: request.body, headers });
      } catch (err) {
        if (err instanceof NetworkError && retryable && attempt < retries) {
          this.options.logger.warn(
            `minibase: ${request.method} ${request.path} failed (${err.errMsg}); retrying`,
          );
          await this.backoff(attempt++);
          continue;
        }
        throw err;
      }
      this.options.logger.debug(
        `minibase: ${request.method} ${request.path} -> ${res.status} in ${this.options.now() - started} ms`,
        res.headers['x-request-id'],
      );
      if (res.status === 401 && token && !renewed) {
        renewed = true;
        await this.session.renew(token, started);
        continue;
      }
      if ((res.status === 502 || res.status === 503) && retryable && attempt < retries) {
        this.options.logger.warn(
          `minibase: ${request.method} ${request.path} -> ${res.status}; retrying`,
        );
        await this.backoff(attempt++, Number(res.headers['retry-after']));
        continue;
      }
      if ((res.status >= 200 && res.status < 300) || res.status === 304) return res;
      throw errorFrom(res);
    }
  }

  /**
   * `wx.uploadFile` with the user's token, refreshed and replayed once on a 401. Not retried:
   * an upload that reached the server would be stored twice.
   */
  async upload<T = unknown>(upload: {
    path: string;
    filePath: string;
    name?: string;
    formData?: Record<string, string>;
  }): Promise<T> {
    const url = this.http.url(upload.path);
    let renewed = false;
    for (;;) {
      const token = await this.session.token();
      const started = this.options.now();
      const res = await this.http.upload({
        url,
        filePath: upload.filePath,
        name: upload.name,
        formData: upload.formData,
        headers: { Authorization: `Bearer ${token}` },
      });
      this.options.logger.debug(`minibase: upload ${upload.path} -> ${res.status}`);
      if (res.status === 401 && !renewed) {
        renewed = true;
        await this.session.renew(token, started);
        continue;
      }
      return unwrap<T>(res);
    }
  }

  /** Wait before retry number `attempt` (0-based): exponential, jittered, capped. */
  private backoff(attempt: number, retryAfterSecs?: number): Promise<void> {
    const { baseDelayMs, maxDelayMs } = this.options.retry;
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    let delay = exponential / 2 + (Math.random() * exponential) / 2;
    if (retryAfterSecs !== undefined && Number.isFinite(retryAfterSecs)) {
      delay = Math.min(maxDelayMs, Math.max(delay, retryAfterSecs * 1000));
    }
    return new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** `/api/v1/posts/{id}` + `{id: 42}` -> `/api/v1/posts/42`. */
export function fillPath(path: string, params?: Record<string, unknown>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null) {
      throw new TypeError(`${path}: the path parameter '${name}' is missing`);
    }
    return encodeURIComponent(String(value));
  });
}
