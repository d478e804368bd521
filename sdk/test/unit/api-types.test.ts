// The types read from the spec: what a typed call accepts and answers. Checked by `tsc`: each
// expected error below fails the type check if the mistake it marks were accepted. The test body
// runs the same calls for real against a fake server.
import { describe, expect, it } from 'vitest';
import { createClient, type PathParams, type QueryParams, type RequestBody } from '../../src';
import { fakeWx, loginAnswer, ok } from '../support/fake-wx';

type FeedQuery = QueryParams<'/api/v1/posts', 'get'>;
type CommentsPath = PathParams<'/api/v1/posts/{id}/comments', 'get'>;
type NewPost = RequestBody<'/api/v1/posts', 'post'>;

const accepted: [FeedQuery, CommentsPath, NewPost] = [
  { limit: 10, cursor: 'c1', topic: 'travel', author_id: 7 },
  { id: 42 },
  { content: 'hi', images: [1, 2], topics: ['a'] },
];

const refused = [
  // @ts-expect-error not a query parameter of the feed
  { nope: 1 } satisfies FeedQuery,
  // @ts-expect-error limit is a number
  { limit: 'ten' } satisfies FeedQuery,
  // @ts-expect-error `limit` is a query parameter, not a path parameter
  { id: 1, limit: 3 } satisfies CommentsPath,
  // @ts-expect-error content is required
  { images: [1] } satisfies NewPost,
];

describe('typed calls', () => {
  it('accept what the spec allows (the type check above is the test)', () => {
    expect(accepted).toHaveLength(3);
    expect(refused).toHaveLength(4);
  });

  it('fill path parameters, put the rest in the query, and answer typed data', async () => {
    const wx = fakeWx((request) =>
      request.path === '/api/v1/auth/login'
        ? loginAnswer('t')
        : ok({ id: 42, content: 'x', like_count: 0, comment_count: 0 }),
    );
    const client = createClient({ baseUrl: 'https://api.example.com', wx });

    const post = await client.core.call('get', '/api/v1/posts/{id}', { params: { id: 42 } });
    // A type error if the answer's type lost its fields.
    const likes: number = post.like_count;
    expect(likes).toBe(0);
    expect(wx.requests.at(-1)?.path).toBe('/api/v1/posts/42');

    // @ts-expect-error the path parameter is required
    await expect(client.core.call('get', '/api/v1/posts/{id}', {})).rejects.toThrow(
      /'id' is missing/,
    );
    // @ts-expect-error no such path
    await client.core.call('get', '/api/v1/nowhere').catch(() => undefined);
    // @ts-expect-error the feed has no POST with this body
    await client.core.call('post', '/api/v1/posts', { body: { text: 'x' } }).catch(() => undefined);
  });
});
