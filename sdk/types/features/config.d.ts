import type { Core } from '../core';
/**
 * `GET /api/v1/config`: every public key with its JSON value, `_version` (the configuration's
 * revision) and, for a signed-in user, `_flags` (every feature flag, evaluated for them).
 */
export type PublicConfig = Record<string, unknown> & {
    _version: number;
    _flags?: Record<string, boolean>;
};
/**
 * The config center's public values and the user's feature flags. The last answer is kept (in
 * memory and in storage, so a restarted mini-program has it at once) with its ETag; every
 * {@link RemoteConfig.get} revalidates with `If-None-Match`, which costs a bodiless 304 while
 * nothing changed. Calls made while one is on its way share it.
 */
export declare class RemoteConfig {
    private readonly core;
    private cache;
    private inflight;
    constructor(core: Core);
    /**
     * The current configuration. Sends the user's token when signed in (then `_flags` holds the
     * user's flags) but does not log in for it: use {@link RemoteConfig.flags} for flags.
     */
    get(): Promise<PublicConfig>;
    /** The last configuration received, without asking the server (undefined before the first). */
    cached(): PublicConfig | undefined;
    /** One public value, or `fallback` when the key is not set. */
    value<T>(key: string, fallback: T): Promise<T>;
    /** Every feature flag, evaluated for the user (logs in first: flags are per user). */
    flags(): Promise<Record<string, boolean>>;
    /** Whether a feature flag is on for the user (logs in first; false for an unknown flag). */
    flag(name: string): Promise<boolean>;
    /** Forget the cached copy (the next `get` downloads it whole). */
    clear(): void;
    private fetch;
}
