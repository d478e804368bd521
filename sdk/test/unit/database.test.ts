import { describe, expect, it } from 'vitest';
import { command as _, createClient, encodeWhere } from '../../src';
import { type FakeRequest, fakeWx, loginAnswer, ok } from '../support/fake-wx';

const BASE = 'https://api.example.com';

function recordingServer() {
  const wx = fakeWx((request: FakeRequest) => {
    if (request.path === '/api/v1/auth/login') return loginAnswer('t1');
    if (request.method === 'GET' && request.path.endsWith('/records')) {
      return ok({ items: [{ id: 1, created_at: 'x', updated_at: 'x' }], next_cursor: 'c2' });
    }
    return ok({ id: 7, created_at: 'x', updated_at: 'x', ...(request.body as object) });
  });
  return { wx, client: createClient({ baseUrl: BASE, wx }) };
}

describe('command operators', () => {
  it('encode as the JSON conditions the server takes', () => {
    const due = new Date('2026-01-02T03:04:05.000Z');
    expect(
      encodeWhere({
        done: false,
        price: _.gt(3).and(_.lte(10)),
        tag: _.in(['a', 'b']),
        owner: _.exists(true),
        due: _.lt(due),
        title: _.contains('milk'),
        kind: _.nin(['x']),
        n: _.neq(null),
      }),
    ).toEqual({
      done: false,
      price: { $gt: 3, $lte: 10 },
      tag: { $in: ['a', 'b'] },
      owner: { $exists: true },
      due: { $lt: { $date: '2026-01-02T03:04:05.000Z' } },
      title: { $contains: 'milk' },
      kind: { $nin: ['x'] },
      n: { $ne: null },
    });
    expect(encodeWhere(_.or([{ a: 1 }, _.and([{ b: 2 }, { c: _.gte(3) }])]))).toEqual({
      $or: [{ a: 1 }, { $and: [{ b: 2 }, { c: { $gte: 3 } }] }],
    });
    expect(() => _.gt(1).and(_.gt(2))).toThrow(/\$gt twice/);
  });
});

describe('db.collection', () => {
  it('builds the query string: where, filter, sort, limit, cursor, fields, expand', async () => {
    const { wx, client } = recordingServer();
    const todos = client.db.collection('todos');
    const open = todos.where({ done: false });
    const page = await open
      .where({ price: _.lt(10) })
      .filter('title ~ "milk"')
      .orderBy('price', 'desc')
      .orderBy('title')
      .limit(5)
      .startAfter('c1')
      .field({ title: true, price: true, done: false })
      .expand('owner')
      .get();
    expect(page).toEqual({
      data: [{ id: 1, created_at: 'x', updated_at: 'x' }],
      nextCursor: 'c2',
    });
    const sent = wx.requests.at(-1);
    expect(sent?.path).toBe('/api/v1/collections/todos/records');
    expect(JSON.parse(sent?.query.get('where') ?? '')).toEqual({
      $and: [{ done: false }, { price: { $lt: 10 } }],
    });
    expect(sent?.query.get('filter')).toBe('title ~ "milk"');
    expect(sent?.query.get('sort')).toBe('-price,title');
    expect(sent?.query.get('limit')).toBe('5');
    expect(sent?.query.get('cursor')).toBe('c1');
    expect(sent?.query.get('fields')).toBe('title,price');
    expect(sent?.query.get('expand')).toBe('owner');
    // The base query is unchanged.
    expect(open.toQuery()).toEqual({ where: '{"done":false}' });
  });

  it('writes like CloudBase: add({data}), doc().update({data}) as PATCH, remove()', async () => {
    const { wx, client } = recordingServer();
    const todos = client.db.collection('todos');
    const added = await todos.add({ data: { title: 'x', due: new Date('2026-01-01T00:00:00Z') } });
    expect(added.id).toBe(7);
    expect(added._id).toBe(7);
    expect(wx.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v1/collections/todos/records',
      body: { title: 'x', due: '2026-01-01T00:00:00.000Z' },
    });
    await todos.add({ title: 'plain' });
    expect(wx.requests.at(-1)?.body).toEqual({ title: 'plain' });
    const updated = await todos.doc(7).update({ data: { done: true } });
    expect(updated.data.done).toBe(true);
    expect(wx.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v1/collections/todos/records/7',
      headers: { 'x-http-method-override': 'PATCH' },
    });
    await todos.doc('7').remove();
    expect(wx.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/api/v1/collections/todos/records/7',
    });
    await client.db
      .collection('a b')
      .doc(1)
      .get({ expand: ['owner'] });
    expect(wx.requests.at(-1)?.path).toBe('/api/v1/collections/a%20b/records/1');
    expect(wx.requests.at(-1)?.query.get('expand')).toBe('owner');
  });
});
