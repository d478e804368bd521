import type { Core } from '../core';
import { unwrap } from '../http';

/**
 * `GET /api/v1/config`: every public key with its JSON value, `_version` (the configuration's
 * revision) and, for a signed-in user, `_flags` (every feature flag, evaluated for them).
 */
export type PublicConfig = Record<string, unknown> & {
  _version: number;
  _flags?: Record<string, boolean>;
};

interface CachedConfig {
  etag: string;
  config: PublicConfig;
}

const STORAGE_KEY = 'config';

/**
 * The config center's public values and the user's feature flags. The last answer is kept (in
 * memory and in storage, so a restarted mini-program has it at once) with its ETag; every
 * {@link RemoteConfig.get} revalidates with `If-None-Match`, which costs a bodiless 304 while
 * nothing changed. Calls made while one is on its way share it.
 */
export class RemoteConfig {
  private cache: CachedConfig | undefined;
  private inflight: Promise<PublicConfig> | null = null;

  constructor(private readonly core: Core) {
    this.cache = core.storage.get<CachedConfig>(STORAGE_KEY);
    // Flags are per user: a new user must not be shown the last one's.
    core.session.onChange(() => this.clear());
  }

  /**
   * The current configuration. Sends the user's token when signed in (then `_flags` holds the
   * user's flags) but does not log in for it: use {@link RemoteConfig.flags} for flags.
   */
  get(): Promise<PublicConfig> {
    if (!this.inflight) {
      const inflight = this.fetch();
      this.inflight = inflight;
      const clear = () => {
        if (this.inflight === inflight) this.inflight = null;
      };
      inflight.then(clear, clear);
    }
    return this.inflight;
  }

  /** The last configuration received, without asking the server (undefined before the first). */
  cached(): PublicConfig | undefined {
    return this.cache?.config;
  }

  /** One public value, or `fallback` when the key is not set. */
  async value<T>(key: string, fallback: T): Promise<T> {
    const config = await this.get();
    return key in config ? (config[key] as T) : fallback;
  }

  /** Every feature flag, evaluated for the user (logs in first: flags are per user). */
  async flags(): Promise<Record<string, boolean>> {
    await this.core.session.token();
    return (await this.get())._flags ?? {};
  }

  /** Whether a feature flag is on for the user (logs in first; false for an unknown flag). */
  async flag(name: string): Promise<boolean> {
    return (await this.flags())[name] === true;
  }

  /** Forget the cached copy (the next `get` downloads it whole). */
  clear(): void {
    this.cache = undefined;
    this.core.storage.remove(STORAGE_KEY);
  }

  private async fetch(): Promise<PublicConfig> {
    const cached = this.cache;
    const res = await this.core.send({
      method: 'GET',
      path: '/api/v1/config',
      auth: 'optional',
      headers: cached ? { 'If-None-Match': cached.etag } : {},
    });
    if (res.status === 304 && cached) return cached.config;
    const config = unwrap<PublicConfig>(res);
    const etag = res.headers.etag;
    if (etag) {
      this.cache = { etag, config };
      this.core.storage.set(STORAGE_KEY, this.cache);
    }
    return config;
  }
}
