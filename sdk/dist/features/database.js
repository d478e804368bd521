"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Database = exports.DocumentReference = exports.CollectionReference = exports.Query = exports.command = exports.LogicCommand = exports.QueryCommand = void 0;
exports.encodeWhere = encodeWhere;
/**
 * A field condition made by a command: `_.gt(3)`, `_.in(['a', 'b'])`, `_.gt(1).and(_.lt(5))`.
 */
class QueryCommand {
    constructor(operators) {
        this.operators = operators;
    }
    /** Both conditions on the same field. */
    and(other) {
        for (const key of Object.keys(other.operators)) {
            if (key in this.operators)
                throw new Error(`minibase: ${key} twice on one field`);
        }
        return new QueryCommand(Object.assign(Object.assign({}, this.operators), other.operators));
    }
}
exports.QueryCommand = QueryCommand;
/** `_.or([...])` / `_.and([...])` of whole conditions. */
class LogicCommand {
    constructor(operator, conditions) {
        this.operator = operator;
        this.conditions = conditions;
    }
}
exports.LogicCommand = LogicCommand;
const single = (op) => (value) => new QueryCommand({ [op]: value });
/**
 * Query commands, CloudBase's `db.command`: `const _ = db.command;`
 * `where({ price: _.gt(3), tag: _.in(['a', 'b']) })`.
 */
exports.command = {
    eq: single('$eq'),
    neq: single('$ne'),
    gt: single('$gt'),
    gte: single('$gte'),
    lt: single('$lt'),
    lte: single('$lte'),
    /** Text that contains this (case-insensitive). */
    contains: (text) => new QueryCommand({ $contains: text }),
    in: (values) => new QueryCommand({ $in: values }),
    nin: (values) => new QueryCommand({ $nin: values }),
    /** `true`: the field has a value; `false`: it has none. */
    exists: (exists) => new QueryCommand({ $exists: exists }),
    or: (conditions) => new LogicCommand('$or', conditions),
    and: (conditions) => new LogicCommand('$and', conditions),
};
function encodeValue(value) {
    if (value instanceof Date)
        return { $date: value.toISOString() };
    if (Array.isArray(value))
        return value.map(encodeValue);
    return value;
}
/** A condition as the JSON the server's `where` parameter takes. */
function encodeWhere(condition) {
    if (condition instanceof LogicCommand) {
        return { [condition.operator]: condition.conditions.map(encodeWhere) };
    }
    const out = {};
    for (const [field, value] of Object.entries(condition)) {
        if (value instanceof QueryCommand) {
            const ops = {};
            for (const [op, operand] of Object.entries(value.operators))
                ops[op] = encodeValue(operand);
            out[field] = ops;
        }
        else {
            out[field] = encodeValue(value);
        }
    }
    return out;
}
/** Field values to write; Dates become ISO strings. */
function encodeData(data) {
    const out = {};
    for (const [field, value] of Object.entries(data)) {
        out[field] = value instanceof Date ? value.toISOString() : value;
    }
    return out;
}
/** CloudBase writes `add({ data: {...} })`; both that and `add({...})` work. */
function unwrapData(input) {
    const keys = Object.keys(input);
    const data = input.data;
    if (keys.length === 1 && keys[0] === 'data' && data && typeof data === 'object') {
        return data;
    }
    return input;
}
/**
 * A query on a collection. Each method returns a new query (the original is unchanged), so a
 * base query can be shared: `const open = todos.where({ done: false })`.
 */
