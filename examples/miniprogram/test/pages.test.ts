// The pages' logic against a real server, as two users (alice and bob) of the demo: the seed
// script fills the server, then each page model runs through the SDK and a wx shim exactly as
// the pages drive it in the mini-program.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type MinibaseClient } from 'minibase-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Minibase, startMinibase } from '../../../sdk/test/support/minibase';
import { NodeWx } from '../../../sdk/test/support/wx-node';
import {
  ApprovalsModel,
  DetailModel,
  initialApprovals,
  initialDetail,
  initialSubmit,
  SubmitModel,
} from '../miniprogram/logic/approvals';
import {
  ComposeModel,
  FeedModel,
  initialCompose,
  initialFeed,
  initialPost,
  initialUser,
  PostModel,
  UserModel,
} from '../miniprogram/logic/community';
import { initialSale, initialSales, SaleModel, SalesModel } from '../miniprogram/logic/flash-sale';
import { HomeModel, initialHome } from '../miniprogram/logic/home';
import { initialNotifications, NotificationsModel } from '../miniprogram/logic/notifications';
import type { View } from '../miniprogram/logic/view';

/** A page as a model sees it: data, and setData merging top-level keys. */
function page<D extends object>(data: D): View<D> {
  return {
    data,
    setData(patch) {
      Object.assign(this.data, patch);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Seeded {
  users: { alice: number; bob: number };
  templates: Record<string, number>;
  sale: number;
  posts: number[];
}

let server: Minibase;
let seeded: Seeded;
let alice: MinibaseClient;
let bob: MinibaseClient;
let aliceWx: NodeWx;
let bobWx: NodeWx;
let files: string;

beforeAll(async () => {
  server = await startMinibase();
  // The seed script logs in as the test's admin account (made by startMinibase).
  const out = execFileSync(
    process.execPath,
    [
      join(__dirname, '..', 'scripts', 'seed.mjs'),
      '--url',
      server.url,
      '--admin',
      'sdk-admin',
      '--starts-in',
      '2',
      '--json',
    ],
    { encoding: 'utf8', env: { ...process.env, MINIBASE_ADMIN_PASSWORD: 'sdk-admin-password-1' } },
  );
  seeded = JSON.parse(out) as Seeded;
  aliceWx = new NodeWx('alice');
  alice = createClient({ baseUrl: server.url, wx: aliceWx.wx });
  bobWx = new NodeWx('bob');
  // The payment sheet pays at the server's mock WeChat Pay, which notifies the server a moment
  // later, as WeChat Pay does.
  bobWx.payer = server.payAndNotifyLater;
  bob = createClient({ baseUrl: server.url, wx: bobWx.wx });
  files = mkdtempSync(join(tmpdir(), 'minibase-demo-'));
});
afterAll(async () => {
  await server?.stop();
  if (files) rmSync(files, { recursive: true, force: true });
});

describe('the demo against a real server', () => {
  it('home: the profile of the seeded user, the banner, a nickname, a phone number', async () => {
    const home = page(initialHome());
    const model = new HomeModel(alice, home);
    await model.load();
    expect(home.data).toMatchObject({
      loading: false,
      error: '',
      me: { id: seeded.users.alice, nickname: 'Alice' },
      banner: { title: 'Minibase 示例' },
    });

    await model.setNickname('  爱丽丝 ');
    expect(home.data.me?.nickname).toBe('爱丽丝');
    await model.bindPhone({ detail: { code: 'phone', errMsg: 'getPhoneNumber:ok' } });
    expect(home.data.me?.phone).toBeTruthy();
    await model.bindPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny' } });
    expect(home.data.error).toBe('操作已取消');
  });

  it('home: the user exports their data and deletes the account', async () => {
    const dave = createClient({ baseUrl: server.url, wx: new NodeWx('dave-pipl').wx });
    const home = page(initialHome());
    const model = new HomeModel(dave, home);
    await model.load();
    const id = home.data.me?.id;
    await model.exportData();
    expect(home.data.error).toBe('');
    expect(home.data.exported?.find((s) => s.section === 'sessions')?.count).toBeGreaterThan(0);

    await model.deleteAccount();
    expect(home.data).toMatchObject({ me: null, error: '' });
    expect(Date.parse(home.data.eraseAfter)).toBeGreaterThan(Date.now());
    expect(dave.session.isLoggedIn).toBe(false);
    // The page showing again does not log in (that would cancel)...
    await model.load();
    expect(home.data.me).toBeNull();
    expect(dave.session.isLoggedIn).toBe(false);
    // ...coming back later within the grace period does, and cancels: the same account.
    const again = page(initialHome());
    await new HomeModel(dave, again).load();
    expect(again.data.me?.id).toBe(id);
  });

  it('community: the feed with its flag-gated tab, likes, a post with an image, comments, a follow', async () => {
    const feed = page(initialFeed());
    const feedModel = new FeedModel(bob, feed, 2);
    await feedModel.refresh();
    expect(feed.data.tabs).toEqual(['latest', 'hot', 'following']);
    expect(feed.data.posts).toHaveLength(2);
    await feedModel.more();
    expect(feed.data.posts.map((p) => p.id).sort()).toEqual([...seeded.posts].sort());
    expect(feed.data.done).toBe(true);
    expect(feed.data.posts[0]?.ago).toBe('刚刚');

    const first = feed.data.posts[0];
    if (!first) throw new Error('no post');
    await feedModel.toggleLike(first.id);
    expect(feed.data.posts[0]).toMatchObject({ liked_by_me: true, like_count: 1 });
    await feedModel.toggleLike(first.id);
    expect(feed.data.posts[0]).toMatchObject({ liked_by_me: false, like_count: 0 });

    // Compose: nothing written is refused before any request; then a post with an image.
    const compose = page(initialCompose());
    const composeModel = new ComposeModel(alice, compose);
    expect(await composeModel.publish()).toBeNull();
    expect(compose.data.error).toBe('写点什么吧');
    const png = join(files, 'photo.png');
    writeFileSync(
      png,
      Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
        'base64',
      ),
    );
    composeModel.setContent('带图的帖子');
    composeModel.setTopics('#示例 旅行');
    composeModel.addImages([png]);
    const post = await composeModel.publish();
    expect(post).toMatchObject({ status: 'pending', topics: ['示例', '旅行'] });
    expect(compose.data).toEqual(initialCompose());

    // The post page: bob comments, alice replies to him.
    const bobPost = page(initialPost());
    const bobPostModel = new PostModel(bob, bobPost);
    await bobPostModel.load(first.id);
    expect(await bobPostModel.send('写得好')).toBe(true);
    const alicePost = page(initialPost());
    const alicePostModel = new PostModel(alice, alicePost);
    await alicePostModel.load(first.id);
    const comment = alicePost.data.comments[0];
    if (!comment) throw new Error('no comment');
    alicePostModel.replyTo(comment);
    expect(alicePost.data.replyTo).toEqual({ id: comment.id, nickname: 'Bob' });
    expect(await alicePostModel.send('谢谢')).toBe(true);
    expect(alicePost.data.replyTo).toBeNull();
    expect(alicePost.data.comments[0]?.replies.map((r) => r.content)).toEqual(['谢谢']);
    expect(alicePost.data.post?.comment_count).toBe(2);

    // The user page: bob follows alice.
    const profile = page(initialUser());
    const userModel = new UserModel(bob, profile);
    await userModel.load(seeded.users.alice);
    expect(profile.data.isMe).toBe(false);
    const followers = profile.data.profile?.followers ?? -1;
    await userModel.toggleFollow();
    expect(profile.data.profile).toMatchObject({ followed_by_me: true, followers: followers + 1 });
    await feedModel.switchTab('following');
    expect(feed.data.posts.every((p) => p.author.id === seeded.users.alice)).toBe(true);
    expect(feed.data.posts.length).toBeGreaterThan(0);
  });

  it('flash sale: the countdown to the start, then an order, the limit, a cancel', async () => {
    const list = page(initialSales());
    await new SalesModel(alice, list).load();
    const card = list.data.sales.find((s) => s.id === seeded.sale);
    expect(card).toMatchObject({ price: '¥9.90', title: '秒杀 · 示例马克杯' });

    const sale = page(initialSale());
    const model = new SaleModel(alice, sale);
    await model.load(seeded.sale);
    expect(sale.data.sale).toMatchObject({ price: '¥9.90', listPrice: '¥99.00' });
    if (sale.data.sale?.phaseText === '即将开始') {
      expect(sale.data.sale.countdown).toMatch(/^00:00:0[0-2]$/);
      await sleep(2_500);
    }
    model.tick();
    // The start reloads the sale.
    await sleep(200);
    expect(sale.data.sale?.phaseText).toBe('抢购中');

    await model.buy();
    expect(sale.data.message).toBe('');
    expect(sale.data.order).toMatchObject({ status: 'created', total: '¥9.90' });
    expect(sale.data.sale?.stock_left).toBe(4);
    // Over the limit: the message says so, and the order on the page stays.
    const order = sale.data.order;
    await model.buy();
    expect(sale.data.message).toBe('已达到限购数量');
    expect(sale.data.order).toEqual(order);
    await model.cancel();
    expect(sale.data.order?.status).toBe('cancelled');
    expect(sale.data.sale?.stock_left).toBe(5);
  });

  it('flash sale: paying an order: a cancelled sheet, a failed one, then paid as the server says', async () => {
    const sale = page(initialSale());
    const model = new SaleModel(bob, sale);
    await model.load(seeded.sale);
    await model.buy();
    expect(sale.data.order).toMatchObject({ status: 'created', statusText: '待支付' });

    bobWx.paymentAnswer = 'cancel';
    await model.pay();
    expect(sale.data).toMatchObject({
      payment: 'cancelled',
      paying: false,
      order: { status: 'created', statusText: '待支付' },
    });
    expect(sale.data.paymentText).toContain('已取消支付');

    bobWx.paymentAnswer = 'fail';
    await model.pay();
    expect(sale.data).toMatchObject({ payment: 'failed', paymentText: '支付失败，请重试' });
    expect(sale.data.order?.status).toBe('created');

    bobWx.paymentAnswer = 'pay';
    await model.pay();
    expect(sale.data).toMatchObject({
      payment: 'paid',
      paymentText: '支付成功',
      message: '',
      order: { status: 'paid', statusText: '已支付' },
    });
    // The server says so too, and a paid order cannot be cancelled.
    expect((await bob.flashSale.myOrder(sale.data.order?.order_id ?? 0)).status).toBe('paid');
    await model.cancel();
    expect(sale.data.order?.status).toBe('paid');
    expect(sale.data.message).not.toBe('');
  });

  it('approvals: alice submits a leave request, bob approves it from his to-do list', async () => {
    const home = page(initialApprovals());
    await new ApprovalsModel(alice, home).load();
    const leave = home.data.templates.find((t) => t.name === '请假');
    if (!leave) throw new Error('no leave template');

    const form = page(initialSubmit());
    const submit = new SubmitModel(alice, form);
    await submit.load(leave.id);
    expect(form.data.fields.map((f) => f.key)).toEqual(['kind', 'period', 'days', 'reason']);
    // Missing fields: the server names them.
    expect(await submit.submit()).toBeNull();
    expect(form.data.error).toContain('form.');
    submit.setValue('kind', '年假');
    submit.setValue('period.start', '2026-12-01');
    submit.setValue('period.end', '2026-12-03');
    submit.setValue('days', '3');
    submit.setTitle('年假 12/1-12/3');
    const id = await submit.submit();
    expect(id).toBeGreaterThan(0);

    const bobHome = page(initialApprovals());
    await new ApprovalsModel(bob, bobHome).load();
    expect(bobHome.data.tasks.map((t) => t.request.id)).toContain(id);

    const detail = page(initialDetail());
    const bobDetail = new DetailModel(bob, detail);
    await bobDetail.load(id ?? 0);
    expect(detail.data).toMatchObject({ canApprove: true, canReject: true, canWithdraw: false });
    expect(detail.data.lines).toContainEqual({ label: '天数', value: '3' });
    await bobDetail.reject('   ');
    expect(detail.data.error).toBe('请填写驳回理由');
    await bobDetail.approve('好好休息');
    expect(detail.data.request?.statusText).toBe('已通过');
    expect(detail.data.canApprove).toBe(false);
    expect(detail.data.timeline?.chain_valid).toBe(true);

    const mine = page(initialApprovals());
    await new ApprovalsModel(alice, mine).load();
    expect(mine.data.mine.find((r) => r.id === id)?.statusText).toBe('已通过');
  });

  it('notifications: what happened to alice, read marks, subscribe messages', async () => {
    await server.admin('PUT', '/api/v1/admin/config/subscribe.templates', {
      value: ['tmpl-approval'],
      public: true,
    });
    aliceWx.subscribeAnswers = { 'tmpl-approval': 'accept' };
    const view = page(initialNotifications());
    const model = new NotificationsModel(alice, view);
    await model.refresh();
    const texts = view.data.items.map((n) => n.text);
    expect(texts).toEqual(expect.arrayContaining(['评论了你的帖子', '关注了你', '你的审批已通过']));
    expect(view.data.unread).toBe(view.data.items.length);

    const first = view.data.items[0];
    if (!first) throw new Error('no notification');
    await model.markRead(first.id);
    expect(view.data.unread).toBe(view.data.items.length - 1);
    await model.markRead();
    expect(view.data.unread).toBe(0);
    expect(view.data.items.every((n) => n.read)).toBe(true);

    await model.subscribe();
    expect(view.data.subscribed).toBe('已订阅 1 个通知');
    expect(await alice.notifications.subscriptions()).toEqual([
      { template_id: 'tmpl-approval', remaining: 1 },
    ]);
  });

  it('home: the badge goes live over realtime', async () => {
    const home = page(initialHome());
    const model = new HomeModel(alice, home);
    await model.load();
    const before = home.data.unread;
    const stop = model.watchBadge();
    // Bob follows alice (again): her badge counts it without a reload.
    await bob.community.unfollow(seeded.users.alice);
    await sleep(300);
    await bob.community.follow(seeded.users.alice);
    for (let waited = 0; home.data.unread === before && waited < 5000; waited += 50) {
      await sleep(50);
    }
    expect(home.data.unread).toBe(before + 1);
    stop();
    alice.realtime.close();
  });
});
