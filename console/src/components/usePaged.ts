// Keyset-paginated lists: the first page on load or filter change, then "load more" with the
// server's next_cursor.
import { type Ref, ref } from 'vue';
import { ApiError } from '../api/client';
import { notifyError } from './notify';

export interface PageOf<T> {
  items: T[];
  next_cursor?: string | null;
}

export function usePaged<T>(fetchPage: (cursor: string | undefined) => Promise<PageOf<T>>): {
  items: Ref<T[]>;
  next: Ref<string | null>;
  loading: Ref<boolean>;
  reload: () => Promise<void>;
  more: () => Promise<void>;
} {
  const items = ref<T[]>([]) as Ref<T[]>;
  const next = ref<string | null>(null);
  const loading = ref(false);

  async function load(cursor: string | undefined, append: boolean) {
    loading.value = true;
    try {
      const page = await fetchPage(cursor);
      items.value = append ? [...items.value, ...page.items] : page.items;
      next.value = page.next_cursor ?? null;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) notifyError(err);
    } finally {
      loading.value = false;
    }
  }

  return {
    items,
    next,
    loading,
    reload: () => load(undefined, false),
    more: () => load(next.value ?? undefined, true),
  };
}
