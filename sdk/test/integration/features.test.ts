// Every feature module against a real server: profile, uploads, community, config and flags,
// flash sale, approvals, notifications and subscribe messages, and the errors on the way.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, ErrorCodes, type MinibaseClient, Pager } from '../../src';
import { type Minibase, startMinibase } from '../support/minibase';
import type { NodeWx } from '../support/wx-node';

let server: Minibase;
let files: string;
let png: string;
let alice: { client: MinibaseClient; wx: NodeWx; id: number };
let bob: { client: MinibaseClient; wx: NodeWx; id: number };

// A 1x1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

beforeAll(async () => {
  server = await startMinibase();
  files = mkdtempSync(join(tmpdir(), 'minibase-sdk-files-'));
  png = join(files, 'photo.png');
  writeFileSync(png, PNG);
  const a = server.client('alice');
  const b = server.client('bob');
  alice = { ...a, id: (await a.client.users.me()).id };
  bob = { ...b, id: (await b.client.users.me()).id };
});
afterAll(async () => {
  await server?.stop();
  if (files) rmSync(files, { recursive: true, force: true });
});

async function error(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('profile', () => {
  it('changes the nickname (PATCH sent as POST + override) and the avatar (an upload)', async () => {
    const me = await alice.client.users.updateMe({ nickname: '小爱' });
    expect(me.nickname).toBe('小爱');
    const patch = alice.wx.calls('/api/v1/users/me').at(-1);
    expect(patch).toMatchObject({ method: 'POST', status: 200 });

    const withAvatar = await alice.client.users.setAvatar(png);
    expect(withAvatar.avatar_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/.+\.png$/);
    expect((await alice.client.users.me()).avatar_url).toBe(withAvatar.avatar_url);
  });

  it('answers a bad nickname with a typed 422 carrying the request id', async () => {
    const err = await error(alice.client.users.updateMe({ nickname: 'x'.repeat(33) }));
    expect(err).toMatchObject({ code: ErrorCodes.ValidationFailed, status: 422 });
    expect(err.message).toContain('nickname');
    expect(err.requestId).toMatch(/\S+/);
  });
});

describe('uploads', () => {
  it('uploads an image with the token, and refuses what is not one', async () => {
    const file = await alice.client.files.upload(png);
    expect(file).toMatchObject({
      content_type: 'image/png',
      width: 1,
      height: 1,
      size: PNG.length,
    });
    const served = await fetch(file.url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);

    const text = join(files, 'notes.png');
    writeFileSync(text, 'not an image at all');
    const err = await error(alice.client.files.upload(text));
    expect(err).toMatchObject({ code: ErrorCodes.UnsupportedMediaType, status: 415 });
  });
});

describe('community', () => {
  it('posts, lists by topic, likes, comments, follows, and notifies', async () => {
    const post = await alice.client.community.createPost({
      content: 'hello from the SDK',
      topics: ['sdk'],
    });
    expect(post).toMatchObject({ status: 'published', topics: ['sdk'], author: { id: alice.id } });

    const feed = await bob.client.community.feed({ topic: 'sdk', limit: 10 });
    expect(feed.items.map((p) => p.id)).toContain(post.id);

    expect(await bob.client.community.like(post.id)).toEqual({ liked: true, like_count: 1 });
    expect(await bob.client.community.like(post.id)).toEqual({ liked: true, like_count: 1 });
    const comment = await bob.client.community.comment(post.id, 'nice one');
    const reply = await alice.client.community.comment(post.id, 'thanks', comment.id);
    expect(reply.parent_id).toBe(comment.id);
    const comments = await alice.client.community.comments(post.id);
    expect(comments.items.map((c) => c.id)).toEqual([comment.id]);
    expect((await bob.client.community.replies(comment.id)).items.map((c) => c.id)).toEqual([
      reply.id,
    ]);

    expect(await bob.client.community.follow(alice.id)).toEqual({ following: true });
    const profile = await bob.client.community.profile(alice.id);
    expect(profile).toMatchObject({ followers: 1, followed_by_me: true });
    const following = await bob.client.community.following();
    expect(following.items.map((p) => p.id)).toContain(post.id);

    const seen = await bob.client.community.post(post.id);
    // Replies count too.
    expect(seen).toMatchObject({ like_count: 1, comment_count: 2, liked_by_me: true });

    // Alice hears of the like, the comment and the follow.
    const kinds = (await alice.client.notifications.list()).items.map((n) => n.kind);
    expect(kinds).toEqual(expect.arrayContaining(['like', 'comment', 'follow']));
    expect(await alice.client.notifications.unreadCount()).toBeGreaterThanOrEqual(3);
    expect(await alice.client.notifications.markRead()).toBeGreaterThanOrEqual(3);
    expect(await alice.client.notifications.unreadCount()).toBe(0);
  });

  it('uploads local images for a post, which waits for the image check', async () => {
    const post = await alice.client.community.createPost({ content: 'a picture', images: [png] });
    expect(post.status).toBe('pending');
    expect(post.images).toHaveLength(1);
    expect(post.images[0]?.content_type).toBe('image/png');
    expect(alice.wx.calls('/api/v1/files', 201).length).toBeGreaterThan(0);

    // A moderator publishes it (in dev mode the mock WeChat never calls back on its own).
    await server.admin('POST', `/api/v1/admin/moderation/posts/${post.id}/decision`, {
      approve: true,
      reason: 'looks fine',
    });
    expect((await bob.client.community.post(post.id)).status).toBe('published');
  });

  it('walks a feed with the pager, and edits and deletes a post', async () => {
    for (let i = 0; i < 5; i++) {
      await bob.client.community.createPost({ content: `page test ${i}`, topics: ['paging'] });
    }
    const pager = new Pager((page) => alice.client.community.feed({ ...page, topic: 'paging' }), 2);
    while (!pager.done) await pager.next();
    expect(pager.items.map((p) => p.content)).toEqual([4, 3, 2, 1, 0].map((i) => `page test ${i}`));

    const first = pager.items[0];
    if (!first) throw new Error('no post');
    expect((await bob.client.community.editPost(first.id, { content: 'edited' })).content).toBe(
      'edited',
    );
    await bob.client.community.deletePost(first.id);
    const gone = await error(alice.client.community.post(first.id));
    expect(gone).toMatchObject({ code: ErrorCodes.NotFound, status: 404 });
  });

  it('refuses risky text and a forged cursor with their codes', async () => {
    const risky = await error(alice.client.community.createPost({ content: 'this is forbidden' }));
    expect(risky).toMatchObject({ code: ErrorCodes.ContentRejected, status: 422 });
    const forged = await error(alice.client.community.feed({ cursor: 'not-a-cursor' }));
    expect(forged).toMatchObject({ code: ErrorCodes.InvalidCursor, status: 400 });
    // Not retried: a 400 is not something a retry fixes.
    expect(alice.wx.calls('/api/v1/posts', 400)).toHaveLength(1);
  });
});

describe('config and flags', () => {
  it('reads public values and the user flags, revalidating with the ETag', async () => {
    await server.admin('PUT', '/api/v1/admin/config/home.banner', {
      value: { title: '双十一' },
      public: true,
    });
    await server.admin('PUT', '/api/v1/admin/flags/new-feed', {
      value: { enabled: true, percentage: 100 },
    });

    const config = await alice.client.config.get();
    expect(config['home.banner']).toEqual({ title: '双十一' });
    expect(config._flags?.['new-feed']).toBe(true);
    expect(await alice.client.config.flag('new-feed')).toBe(true);

    const again = await alice.client.config.get();
    expect(again).toEqual(config);
    // flag() and the second get() each revalidated: bodiless 304s.
    expect(alice.wx.calls('/api/v1/config').map((r) => r.status)).toEqual([200, 304, 304]);

    await server.admin('PUT', '/api/v1/admin/config/home.banner', {
      value: { title: '双十二' },
      public: true,
    });
    // Other nodes' caches settle within a second; this node's at once.
    expect(await alice.client.config.value('home.banner', null)).toEqual({ title: '双十二' });
    expect((await alice.client.config.get())._version).toBeGreaterThan(config._version);
  });
});

describe('flash sale', () => {
  async function sale(stock: number, startsInMs: number) {
    const product = await server.admin<{ id: number }>('POST', '/api/v1/admin/products', {
      name: 'SDK mug',
      price_cents: 9900,
    });
    return server.admin<{ id: number }>('POST', '/api/v1/admin/flash-sales', {
      product_id: product.id,
      title: 'SDK mug sale',
      sale_price_cents: 990,
      stock,
      per_user_limit: 1,
      starts_at: new Date(Date.now() + startsInMs).toISOString(),
      ends_at: new Date(Date.now() + 3600_000).toISOString(),
    });
  }

  it('orders with an idempotency key, answers sold out, gives the stock back on cancel', async () => {
    const { id } = await sale(1, -60_000);
    const detail = await alice.client.flashSale.get(id);
    expect(detail).toMatchObject({ phase: 'active', stock_left: 1 });
    expect(alice.client.flashSale.countdown(detail).phase).toBe('active');

    const order = await alice.client.flashSale.order(id, { idempotencyKey: 'alice-order-1' });
    expect(order).toMatchObject({ sale_id: id, quantity: 1, status: 'created', total_cents: 990 });
    // The same key again (a retry after a lost answer): the same order, not a second one.
    const replay = await alice.client.flashSale.order(id, { idempotencyKey: 'alice-order-1' });
    expect(replay.order_id).toBe(order.order_id);

    const soldOut = await error(bob.client.flashSale.order(id));
    expect(soldOut).toMatchObject({ code: ErrorCodes.SoldOut, status: 409 });
    expect(soldOut.requestId).toBeTruthy();

    expect((await alice.client.flashSale.myOrders()).items.map((o) => o.order_id)).toContain(
      order.order_id,
    );
    expect((await alice.client.flashSale.cancel(order.order_id)).status).toBe('cancelled');
    expect((await bob.client.flashSale.order(id)).status).toBe('created');
  });

  it('counts down to an upcoming sale, which refuses orders until it starts', async () => {
    const { id } = await sale(5, 3600_000 - 1000);
    const detail = await alice.client.flashSale.get(id);
    const countdown = alice.client.flashSale.countdown(detail);
    expect(countdown.phase).toBe('upcoming');
    expect(countdown.remainingMs).toBeGreaterThan(3500_000);
    const early = await error(alice.client.flashSale.order(id));
    expect(early).toMatchObject({ code: ErrorCodes.SaleNotStarted, status: 400 });
    const list = await alice.client.flashSale.list();
    expect(list.items.map((s) => s.id)).toContain(id);
  });
});

describe('approvals', () => {
  it('submits a request, and the approver approves it from the to-do list', async () => {
    const template = await server.admin<{ id: number }>(
      'POST',
      '/api/v1/admin/approvals/templates',
      {
        name: 'Leave',
        fields: [
          { key: 'days', label: '天数', type: 'number', required: true, min: 0.5, max: 30 },
          { key: 'reason', label: '事由', type: 'text' },
        ],
        steps: [
          { name: 'Manager', mode: 'single', approvers: [{ type: 'user', user_id: bob.id }] },
        ],
      },
    );

    const templates = await alice.client.approvals.templates();
    expect(templates.map((t) => t.id)).toContain(template.id);
    const bad = await error(alice.client.approvals.submit({ template_id: template.id, form: {} }));
    expect(bad).toMatchObject({ code: ErrorCodes.ValidationFailed });
    expect(bad.message).toContain('form.days');

    const request = await alice.client.approvals.submit({
      template_id: template.id,
      title: '年假',
      form: { days: 2, reason: 'trip' },
    });
    expect(request).toMatchObject({ status: 'pending', current_step_name: 'Manager' });

    const tasks = await bob.client.approvals.tasks();
    expect(tasks.items.map((t) => t.request.id)).toContain(request.id);
    const approved = await bob.client.approvals.approve(request.id, 'have fun');
    expect(approved.status).toBe('approved');
    const twice = await error(bob.client.approvals.approve(request.id));
    expect(twice.status).toBe(409);

    const mine = await alice.client.approvals.myRequests({ status: 'approved' });
    expect(mine.items.map((r) => r.id)).toContain(request.id);
    const timeline = await alice.client.approvals.timeline(request.id);
    expect(timeline.chain_valid).toBe(true);
    const kinds = (await alice.client.notifications.list({ unread: true })).items.map(
      (n) => n.kind,
    );
    expect(kinds).toContain('approval_approved');
  });
});

describe('subscribe messages', () => {
  it('reports the templates the user accepted, which the server then counts', async () => {
    alice.wx.subscribeAnswers = { 'tmpl-approval': 'accept', 'tmpl-promo': 'reject' };
    const result = await alice.client.notifications.subscribe(['tmpl-approval', 'tmpl-promo']);
    expect(result.accepted).toEqual(['tmpl-approval']);
    expect(result.refused).toEqual(['tmpl-promo']);
    expect(result.quotas).toEqual([{ template_id: 'tmpl-approval', remaining: 1 }]);
    expect(await alice.client.notifications.subscriptions()).toEqual(result.quotas);
  });
});

describe('personal data', () => {
  it('exports the data; a deletion request ends the session, and logging in again cancels it', async () => {
    const carol = server.client('carol-pipl');
    const me = await carol.client.users.me();
    const data = await carol.client.users.exportData();
    expect(data.profile.id).toBe(me.id);
    expect(JSON.stringify(data)).not.toContain('session_key');

    const scheduled = await carol.client.users.requestDeletion();
    expect(Date.parse(scheduled.erase_after)).toBeGreaterThan(Date.parse(scheduled.requested_at));
    expect(carol.client.session.isLoggedIn).toBe(false);
    // The next call logs in again, which cancels the request: the same account goes on.
    expect((await carol.client.users.me()).id).toBe(me.id);
  });
});