class Query {
    constructor(core, name, state = { where: [], filter: [], orderBy: [], expand: [] }) {
        this.core = core;
        this.name = name;
        this.state = state;
    }
    get path() {
        return `/api/v1/collections/${encodeURIComponent(this.name)}/records`;
    }
    with(change) {
        return new Query(this.core, this.name, Object.assign(Object.assign({}, this.state), change));
    }
    /** Records matching these conditions (ANDed with earlier `where`s and `filter`s). */
    where(condition) {
        return this.with({ where: [...this.state.where, condition] });
    }
    /** Records matching an expression, e.g. `price < 10 && title ~ "milk"` (docs/collections.md). */
    filter(expression) {
        return this.with({ filter: [...this.state.filter, expression] });
    }
    /** Sort by a field (required fields, or id/created_at/updated_at); call again for ties. */
    orderBy(field, order = 'asc') {
        return this.with({ orderBy: [...this.state.orderBy, order === 'desc' ? `-${field}` : field] });
    }
    /** Page size, 1..100 (default 20). */
    limit(count) {
        return this.with({ limit: count });
    }
    /** Continue after a page: pass its `nextCursor` (keyset pagination; there is no skip). */
    startAfter(cursor) {
        return this.with({ cursor: cursor !== null && cursor !== void 0 ? cursor : undefined });
    }
    /**
     * Only these fields (id and timestamps always come): `field({ title: true, done: true })` as
     * in CloudBase, or `field(['title', 'done'])`.
     */
    field(projection) {
        const fields = Array.isArray(projection)
            ? projection
            : Object.entries(projection)
                .filter(([, on]) => on)
                .map(([name]) => name);
        return this.with({ fields });
    }
    /** Include the records (or user profiles) these relation fields point at, under `expand`. */
    expand(...fields) {
        return this.with({ expand: [...this.state.expand, ...fields] });
    }
    /** The query string this query sends. */
    toQuery() {
        const query = {};
        const { where, filter, orderBy, limit, cursor, fields, expand } = this.state;
        if (where.length === 1 && where[0])
            query.where = JSON.stringify(encodeWhere(where[0]));
        if (where.length > 1)
            query.where = JSON.stringify({ $and: where.map(encodeWhere) });
        // One expression goes as written, so the columns in the server's errors match it.
        if (filter.length === 1 && filter[0])
            query.filter = filter[0];
        if (filter.length > 1)
            query.filter = filter.map((f) => `(${f})`).join(' && ');
        if (orderBy.length)
            query.sort = orderBy.join(',');
        if (limit !== undefined)
            query.limit = limit;
        if (cursor)
            query.cursor = cursor;
        if (fields)
            query.fields = fields.join(',');
        if (expand.length)
            query.expand = expand.join(',');
        return query;
    }
    /** One page of matching records the caller may see (the collection's list rule applies). */
    async get() {
        const page = await this.core.request({
            method: 'GET',
            path: this.path,
            query: this.toQuery(),
            auth: 'optional',
        });
        return { data: page.items, nextCursor: page.next_cursor };
    }
}
exports.Query = Query;
const CHANGE_TYPES = {
    'record.created': 'created',
    'record.updated': 'updated',
    'record.deleted': 'deleted',
};
/** A collection: a query over all its records, plus writes. */
class CollectionReference extends Query {
    constructor(core, name, realtime) {
        super(core, name);
        this.realtime = realtime;
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
    watch(options) {
        const realtime = this.realtime;
        if (!realtime)
            throw new Error('minibase: watch() needs the client (client.db.collection)');
        const off = realtime.subscribe(`collection:${this.name}`, (event) => {
            const type = CHANGE_TYPES[event.event];
            if (!type)
                return;
            const typed = event;
            options.onChange({ type, record: typed.data, event: typed });
        }, { onReload: options.onReload, onRefused: options.onError });
        return { close: off };
    }
    /** One record by id. */
    doc(id) {
        return new DocumentReference(this.core, this.name, Number(id));
    }
    /**
     * Create a record (`add({ data: {...} })` as in CloudBase, or `add({...})`); answers its `id`
     * (also as CloudBase's `_id`) and the record as stored.
     */
    async add(input) {
        const data = await this.core.request({
            method: 'POST',
            path: this.path,
            body: encodeData(unwrapData(input)),
        });
        return { id: data.id, _id: data.id, data };
    }
    /** Several writes in one transaction: all happen or none (at most 50). */
    batch(operations) {
        return this.core.request({
            method: 'POST',
            path: `${this.path}/batch`,
            body: {
                requests: operations.map((op) => 'data' in op ? Object.assign(Object.assign({}, op), { data: encodeData(op.data) }) : op),
            },
        });
    }
}
exports.CollectionReference = CollectionReference;
/** One record: read, change the fields given, delete. */
class DocumentReference {
    constructor(core, collection, id) {
        this.core = core;
        this.collection = collection;
        this.id = id;
    }
    get path() {
        return `/api/v1/collections/${encodeURIComponent(this.collection)}/records/${this.id}`;
    }
    /** The record (404 when it does not exist or the view rule hides it). */
    async get(options = {}) {
        var _a, _b;
        const query = {};
        if ((_a = options.expand) === null || _a === void 0 ? void 0 : _a.length)
            query.expand = options.expand.join(',');
        if ((_b = options.fields) === null || _b === void 0 ? void 0 : _b.length)
            query.fields = options.fields.join(',');
        const data = await this.core.request({
            method: 'GET',
            path: this.path,
            query,
            auth: 'optional',
        });
        return { data };
    }
    /** Change these fields (`update({ data: {...} })` or `update({...})`); answers the record. */
    async update(input) {
        const data = await this.core.request({
            method: 'PATCH',
            path: this.path,
            body: encodeData(unwrapData(input)),
        });
        return { data };
    }
    /** Delete the record. */
    async remove() {
        await this.core.request({ method: 'DELETE', path: this.path });
    }
}
exports.DocumentReference = DocumentReference;
/**
 * Your own collections (docs/collections.md), with a query builder close to CloudBase's:
 * `client.db.collection('todos').where({ done: false }).orderBy('created_at', 'desc').get()`.
 */
class Database {
    constructor(core, realtime) {
        this.core = core;
        this.realtime = realtime;
        /** Query commands: `const _ = client.db.command; where({ price: _.lt(10) })`. */
        this.command = exports.command;
    }
    collection(name) {
        return new CollectionReference(this.core, name, this.realtime);
    }
}
exports.Database = Database;
