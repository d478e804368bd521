import type { Page, PageQuery } from './api-types';

/**
 * Walks a keyset-paginated list page by page (infinite scroll): `await pager.next()` loads the
 * next page and appends it to `items`; `done` is true after the last one. Calls made while a page
 * is loading wait for that page instead of loading it twice.
 */
export class Pager<T> {
  /** Everything loaded so far, in the server's order. */
  readonly items: T[] = [];
  /** True once the server said there is no next page. */
  done = false;
  private cursor: string | null = null;
  private loading: Promise<T[]> | null = null;
  /** Bumped by reset: a page that arrives after it belongs to the old list. */
  private generation = 0;

  constructor(
    private readonly fetchPage: (query: PageQuery) => Promise<Page<T>>,
    private readonly limit = 20,
  ) {}

  /** Load the next page; answers its items (none once `done`). */
  next(): Promise<T[]> {
    if (this.done) return Promise.resolve([]);
    if (!this.loading) {
      const loading = this.load();
      this.loading = loading;
      const clear = () => {
        if (this.loading === loading) this.loading = null;
      };
      loading.then(clear, clear);
    }
    return this.loading;
  }

  /** Forget everything (pull to refresh); the next `next()` loads the first page. */
  reset(): void {
    this.items.length = 0;
    this.done = false;
    this.cursor = null;
    this.loading = null;
    this.generation += 1;
  }

  private async load(): Promise<T[]> {
    const generation = this.generation;
    const query: PageQuery =
      this.cursor === null ? { limit: this.limit } : { limit: this.limit, cursor: this.cursor };
    const page = await this.fetchPage(query);
    if (generation !== this.generation) return page.items;
    this.items.push(...page.items);
    this.cursor = page.next_cursor ?? null;
    this.done = !this.cursor;
    return page.items;
  }
}
