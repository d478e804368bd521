import type { Method, PathParams, PathsFor, QueryParams, RequestBody, ResponseData } from './api-types';
import { Http, type HttpMethod, type RawResponse } from './http';
import { type ClientOptions, type ResolvedOptions } from './options';
import { Session } from './session';
import { Storage } from './storage';
import { type WxLike } from './wx';
/** Who the request is made as. */
export type Auth = 
/** As the user: logs in first when there is no session (the default). */
'user'
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
export type CallInit<P extends PathsFor<M>, M extends Method> = RequestOptions & (PathParams<P, M> extends undefined | never ? {
    params?: undefined;
} : {
    params: PathParams<P, M>;
}) & {
    query?: QueryParams<P, M>;
    body?: RequestBody<P, M>;
};
/** The options of a typed call: required when the path has parameters to fill. */
export type CallArgs<P extends PathsFor<M>, M extends Method> = [PathParams<P, M>] extends [never] ? [init?: CallInit<P, M>] : [init: CallInit<P, M>];
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
export declare class Core {
    readonly options: ResolvedOptions;
    readonly wx: WxLike;
    readonly http: Http;
    readonly storage: Storage;
    readonly session: Session;
    constructor(options: ClientOptions);
    /**
     * A typed call: `core.call('get', '/api/v1/posts/{id}', { params: { id: 42 } })` answers the
     * post, typed from the server's spec; errors are thrown as {@link MinibaseError}s.
     */
    call<M extends Method, P extends PathsFor<M>>(method: M, path: P, ...[init]: CallArgs<P, M>): Promise<ResponseData<P, M>>;
    /** Any request; answers the envelope's `data` (untyped: prefer {@link Core.call}). */
    request<T = unknown>(request: RawRequest): Promise<T>;
    /**
     * The exchange under every call: the user's token (logging in when needed), one refresh and
     * replay on a 401 (shared by every request that meets it at once), retries with backoff for
     * requests safe to repeat. Answers a 2xx or 304; throws anything else.
     */
    send(request: RawRequest): Promise<RawResponse>;
    /**
     * `wx.uploadFile` with the user's token, refreshed and replayed once on a 401. Not retried:
     * an upload that reached the server would be stored twice.
     */
    upload<T = unknown>(upload: {
        path: string;
        filePath: string;
        name?: string;
        formData?: Record<string, string>;
    }): Promise<T>;
    /** Wait before retry number `attempt` (0-based): exponential, jittered, capped. */
    private backoff;
}
/** `/api/v1/posts/{id}` + `{id: 42}` -> `/api/v1/posts/42`. */
export declare function fillPath(path: string, params?: Record<string, unknown>): string;
