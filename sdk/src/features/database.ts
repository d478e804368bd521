import type { Core } from '../core';
import type { Realtime, RealtimeEvent, RealtimeRefusal } from './realtime';

/** A record as the server answers it: its id, timestamps and fields. */
export interface DbRecord {
  id: number;
  created_at: string;
  updated_at: string;
  /** Related records and user profiles, by relation field (after `.expand(...)`). */
  expand?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A value a condition compares with. Dates are sent as `{"$date": ISO}`. */
export type DbValue = string | number | boolean | null | Date;

/**
 * A field condition made by a command: `_.gt(3)`, `_.in(['a', 'b'])`, `_.gt(1).and(_.lt(5))`.
 */
export class QueryCommand {
  constructor(readonly operators: Readonly<Record<string, unknown>>) {}

  /** Both conditions on the same field. */
  and(other: QueryCommand): QueryCommand {
    for (const key of Object.keys(other.operators)) {
      if (key in this.operators) throw new Error(`minibase: ${key} twice on one field`);
    }
    return new QueryCommand({ ...this.operators, ...other.operators });
  }
}

/** Conditions on several fields: `{ done: false, price: _.lt(10) }`. */
export type WhereCondition = Record<string, DbValue | QueryCommand>;

/** `_.or([...])` / `_.and([...])` of whole conditions. */
export class LogicCommand {
  constructor(
    readonly operator: '$or' | '$and',
    readonly conditions: readonly (WhereCondition | LogicCommand)[],
  ) {}
}

const single = (op: string) => (value: DbValue) => new QueryCommand({ [op]: value });

/**
 * Query commands, CloudBase's `db.command`: `const _ = db.command;`
 * `where({ price: _.gt(3), tag: _.in(['a', 'b']) })`.
 */
export const command = {
  eq: single('$eq'),
  neq: single('$ne'),
  gt: single('$gt'),
  gte: single('$gte'),
  lt: single('$lt'),
  lte: single('$lte'),
  /** Text that contains this (case-insensitive). */
  contains: (text: string) => new QueryCommand({ $contains: text }),
  in: (values: DbValue[]) => new QueryCommand({ $in: values }),
  nin: (values: DbValue[]) => new QueryCommand({ $nin: values }),
  /** `true`: the field has a value; `false`: it has none. */
  exists: (exists: boolean) => new QueryCommand({ $exists: exists }),
  or: (conditions: (WhereCondition | LogicCommand)[]) => new LogicCommand('$or', conditions),
  and: (conditions: (WhereCondition | LogicCommand)[]) => new LogicCommand('$and', conditions),
};

function encodeValue(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map(encodeValue);
  return value;
}

/** A condition as the JSON the server's `where` parameter takes. */
export function encodeWhere(condition: WhereCondition | LogicCommand): Record<string, unknown> {
  if (condition instanceof LogicCommand) {
    return { [condition.operator]: condition.conditions.map(encodeWhere) };
  }
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(condition)) {
    if (value instanceof QueryCommand) {
      const ops: Record<string, unknown> = {};
      for (const [op, operand] of Object.entries(value.operators)) ops[op] = encodeValue(operand);
      out[field] = ops;
    } else {
      out[field] = encodeValue(value);
    }
  }
  return out;
}

/** Field values to write; Dates become ISO strings. */
function encodeData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    out[field] = value instanceof Date ? value.toISOString() : value;
  }
  return out;
}

/** CloudBase writes `add({ data: {...} })`; both that and `add({...})` work. */
function unwrapData(input: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(input);
  const data = input.data;
  if (keys.length === 1 && keys[0] === 'data' && data && typeof data === 'object') {
    return data as Record<string, unknown>;
  }
  return input;
}

interface QueryState {
  where: (WhereCondition | LogicCommand)[];
  filter: string[];
  orderBy: string[];
  limit?: number;
  cursor?: string;
  fields?: string[];
  expand: string[];
}

/** One page of records, and where the next one starts (`startAfter(nextCursor)`). */
export interface QueryResult {
  data: DbRecord[];
  /** Pass to `startAfter` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** What `batch` takes. */
export type BatchOperation =
  | { action: 'create'; data: Record<string, unknown> }
  | { action: 'update'; id: number; data: Record<string, unknown> }
  | { action: 'delete'; id: number };

/**
 * A query on a collection. Each method returns a new query (the original is unchanged), so a
 * base query can be shared: `const open = todos.where({ done: false })`.
 */
export class Query {
  constructor(
    protected readonly core: Core,
    readonly name: string,
    protected readonly state: QueryState = { where: [], filter: [], orderBy: [], expand: [] },
  ) {}

