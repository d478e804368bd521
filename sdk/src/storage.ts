import type { ResolvedOptions } from './options';
import type { WxLike } from './wx';

/**
 * The SDK's corner of `wx` storage: every key is prefixed (`minibase:` by default). Storage
 * failures (full, corrupt) are logged and read as "nothing stored", never thrown at callers.
 */
export class Storage {
  constructor(
    private readonly wx: WxLike,
    private readonly options: ResolvedOptions,
  ) {}

  key(name: string): string {
    return this.options.storagePrefix + name;
  }

  get<T>(name: string): T | undefined {
    try {
      const value: unknown = this.wx.getStorageSync(this.key(name));
      // wx answers '' for a key that was never set.
      return value === '' || value === null || value === undefined ? undefined : (value as T);
    } catch (err) {
      this.options.logger.warn(`minibase: cannot read storage key ${this.key(name)}`, err);
      return undefined;
    }
  }

  set(name: string, value: unknown): void {
    try {
      this.wx.setStorageSync(this.key(name), value);
    } catch (err) {
      this.options.logger.warn(`minibase: cannot write storage key ${this.key(name)}`, err);
    }
  }

  remove(name: string): void {
    try {
      this.wx.removeStorageSync(this.key(name));
    } catch (err) {
      this.options.logger.warn(`minibase: cannot remove storage key ${this.key(name)}`, err);
    }
  }
}
