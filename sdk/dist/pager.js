"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Pager = void 0;
/**
 * Walks a keyset-paginated list page by page (infinite scroll): `await pager.next()` loads the
 * next page and appends it to `items`; `done` is true after the last one. Calls made while a page
 * is loading wait for that page instead of loading it twice.
 */
class Pager {
    constructor(fetchPage, limit = 20) {
        this.fetchPage = fetchPage;
        this.limit = limit;
        /** Everything loaded so far, in the server's order. */
        this.items = [];
        /** True once the server said there is no next page. */
        this.done = false;
        this.cursor = null;
        this.loading = null;
        /** Bumped by reset: a page that arrives after it belongs to the old list. */
        this.generation = 0;
    }
    /** Load the next page; answers its items (none once `done`). */
    next() {
        if (this.done)
            return Promise.resolve([]);
        if (!this.loading) {
            const loading = this.load();
            this.loading = loading;
            const clear = () => {
                if (this.loading === loading)
                    this.loading = null;
            };
            loading.then(clear, clear);
        }
        return this.loading;
    }
    /** Forget everything (pull to refresh); the next `next()` loads the first page. */
    reset() {
        this.items.length = 0;
        this.done = false;
        this.cursor = null;
        this.loading = null;
        this.generation += 1;
    }
    async load() {
        var _a;
        const generation = this.generation;
        const query = this.cursor === null ? { limit: this.limit } : { limit: this.limit, cursor: this.cursor };
        const page = await this.fetchPage(query);
        if (generation !== this.generation)
            return page.items;
        this.items.push(...page.items);
        this.cursor = (_a = page.next_cursor) !== null && _a !== void 0 ? _a : null;
        this.done = !this.cursor;
        return page.items;
    }
}
exports.Pager = Pager;
