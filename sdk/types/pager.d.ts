import type { Page, PageQuery } from './api-types';
/**
 * Walks a keyset-paginated list page by page (infinite scroll): `await pager.next()` loads the
 * next page and appends it to `items`; `done` is true after the last one. Calls made while a page
 * is loading wait for that page instead of loading it twice.
 */
export declare class Pager<T> {
    private readonly fetchPage;
    private readonly limit;
    /** Everything loaded so far, in the server's order. */
    readonly items: T[];
    /** True once the server said there is no next page. */
    done: boolean;
    private cursor;
    private loading;
    /** Bumped by reset: a page that arrives after it belongs to the old list. */
    private generation;
    constructor(fetchPage: (query: PageQuery) => Promise<Page<T>>, limit?: number);
    /** Load the next page; answers its items (none once `done`). */
    next(): Promise<T[]>;
    /** Forget everything (pull to refresh); the next `next()` loads the first page. */
    reset(): void;
    private load;
}
