import type { ResolvedOptions } from './options';
import type { WxLike } from './wx';
/**
 * The SDK's corner of `wx` storage: every key is prefixed (`minibase:` by default). Storage
 * failures (full, corrupt) are logged and read as "nothing stored", never thrown at callers.
 */
export declare class Storage {
    private readonly wx;
    private readonly options;
    constructor(wx: WxLike, options: ResolvedOptions);
    key(name: string): string;
    get<T>(name: string): T | undefined;
    set(name: string, value: unknown): void;
    remove(name: string): void;
}
