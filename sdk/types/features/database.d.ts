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
export declare class QueryCommand {
    readonly operators: Readonly<Record<string, unknown>>;
    constructor(operators: Readonly<Record<string, unknown>>);
    /** Both conditions on the same field. */
    and(other: QueryCommand): QueryCommand;
}
/** Conditions on several fields: `{ done: false, price: _.lt(10) }`. */
export type WhereCondition = Record<string, DbValue | QueryCommand>;
/** `_.or([...])` / `_.and([...])` of whole conditions. */
export declare class LogicCommand {
    readonly operator: '$or' | '$and';
    readonly conditions: readonly (WhereCondition | LogicCommand)[];
    constructor(operator: '$or' | '$and', conditions: readonly (WhereCondition | LogicCommand)[]);
}
/**
 * Query commands, CloudBase's `db.command`: `const _ = db.command;`
 * `where({ price: _.gt(3), tag: _.in(['a', 'b']) })`.
 */
export declare const command: {
    eq: (value: DbValue) => QueryCommand;
    neq: (value: DbValue) => QueryCommand;
    gt: (value: DbValue) => QueryCommand;
    gte: (value: DbValue) => QueryCommand;
    lt: (value: DbValue) => QueryCommand;
    lte: (value: DbValue) => QueryCommand;
    /** Text that contains this (case-insensitive). */
    contains: (text: string) => QueryCommand;
    in: (values: DbValue[]) => QueryCommand;
    nin: (values: DbValue[]) => QueryCommand;
    /** `true`: the field has a value; `false`: it has none. */
    exists: (exists: boolean) => QueryCommand;
    or: (conditions: (WhereCondition | LogicCommand)[]) => LogicCommand;
    and: (conditions: (WhereCondition | LogicCommand)[]) => LogicCommand;
};
/** A condition as the JSON the server's `where` parameter takes. */
export declare function encodeWhere(condition: WhereCondition | LogicCommand): Record<string, unknown>;
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
export type BatchOperation = {
    action: 'create';
    data: Record<string, unknown>;
} | {
    action: 'update';
    id: number;
    data: Record<string, unknown>;
} | {
    action: 'delete';
    id: number;
};
/**
 * A query on a collection. Each method returns a new query (the original is unchanged), so a
 * base query can be shared: `const open = todos.where({ done: false })`.
 */
export declare class Query {
    protected readonly core: Core;
    readonly name: string;
    protected readonly state: QueryState;
    constructor(core: Core, name: string, state?: QueryState);
    protected get path(): string;
    private with;
    /** Records matching these conditions (ANDed with earlier `where`s and `filter`s). */
    where(condition: WhereCondition | LogicCommand): Query;
    /** Records matching an expression, e.g. `price < 10 && title ~ "milk"` (docs/collections.md). */
    filter(expression: string): Query;
    /** Sort by a field (required fields, or id/created_at/updated_at); call again for ties. */
    orderBy(field: string, order?: 'asc' | 'desc'): Query;
    /** Page size, 1..100 (default 20). */
    limit(count: number): Query;
    /** Continue after a page: pass its `nextCursor` (keyset pagination; there is no skip). */
    startAfter(cursor: string | null): Query;
    /**
     * Only these fields (id and timestamps always come): `field({ title: true, done: true })` as
     * in CloudBase, or `field(['title', 'done'])`.
     */
    field(projection: Record<string, boolean> | string[]): Query;
    /** Include the records (or user profiles) these relation fields point at, under `expand`. */
    expand(...fields: string[]): Query;
    /** The query string this query sends. */
    toQuery(): Record<string, string | number>;
    /** One page of matching records the caller may see (the collection's list rule applies). */
    get(): Promise<QueryResult>;
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
/** A collection: a query over all its records, plus writes. */
export declare class CollectionReference extends Query {
    private readonly realtime?;
    constructor(core: Core, name: string, realtime?: Realtime | undefined);
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
    watch(options: WatchOptions): Watcher;
    /** One record by id. */
    doc(id: number | string): DocumentReference;
    /**
     * Create a record (`add({ data: {...} })` as in CloudBase, or `add({...})`); answers its `id`
     * (also as CloudBase's `_id`) and the record as stored.
     */
    add(input: Record<string, unknown>): Promise<{
        id: number;
        _id: number;
        data: DbRecord;
    }>;
    /** Several writes in one transaction: all happen or none (at most 50). */
    batch(operations: BatchOperation[]): Promise<unknown[]>;
}
/** One record: read, change the fields given, delete. */
export declare class DocumentReference {
    private readonly core;
    readonly collection: string;
    readonly id: number;
    constructor(core: Core, collection: string, id: number);
    private get path();
    /** The record (404 when it does not exist or the view rule hides it). */
    get(options?: {
        expand?: string[];
        fields?: string[];
    }): Promise<{
        data: DbRecord;
    }>;
    /** Change these fields (`update({ data: {...} })` or `update({...})`); answers the record. */
    update(input: Record<string, unknown>): Promise<{
        data: DbRecord;
    }>;
    /** Delete the record. */
    remove(): Promise<void>;
}
/**
 * Your own collections (docs/collections.md), with a query builder close to CloudBase's:
 * `client.db.collection('todos').where({ done: false }).orderBy('created_at', 'desc').get()`.
 */
export declare class Database {
    private readonly core;
    private readonly realtime?;
    /** Query commands: `const _ = client.db.command; where({ price: _.lt(10) })`. */
    readonly command: {
        eq: (value: DbValue) => QueryCommand;
        neq: (value: DbValue) => QueryCommand;
        gt: (value: DbValue) => QueryCommand;
        gte: (value: DbValue) => QueryCommand;
        lt: (value: DbValue) => QueryCommand;
        lte: (value: DbValue) => QueryCommand;
        /** Text that contains this (case-insensitive). */
        contains: (text: string) => QueryCommand;
        in: (values: DbValue[]) => QueryCommand;
        nin: (values: DbValue[]) => QueryCommand;
        /** `true`: the field has a value; `false`: it has none. */
        exists: (exists: boolean) => QueryCommand;
        or: (conditions: (WhereCondition | LogicCommand)[]) => LogicCommand;
        and: (conditions: (WhereCondition | LogicCommand)[]) => LogicCommand;
    };
    constructor(core: Core, realtime?: Realtime | undefined);
    collection(name: string): CollectionReference;
}
export {};
