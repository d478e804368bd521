// The console's one way to the server: same-origin fetch with the session cookie (HttpOnly, so
// never visible here), the CSRF token on every state-changing request, and the envelope
// unwrapped. Paths, bodies and answers are typed from the generated OpenAPI types.
import type { components, paths } from './generated/api';

export type Schemas = components['schemas'];
type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type SuccessResponse<O> = O extends { responses: infer R }
  ? R extends { 200: infer A }
    ? A
    : R extends { 201: infer B }
      ? B
      : never
  : never;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
/** The `data` of an operation's success envelope. */
export type DataOf<P extends keyof paths, M extends Method> =
  JsonOf<SuccessResponse<Operation<P, M>>> extends { data: infer D } ? D : never;
/** An operation's JSON request body. */
export type BodyOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : never;
type QueryOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? Q : never;

/** An error envelope from the server (or a network failure, code 0). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: number,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const CSRF_COOKIE = 'mb_csrf';

/** The CSRF token the server set beside the session cookie (double submit). */
export function csrfToken(cookies: string = document.cookie): string | undefined {
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === CSRF_COOKIE) return rest.join('=') || undefined;
  }
  return undefined;
}

/** Fill `{name}` segments of an OpenAPI path. */
export function fillPath(path: string, params: Record<string, string | number> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`path parameter ${name} is missing`);
    return encodeURIComponent(String(value));
  });
}

export function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Called when the server says the session is gone (401), so the app can go to sign-in. */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

export interface CallOptions<P extends keyof paths, M extends Method> {
  path?: Record<string, string | number>;
  query?: QueryOf<P, M> | Record<string, unknown>;
  body?: BodyOf<P, M>;
}

export async function call<P extends keyof paths, M extends Method>(
  method: M,
  path: P,
  options: CallOptions<P, M> = {},
): Promise<DataOf<P, M>> {
  const url =
    fillPath(path as string, options.path) +
    queryString(options.query as Record<string, unknown> | undefined);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'get') {
    const token = csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: method.toUpperCase(),
      headers,
      body,
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new ApiError(err instanceof Error ? err.message : String(err), 0, 0);
  }
  const text = await response.text();
  let json: { code?: number; message?: string; data?: unknown; request_id?: string } = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text };
  }
  if (!response.ok || (json.code !== undefined && json.code !== 0)) {
    if (response.status === 401) onUnauthenticated();
    throw new ApiError(
      json.message ?? response.statusText,
      response.status,
      json.code ?? 0,
      json.request_id,
    );
  }
  return json.data as DataOf<P, M>;
}