  protected get path(): string {
    return `/api/v1/collections/${encodeURIComponent(this.name)}/records`;
  }

  private with(change: Partial<QueryState>): Query {
    return new Query(this.core, this.name, { ...this.state, ...change });
  }

  /** Records matching these conditions (ANDed with earlier `where`s and `filter`s). */
  where(condition: WhereCondition | LogicCommand): Query {
    return this.with({ where: [...this.state.where, condition] });
  }

  /** Records matching an expression, e.g. `price < 10 && title ~ "milk"` (docs/collections.md). */
  filter(expression: string): Query {
    return this.with({ filter: [...this.state.filter, expression] });
  }

  /** Sort by a field (required fields, or id/created_at/updated_at); call again for ties. */
  orderBy(field: string, order: 'asc' | 'desc' = 'asc'): Query {
    return this.with({ orderBy: [...this.state.orderBy, order === 'desc' ? `-${field}` : field] });
  }

  /** Page size, 1..100 (default 20). */
  limit(count: number): Query {
    return this.with({ limit: count });
  }

  /** Continue after a page: pass its `nextCursor` (keyset pagination; there is no skip). */
  startAfter(cursor: string | null): Query {
    return this.with({ cursor: cursor ?? undefined });
  }

  /**
   * Only these fields (id and timestamps always come): `field({ title: true, done: true })` as
   * in CloudBase, or `field(['title', 'done'])`.
   */
  field(projection: Record<string, boolean> | string[]): Query {
    const fields = Array.isArray(projection)
      ? projection
      : Object.entries(projection)
          .filter(([, on]) => on)
          .map(([name]) => name);
    return this.with({ fields });
  }

  /** Include the records (or user profiles) these relation fields point at, under `expand`. */
  expand(...fields: string[]): Query {
    return this.with({ expand: [...this.state.expand, ...fields] });
  }

  /** The query string this query sends. */
  toQuery(): Record<string, string | number> {
    const query: Record<string, string | number> = {};
    const { where, filter, orderBy, limit, cursor, fields, expand } = this.state;
    if (where.length === 1 && where[0]) query.where = JSON.stringify(encodeWhere(where[0]));
    if (where.length > 1) query.where = JSON.stringify({ $and: where.map(encodeWhere) });
    // One expression goes as written, so the columns in the server's errors match it.
    if (filter.length === 1 && filter[0]) query.filter = filter[0];
    if (filter.length > 1) query.filter = filter.map((f) => `(${f})`).join(' && ');
    if (orderBy.length) query.sort = orderBy.join(',');
    if (limit !== undefined) query.limit = limit;
    if (cursor) query.cursor = cursor;
    if (fields) query.fields = fields.join(',');
    if (expand.length) query.expand = expand.join(',');
    return query;
  }

  /** One page of matching records the caller may see (the collection's list rule applies). */
  async get(): Promise<QueryResult> {
    const page = await this.core.request<{ items: DbRecord[]; next_cursor: string | null }>({
      method: 'GET',
      path: this.path,
      query: this.toQuery(),
      auth: 'optional',
    });
    return { data: page.items, nextCursor: page.next_cursor };
  }
}

/** A change to a record of a watched collection. */
export interface RecordChange {
  /** `created`, `updated` or `deleted` (`deleted` carries the record as it was). */
  type: 'created' | 'updated' | 'deleted';
  record: DbRecord;
  /** The realtime event it came in. */
  event: RealtimeEvent<DbRecord>;
}

export interface WatchOptions {
  /** Called with every change to a record the collection's view rule lets you see. */
  onChange: (change: RecordChange) => void;
  /**
   * Changes were missed (a reconnect, or the server fell behind): read the records again.
   * Record events are never replayed, so this comes after every reconnect.
   */
  onReload?: () => void;
  /** The subscription was refused: no such collection, or its view rule is for admins only. */
  onError?: (refusal: RealtimeRefusal) => void;
}

/** A running watch; `close()` stops it. */
export interface Watcher {
  close(): void;
}

const CHANGE_TYPES: Record<string, RecordChange['type']> = {
  'record.created': 'created',
  'record.updated': 'updated',
  'record.deleted': 'deleted',
};

/** A collection: a query over all its records, plus writes. */
export class CollectionReference extends Query {
  constructor(
    core: Core,
    name: string,
    private readonly realtime?: Realtime,
  ) {
    super(core, name);
  }

