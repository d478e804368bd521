import type { RealtimeOptions } from './features/realtime';
import type { WxLike } from './wx';

/** Where the SDK writes what it does. `console` fits; so does any object with these methods. */
export interface Logger {
  debug?(message: string, ...details: unknown[]): void;
  info?(message: string, ...details: unknown[]): void;
  warn?(message: string, ...details: unknown[]): void;
  error?(message: string, ...details: unknown[]): void;
}

/** How GETs (and other requests that are safe to repeat) are retried. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2; 0 turns retries off). */
  retries?: number;
  /** Delay before the first retry, doubled for each next one (default 300 ms). */
  baseDelayMs?: number;
  /** Longest delay between two attempts (default 3000 ms). */
  maxDelayMs?: number;
}

export interface ClientOptions {
  /** The server, without a trailing slash: `https://api.example.com`. */
  baseUrl: string;
  /** Timeout of one `wx.request` (default 10000 ms). */
  timeoutMs?: number;
  /** Timeout of one `wx.uploadFile` (default 60000 ms). */
  uploadTimeoutMs?: number;
  /** Prefix of every storage key the SDK writes (default `minibase:`). */
  storagePrefix?: string;
  /** Where to log requests, retries and session changes; tokens are never logged. */
  logger?: Logger;
  retry?: RetryOptions;
  /** The `wx` object (default: the global one). Tests pass a shim. */
  wx?: WxLike;
  /** The clock, in milliseconds (default `Date.now`). */
  now?: () => number;
  /**
   * Where login codes come from (default `wx.login`). For development against the mock WeChat,
   * where a code `alice:1` logs in the user `alice`: a demo can switch between test users.
   */
  loginCode?: () => Promise<string>;
  /** Heartbeat and reconnect settings of `client.realtime`. */
  realtime?: RealtimeOptions;
}

/** {@link ClientOptions} with every default applied. */
export interface ResolvedOptions {
  baseUrl: string;
  timeoutMs: number;
  uploadTimeoutMs: number;
  storagePrefix: string;
  logger: Required<Logger>;
  retry: Required<RetryOptions>;
  now: () => number;
  loginCode?: () => Promise<string>;
}

const silent = () => {};

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  if (!/^https?:\/\/[^/]+/.test(options.baseUrl)) {
    throw new TypeError(
      `baseUrl must be an http(s) URL such as https://api.example.com, not '${options.baseUrl}'`,
    );
  }
  const logger = options.logger ?? {};
  const bind = (name: keyof Logger) => {
    const method = logger[name];
    return method ? method.bind(logger) : silent;
  };
  return {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    timeoutMs: options.timeoutMs ?? 10_000,
    uploadTimeoutMs: options.uploadTimeoutMs ?? 60_000,
    storagePrefix: options.storagePrefix ?? 'minibase:',
    logger: { debug: bind('debug'), info: bind('info'), warn: bind('warn'), error: bind('error') },
    retry: {
      retries: options.retry?.retries ?? 2,
      baseDelayMs: options.retry?.baseDelayMs ?? 300,
      maxDelayMs: options.retry?.maxDelayMs ?? 3000,
    },
    now: options.now ?? Date.now,
    loginCode: options.loginCode,
  };
}
