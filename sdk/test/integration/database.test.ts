// db.collection against a real server: an admin defines a collection with rules; users add,
// query (where with commands, filter, orderBy, keyset pages, field, expand), update and remove
// records; the rules keep each user to their own; errors arrive typed.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiError, ErrorCodes, type MinibaseClient } from '../../src';
import { type Minibase, startMinibase } from '../support/minibase';

let server: Minibase;
let alice: MinibaseClient;
let bob: MinibaseClient;

beforeAll(async () => {
  server = await startMinibase();
  await server.admin('POST', '/api/v1/admin/collections', {
    name: 'todos',
    fields: [
      { name: 'title', type: 'text', required: true },
      { name: 'price', type: 'number', required: true, default: 0 },
      { name: 'done', type: 'bool', required: true, default: false },
      { name: 'due', type: 'date' },
      { name: 'owner', type: 'relation', target: 'users' },
    ],
    indexes: [{ fields: ['owner', 'done'] }],
    owner_field: 'owner',
    rules: {
      list: 'record.owner == auth.id',
      view: 'record.owner == auth.id',
      create: 'auth.id != null',
      update: 'record.owner == auth.id',
      delete: 'record.owner == auth.id',
    },
  });
  alice = server.client('db-alice').client;
  bob = server.client('db-bob').client;
});
afterAll(async () => {
  await server?.stop();
});

async function error(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('db.collection', () => {
  it('adds, queries with commands and pages, updates and removes', async () => {
    const todos = alice.db.collection('todos');
    const _ = alice.db.command;
    const items = [
      { title: 'Milk', price: 3.5, due: new Date('2026-01-02T00:00:00Z') },
      { title: 'Oat milk', price: 4, done: true },
      { title: 'Bread', price: 2 },
      { title: 'Cheese', price: 9 },
      { title: 'Eggs', price: 4 },
    ];
    const ids: number[] = [];
    for (const data of items) ids.push((await todos.add({ data })).id);
    const me = await alice.users.me();

    const cheap = await todos
      .where({ price: _.lt(4), done: false })
      .orderBy('price', 'desc')
      .get();
    expect(cheap.data.map((r) => r.title)).toEqual(['Milk', 'Bread']);
    expect(cheap.data[0]?.due).toBe('2026-01-02T00:00:00Z');
    expect(cheap.data[0]?.owner).toBe(me.id);

    const some = await todos
      .where(_.or([{ title: _.in(['Eggs', 'Bread']) }, { done: true }]))
      .get();
    expect(some.data.map((r) => r.title).sort()).toEqual(['Bread', 'Eggs', 'Oat milk']);
    const milky = await todos.filter('title ~ "MILK"').orderBy('title').get();
    expect(milky.data.map((r) => r.title)).toEqual(['Milk', 'Oat milk']);
    const dated = await todos.where({ due: _.gte(new Date('2026-01-01T00:00:00Z')) }).get();
    expect(dated.data.map((r) => r.title)).toEqual(['Milk']);

    // Keyset pages: every record once, in order.
    const seen: string[] = [];
    let query = todos.orderBy('price').orderBy('title').limit(2);
    for (;;) {
      const page = await query.get();
      seen.push(...page.data.map((r) => String(r.title)));
      if (!page.nextCursor) break;
      query = query.startAfter(page.nextCursor);
    }
    expect(seen).toEqual(['Bread', 'Milk', 'Eggs', 'Oat milk', 'Cheese']);

    const slim = await todos.field({ title: true }).expand('owner').limit(1).get();
    expect(Object.keys(slim.data[0] ?? {}).sort()).toEqual(
      ['created_at', 'expand', 'id', 'owner', 'title', 'updated_at'].sort(),
    );
    expect(slim.data[0]?.expand?.owner).toMatchObject({ id: me.id });

    const updated = await todos.doc(ids[0] as number).update({ data: { done: true } });
    expect(updated.data.done).toBe(true);
    expect((await todos.doc(ids[0] as number).get()).data.title).toBe('Milk');
    const batch = await todos.batch([
      { action: 'create', data: { title: 'Jam' } },
      { action: 'delete', id: ids[4] as number },
    ]);
    expect(batch).toHaveLength(2);
    await todos.doc(ids[2] as number).remove();
    const left = await todos.orderBy('id').get();
    expect(left.data.map((r) => r.title)).toEqual(['Milk', 'Oat milk', 'Cheese', 'Jam']);
  });

  it('keeps each user to their own records, and answers bad input with typed errors', async () => {
    const mine = await bob.db.collection('todos').add({ title: 'Bob only' });
    const bobs = await bob.db.collection('todos').get();
    expect(bobs.data.map((r) => r.title)).toEqual(['Bob only']);
    const aliceSees = await alice.db.collection('todos').where({ title: 'Bob only' }).get();
    expect(aliceSees.data).toEqual([]);
    const hidden = await error(alice.db.collection('todos').doc(mine.id).get());
    expect(hidden.code).toBe(ErrorCodes.NotFound);
    const foreign = await error(alice.db.collection('todos').doc(mine.id).update({ title: 'x' }));
    expect(foreign.code).toBe(ErrorCodes.NotFound);

    const badFilter = await error(alice.db.collection('todos').filter('title ==').get());
    expect(badFilter.code).toBe(ErrorCodes.InvalidFilter);
    expect(badFilter.message).toContain('column 9');
    const wrongType = await error(alice.db.collection('todos').add({ title: 5 }));
    expect(wrongType.code).toBe(ErrorCodes.ValidationFailed);
    expect(wrongType.message).toMatch(/^title/);
    const missing = await error(alice.db.collection('nope').get());
    expect(missing.code).toBe(ErrorCodes.NotFound);
  });
});

describe('db.collection().watch()', () => {
  it('pushes the changes each user may see, and only those', async () => {
    const aliceChanges: string[] = [];
    const bobChanges: string[] = [];
    const refusals: number[] = [];
    const aliceWatch = alice.db.collection('todos').watch({
      onChange: ({ type, record }) => aliceChanges.push(`${type}:${record.title}`),
    });
    const bobWatch = bob.db.collection('todos').watch({
      onChange: ({ type, record }) => bobChanges.push(`${type}:${record.title}`),
    });
    bob.db.collection('nope').watch({ onChange: () => {}, onError: (r) => refusals.push(r.code) });
    await vi.waitFor(() => {
      expect(alice.realtime.lastEventId('collection:todos')).toBeDefined();
      expect(bob.realtime.lastEventId('collection:todos')).toBeDefined();
      expect(refusals).toEqual([40401]);
    });

    const { id } = await alice.db.collection('todos').add({ title: 'watched secret' });
    await alice.db.collection('todos').doc(id).update({ done: true });
    await alice.db.collection('todos').doc(id).remove();
    await bob.db.collection('todos').add({ title: "bob's own" });
    await vi.waitFor(() => {
      expect(aliceChanges).toEqual([
        'created:watched secret',
        'updated:watched secret',
        'deleted:watched secret',
      ]);
      expect(bobChanges).toEqual(["created:bob's own"]);
    });
    aliceWatch.close();
    bobWatch.close();
    alice.realtime.close();
    bob.realtime.close();
  });
});