  /**
   * Live changes to the collection's records over realtime (the `collection:<name>` channel),
   * each only if the collection's `view` rule lets you see the record, as CloudBase's
   * `watch()`. Conditions of the query do not apply: filter in `onChange`.
   *
   * ```ts
   * const watcher = client.db.collection('todos').watch({
   *   onChange: ({ type, record }) => console.log(type, record.id),
   *   onReload: () => reloadList(),
   * });
   * ```
   */
  watch(options: WatchOptions): Watcher {
    const realtime = this.realtime;
    if (!realtime) throw new Error('minibase: watch() needs the client (client.db.collection)');
    const off = realtime.subscribe(
      `collection:${this.name}`,
      (event) => {
        const type = CHANGE_TYPES[event.event];
        if (!type) return;
        const typed = event as RealtimeEvent<DbRecord>;
        options.onChange({ type, record: typed.data, event: typed });
      },
      { onReload: options.onReload, onRefused: options.onError },
    );
    return { close: off };
  }

  /** One record by id. */
  doc(id: number | string): DocumentReference {
    return new DocumentReference(this.core, this.name, Number(id));
  }

  /**
   * Create a record (`add({ data: {...} })` as in CloudBase, or `add({...})`); answers its `id`
   * (also as CloudBase's `_id`) and the record as stored.
   */
  async add(input: Record<string, unknown>): Promise<{ id: number; _id: number; data: DbRecord }> {
    const data = await this.core.request<DbRecord>({
      method: 'POST',
      path: this.path,
      body: encodeData(unwrapData(input)),
    });
    return { id: data.id, _id: data.id, data };
  }

  /** Several writes in one transaction: all happen or none (at most 50). */
  batch(operations: BatchOperation[]): Promise<unknown[]> {
    return this.core.request<unknown[]>({
      method: 'POST',
      path: `${this.path}/batch`,
      body: {
        requests: operations.map((op) =>
          'data' in op ? { ...op, data: encodeData(op.data) } : op,
        ),
      },
    });
  }
}

/** One record: read, change the fields given, delete. */
export class DocumentReference {
  constructor(
    private readonly core: Core,
    readonly collection: string,
    readonly id: number,
  ) {}

  private get path(): string {
    return `/api/v1/collections/${encodeURIComponent(this.collection)}/records/${this.id}`;
  }

  /** The record (404 when it does not exist or the view rule hides it). */
  async get(options: { expand?: string[]; fields?: string[] } = {}): Promise<{ data: DbRecord }> {
    const query: Record<string, string> = {};
    if (options.expand?.length) query.expand = options.expand.join(',');
    if (options.fields?.length) query.fields = options.fields.join(',');
    const data = await this.core.request<DbRecord>({
      method: 'GET',
      path: this.path,
      query,
      auth: 'optional',
    });
    return { data };
  }

  /** Change these fields (`update({ data: {...} })` or `update({...})`); answers the record. */
  async update(input: Record<string, unknown>): Promise<{ data: DbRecord }> {
    const data = await this.core.request<DbRecord>({
      method: 'PATCH',
      path: this.path,
      body: encodeData(unwrapData(input)),
    });
    return { data };
  }

  /** Delete the record. */
  async remove(): Promise<void> {
    await this.core.request({ method: 'DELETE', path: this.path });
  }
}

/**
 * Your own collections (docs/collections.md), with a query builder close to CloudBase's:
 * `client.db.collection('todos').where({ done: false }).orderBy('created_at', 'desc').get()`.
 */
export class Database {
  /** Query commands: `const _ = client.db.command; where({ price: _.lt(10) })`. */
  readonly command = command;

  constructor(
    private readonly core: Core,
    private readonly realtime?: Realtime,
  ) {}

  collection(name: string): CollectionReference {
    return new CollectionReference(this.core, name, this.realtime);
  }
}
