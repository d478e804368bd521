// The admin console in a real browser against a real minibase: every page is visited, each
// scenario checks its effect through the public API (what a mini-program would see), and every
// page is screenshotted into docs/console/ for docs/console.md.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN, launchBrowser, screenshot, startMinibase } from './support.mjs';

// A 1x1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

let server;
let browser;
let context;
let page;
const cspViolations = [];

async function go(path) {
  await page.goto(`${server.url}/console${path}`);
  await page.waitForLoadState('networkidle');
}

/** Pick `label` in the Element Plus select marked `data-test`. */
async function choose(dataTest, label) {
  // An earlier select's dropdown fades out for a moment: wait until it is gone, so that the
  // option clicked below is this select's.
  for (let i = 0; i < 100; i++) {
    if ((await page.locator('.el-select-dropdown__item:visible').count()) === 0) break;
    await page.waitForTimeout(50);
  }
  await page.locator(`[data-test="${dataTest}"]`).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click();
}

/** Answer the reason prompt (ElMessageBox.prompt) and confirm. */
async function giveReason(reason) {
  const box = page.locator('.el-message-box');
  await box.locator('input').fill(reason);
  await box.locator('.el-button--primary').click();
  await box.waitFor({ state: 'hidden' });
}

async function confirmBox() {
  const box = page.locator('.el-message-box');
  await box.locator('.el-button--primary').click();
  await box.waitFor({ state: 'hidden' });
}

async function closeDrawer() {
  await page.waitForTimeout(400);
  await page.locator('.el-drawer__close-btn:visible').first().click();
  await page.locator('.el-overlay.is-drawer').first().waitFor({ state: 'hidden' });
}

/** Close the drawer on top (a drawer opened from another's). */
async function closeTopDrawer() {
  await page.waitForTimeout(400);
  const overlays = page.locator('.el-overlay.is-drawer:visible');
  const open = await overlays.count();
  await page.locator('.el-drawer__close-btn:visible').last().click();
  await until(async () => (await overlays.count()) < open, 'the drawer to close');
}

async function signIn(password = ADMIN.password) {
  await go('/login');
  await page.locator('input[name=username]').fill(ADMIN.username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('[data-test=submit]').click();
}

async function until(check, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  server = await startMinibase();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  page = await context.newPage();
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the admin console', () => {
  test('is served with a CSP, long-cached hashed assets and an uncached index', async () => {
    const index = await fetch(`${server.url}/console/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    const html = await index.text();
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, 'index.html names its script');
    const script = await fetch(server.url + asset);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('cache-control') ?? '', /immutable/);
    // A client-side route is the app too.
    const deep = await fetch(`${server.url}/console/users`);
    assert.equal(deep.status, 200);
    assert.match(await deep.text(), /<div id="app">/);
  });

  test('signs in an admin account into an HttpOnly cookie, never into script-readable storage', async () => {
    await go('/');
    await page.waitForURL(/\/console\/login/);
    await screenshot(page, 'login');
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill('wrong-password-000');
    await page.locator('[data-test=submit]').click();
    await page.locator('[data-test=error]').waitFor();

    await signIn();
    await page.waitForURL(/\/console\/dashboard/);
    await page.locator('[data-test=stat-users]').waitFor();

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'mb_console');
    assert.ok(session, 'the session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    const visible = await page.evaluate(() => document.cookie);
    assert.ok(!visible.includes('mb_console'), 'script cannot read the session cookie');
    const stored = await page.evaluate(() =>
      JSON.stringify({ ...localStorage, ...sessionStorage }),
    );
    assert.ok(!stored.includes(session.value), 'no token in web storage');
    assert.ok(!page.url().includes(session.value), 'no token in the URL');
  });

  test('refuses cookie requests without the CSRF header, and non-admin tokens', async () => {
    const forged = await page.request.post(`${server.url}/api/v1/admin/accounts`, {
      data: { username: 'forged', password: 'forged-password-1', role: 'admin' },
    });
    assert.equal(forged.status(), 403);
    assert.equal((await forged.json()).code, 40305);

    const alice = await server.user('nonadmin');
    const session = await server.api('GET', '/api/v1/admin/console/session', {
      token: alice.token,
    });
    assert.equal(session.status, 403);
    const users = await server.api('GET', '/api/v1/admin/users', { token: alice.token });
    assert.equal(users.status, 403);
    assert.equal(users.body.code, 40300);
  });

  test('users: ban with a reason refuses the user at once; unban lets them back', async () => {
    const alice = await server.user('alice');
    assert.equal((await server.api('GET', '/api/v1/users/me', { token: alice.token })).status, 200);
    await go('/users');
    await page.locator('[data-test=user-search]').fill('mock-openid-alice');
    await page.locator('[data-test=user-search-button]').click();
    await page.locator(`[data-test=user-ban-${alice.id}]`).click();
    await giveReason('spam links');
    await page.locator(`[data-test=user-unban-${alice.id}]`).waitFor();

    const me = await server.api('GET', '/api/v1/users/me', { token: alice.token });
    assert.ok([401, 403].includes(me.status), `banned user's call answered ${me.status}`);
    const relogin = await server.api('POST', '/api/v1/auth/login', { body: { code: 'alice' } });
    assert.equal(relogin.status, 403);
    assert.equal(relogin.body.code, 40301);

    await page.locator(`[data-test=user-detail-${alice.id}]`).click();
    await page.locator('[data-test=user-detail]').waitFor();
    await screenshot(page, 'users');
    await closeDrawer();

    await page.locator(`[data-test=user-unban-${alice.id}]`).click();
    await giveReason('appeal accepted');
    await page.locator(`[data-test=user-ban-${alice.id}]`).waitFor();
    const back = await server.api('POST', '/api/v1/auth/login', { body: { code: 'alice' } });
    assert.equal(back.status, 200);
  });

  test('moderation: approving a queued post puts it in the feed', async () => {
    const bob = await server.user('bob');
    const posted = await server.api('POST', '/api/v1/posts', {
      token: bob.token,
      body: { content: 'a borderline post about the sale' },
    });
    assert.ok(posted.status < 300, JSON.stringify(posted.body));
    const id = posted.body.data.id;
    assert.equal(posted.body.data.status, 'pending');
    const feedBefore = await server.api('GET', '/api/v1/posts');
    assert.ok(
      !feedBefore.body.data.items.some((p) => p.id === id),
      'held posts are not in the feed',
    );

    await go('/moderation');
    await page.locator(`[data-test=post-approve-${id}]`).waitFor();
    await screenshot(page, 'moderation');
    await page.locator(`[data-test=post-approve-${id}]`).click();
    await page.locator(`[data-test=post-approve-${id}]`).waitFor({ state: 'detached' });

    const feed = await server.api('GET', '/api/v1/posts');
    assert.ok(
      feed.body.data.items.some((p) => p.id === id),
      'the approved post is in the feed',
    );
  });

  test('config: a key changed in the console is what /api/v1/config serves; history rolls back', async () => {
    await go('/config');
    await page.locator('[data-test=config-new]').click();
    await page.locator('input[name=config-key]').fill('home.banner');
    await page.locator('textarea[name=config-value]').fill('{"title": "双十一"}');
    await page.locator('[data-test=config-save]').click();
    await page.locator('[data-test="config-edit-home.banner"]').waitFor();
    let config = await server.api('GET', '/api/v1/config');
    assert.deepEqual(config.body.data['home.banner'], { title: '双十一' });

    // A schema the next value breaks: the server's 422 is shown and nothing changes.
    await page.locator('[data-test="config-edit-home.banner"]').click();
    await page
      .locator('textarea[name=config-schema]')
      .fill('{"type":"object","required":["title"]}');
    await page.locator('textarea[name=config-value]').fill('{"subtitle": "x"}');
    await page.locator('[data-test=config-save]').click();
    await page.locator('[data-test=config-error]').waitFor();
    assert.match((await page.locator('[data-test=config-error]').textContent()) ?? '', /title/);

    await page.locator('textarea[name=config-value]').fill('{"title": "双十二"}');
    await page.locator('[data-test=config-save]').click();
    await until(async () => {
      config = await server.api('GET', '/api/v1/config');
      return config.body.data['home.banner']?.title === '双十二';
    }, 'the new value');

    await page.locator('[data-test="config-history-home.banner"]').click();
    await page.locator('[data-test=history] .diff-add').first().waitFor();
    await screenshot(page, 'config-history');
    await page.locator('[data-test=rollback-1]').click();
    await until(async () => {
      config = await server.api('GET', '/api/v1/config');
      return config.body.data['home.banner']?.title === '双十一';
    }, 'the rolled-back value');
    await closeDrawer();

    // A feature flag for everyone reaches a signed-in user's _flags.
    await page.locator('.el-tabs__item', { hasText: '功能开关' }).click();
    await page.locator('[data-test=flag-new]').click();
    await page.locator('input[name=flag-name]').fill('new-feed');
    // Move the rollout to 100% (the slider's end) from the keyboard.
    await page.locator('.el-slider__button-wrapper:visible').focus();
    await page.keyboard.press('End');
    await page.locator('.el-form-item__label', { hasText: '100%' }).waitFor();
    await page.locator('[data-test=flag-save]').click();
    await page.locator('[data-test="flag-edit-new-feed"]').waitFor();
    const carol = await server.user('carol');
    const flags = await server.api('GET', '/api/v1/config', { token: carol.token });
    assert.equal(flags.body.data._flags['new-feed'], true);
    await screenshot(page, 'config');
  });

  test('flash sales: a product and a sale made in the console are listed to users', async () => {
    await go('/flash-sales');
    await page.locator('.el-tabs__item', { hasText: '商品' }).click();
    await page.locator('[data-test=product-new]').click();
    await page.locator('input[name=product-name]').fill('Phone X');
    await page.locator('[data-test=product-save]').click();
    await page.locator('[data-test=products]', { hasText: 'Phone X' }).waitFor();

    await page.locator('.el-tabs__item', { hasText: '活动' }).click();
    await page.locator('[data-test=sale-new]').click();
    await choose('sale-product', 'Phone X');
    await page.locator('input[name=sale-title]').fill('双十一秒杀');
    await page.locator('[data-test=sale-save]').click();
    await page.locator('[data-test=sales]', { hasText: '双十一秒杀' }).waitFor();

    const listed = await server.api('GET', '/api/v1/flash-sales');
    const sale = listed.body.data.items.find((s) => s.title === '双十一秒杀');
    assert.ok(sale, 'users see the sale');

    const dave = await server.user('dave');
    const order = await server.api('POST', `/api/v1/flash-sales/${sale.id}/orders`, {
      token: dave.token,
      body: {},
    });
    assert.ok(order.status < 300, JSON.stringify(order.body));
    await page.locator(`[data-test=sale-detail-${sale.id}]`).click();
    await page.locator('[data-test=sale-orders]', { hasText: String(dave.id) }).waitFor();
    await screenshot(page, 'flash-sales');
    await closeDrawer();

    // End it now: users see it ended at once.
    await page.locator(`[data-test=sale-end-${sale.id}]`).click();
    await page.locator(`[data-test=sale-end-${sale.id}]`).waitFor({ state: 'detached' });
    const ended = await server.api('GET', `/api/v1/flash-sales/${sale.id}`);
    assert.equal(ended.body.data.phase, 'ended');
  });

  test('approvals: a two-step template designed in the console walks a request to approved', async () => {
    const applicant = await server.user('erin');
    const first = await server.user('frank');
    const second = await server.user('grace');

    await go('/approvals');
    await page.locator('[data-test=template-new]').click();
    await page.locator('input[name=template-name]').fill('Leave');
    await page.locator('[data-test=add-field]').click();
    await page.locator('input[name=field-key-0]').fill('days');
    await page.locator('input[name=field-label-0]').fill('Days');
    await choose('field-type-0', 'number');
    await page.locator('[data-test=field-required-0]').click();
    await page.locator('input[name=step-name-0]').fill('Lead');
    await choose('step-0-approver-0-type', 'user');
    await page.locator('input[name=step-0-approver-0-user]').fill(String(first.id));
    await page.locator('[data-test=add-step]').click();
    await page.locator('input[name=step-name-1]').fill('Director');
    await choose('step-1-approver-0-type', 'user');
    await page.locator('input[name=step-1-approver-0-user]').fill(String(second.id));
    await screenshot(page, 'approvals-designer');
    await page.locator('[data-test=template-save]').click();
    await page
      .locator('[data-test=templates]', { hasText: 'Lead(single) → Director(single)' })
      .waitFor();

    const templates = await server.api('GET', '/api/v1/approvals/templates', {
      token: applicant.token,
    });
    const template = templates.body.data.find((t) => t.name === 'Leave');
    assert.ok(template);
    const submitted = await server.api('POST', '/api/v1/approvals/requests', {
      token: applicant.token,
      body: { template_id: template.id, title: 'Two days off', form: { days: 2 } },
    });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const id = submitted.body.data.id;
    for (const approver of [first, second]) {
      const res = await server.api('POST', `/api/v1/approvals/requests/${id}/approve`, {
        token: approver.token,
        body: {},
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }

    await page.locator('.el-tabs__item', { hasText: '申请' }).click();
    await page.locator('[data-test=requests-refresh]').click();
    await page.locator(`[data-test=request-detail-${id}]`).click();
    await page.locator('[data-test=request-status]', { hasText: 'approved' }).waitFor();
    assert.match((await page.locator('[data-test=chain]').textContent()) ?? '', /审计链完整/);
    assert.equal((await page.locator('[data-test=timeline] .el-timeline-item').count()) >= 5, true);
    await screenshot(page, 'approvals-request');
    await closeDrawer();
  });

  test('files: an upload is browsed and deleted, and stops being served', async () => {
    const henry = await server.user('henry');
    const form = new FormData();
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'a.png');
    const res = await fetch(`${server.url}/api/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${henry.token}` },
      body: form,
    });
    assert.equal(res.status, 201);
    const file = (await res.json()).data;
    await go('/files');
    await page.locator(`[data-test=file-delete-${file.id}]`).waitFor();
    await screenshot(page, 'files');
    await page.locator(`[data-test=file-delete-${file.id}]`).click();
    await confirmBox();
    await page.locator(`[data-test=file-delete-${file.id}]`).waitFor({ state: 'detached' });
    assert.equal((await fetch(file.url)).status, 404);
  });

  test('jobs: a pending job is retried now, then discarded', async () => {
    // The flash-sale order above queued its expiry for later: a pending job.
    await go('/jobs');
    await page.locator('[data-test=job-status] .el-radio-button', { hasText: '待执行' }).click();
    const row = page.locator('[data-test=jobs] .el-table__row', {
      hasText: 'flash_sale.expire_order',
    });
    await row.waitFor();
    const retry = row.locator('[data-test^=job-retry-]');
    const id = ((await retry.getAttribute('data-test')) ?? '').replace('job-retry-', '');
    assert.match(id, /^\d+$/);
    await retry.click();
    await page.locator('.el-message--success').first().waitFor();
    // It ran at once and, the order not being due, failed its first attempt and waits again.
    await until(async () => {
      await page.locator('[data-test=jobs-refresh]').click();
      await page.waitForLoadState('networkidle');
      return /not due yet/.test((await row.textContent()) ?? '');
    }, 'the retried job to have run');
    await screenshot(page, 'jobs');
    await page.locator(`[data-test=job-discard-${id}]`).click();
    await confirmBox();
    await page.locator(`[data-test=job-discard-${id}]`).waitFor({ state: 'detached' });
  });

  test("dashboard counts users, orders and the node's traffic", async () => {
    await go('/dashboard');
    const users =
      (await page.locator('[data-test=stat-users] .el-statistic__number').textContent()) ?? '';
    assert.ok(Number(users.replace(/\D/g, '')) >= 8, `dashboard counts the users (${users})`);
    const orders =
      (await page.locator('[data-test=stat-orders] .el-statistic__number').textContent()) ?? '';
    assert.equal(orders.trim(), '1');
    await page.locator('[data-test=chart-rate] polyline').waitFor();
    await screenshot(page, 'dashboard');
  });

  test('admin accounts: one created and disabled in the console cannot sign in', async () => {
    await go('/admins');
    await page.locator('[data-test=admin-new]').click();
    await page.locator('input[name=new-username]').fill('mod1');
    await page.locator('input[name=new-password]').fill('moderator-pass-1');
    await page.locator('[data-test=admin-create]').click();
    await page.locator('[data-test=admin-toggle-mod1]').waitFor();
    const login = () =>
      server.api('POST', '/api/v1/admin/auth/login', {
        body: { username: 'mod1', password: 'moderator-pass-1' },
      });
    assert.equal((await login()).status, 200);
    await page.locator('[data-test=admin-toggle-mod1]').click();
    await page.locator('[data-test=admins]', { hasText: '已停用' }).waitFor();
    assert.equal((await login()).status, 403);
    await screenshot(page, 'admins');
  });

  test("flash sales: an order's payment is shown in yuan and refunded in part, then in full", async () => {
    const admin = await server.adminToken();
    const asAdmin = async (method, path, body) => {
      const res = await server.api(method, path, { token: admin, body });
      assert.ok(res.status < 300, `${method} ${path}: ${JSON.stringify(res.body)}`);
      return res.body.data;
    };
    const product = await asAdmin('POST', '/api/v1/admin/products', {
      name: 'Kettle',
      price_cents: 5900,
    });
    const sale = await asAdmin('POST', '/api/v1/admin/flash-sales', {
      product_id: product.id,
      title: '水壶秒杀',
      sale_price_cents: 1990,
      stock: 10,
      per_user_limit: 1,
      starts_at: new Date(Date.now() - 60_000).toISOString(),
      ends_at: new Date(Date.now() + 3600_000).toISOString(),
    });
    // A buyer pays through WeChat Pay (the mock): the pay route, then the payer pays.
    const buyer = await server.user('henry');
    const placed = await server.api('POST', `/api/v1/flash-sales/${sale.id}/orders`, {
      token: buyer.token,
      body: {},
    });
    const orderId = placed.body.data.order_id;
    const pay = await server.api('POST', `/api/v1/flash-sale-orders/${orderId}/pay`, {
      token: buyer.token,
    });
    assert.equal(pay.status, 200, JSON.stringify(pay.body));
    await server.mockPay('pay', pay.body.data.out_trade_no);
    await until(async () => {
      const order = await server.api('GET', `/api/v1/flash-sale-orders/${orderId}`, {
        token: buyer.token,
      });
      return order.body.data.status === 'paid';
    }, 'the order to be paid');

    await go('/flash-sales');
    await page.locator(`[data-test=sale-detail-${sale.id}]`).click();
    await page.locator(`[data-test=order-payment-${orderId}]`).click();
    const drawer = page.locator('[data-test=payment]');
    await drawer.locator('[data-test=payment-status]', { hasText: '已支付' }).waitFor();
    assert.equal(await drawer.locator('[data-test=payment-amount]').textContent(), '¥19.90');
    assert.equal(await drawer.locator('[data-test=payment-refunded]').textContent(), '¥0.00');
    assert.match(
      (await drawer.locator('[data-test=payment-transaction]').textContent()) ?? '',
      /\w{8,}/,
    );

    // Partial: an amount over what was paid is refused by the form, before any request.
    await drawer.locator('[data-test=refund-kind] .el-radio', { hasText: '部分退款' }).click();
    await drawer.locator('input[name=refund-amount]').fill('25.00');
    await drawer.locator('input[name=refund-reason]').fill('商品破损');
    await drawer.locator('[data-test=refund-submit]').click();
    await drawer.locator('.el-form-item__error', { hasText: '¥19.90' }).waitFor();
    await drawer.locator('input[name=refund-amount]').fill('5.50');
    await drawer.locator('[data-test=refund-submit]').click();
    // The confirmation names the amount and the reason; cancelling sends nothing.
    const box = page.locator('.el-message-box');
    await box.waitFor();
    assert.match((await box.textContent()) ?? '', /¥5\.50[\s\S]*商品破损/);
    await box.locator('.el-button:not(.el-button--primary)').click();
    await box.waitFor({ state: 'hidden' });
    let record = await asAdmin('GET', `/api/v1/admin/flash-sale-orders/${orderId}/payment`);
    assert.equal(record.refunds.length, 0);

    await drawer.locator('[data-test=refund-submit]').click();
    await confirmBox();
    await drawer.locator('[data-test=payment-refunds]', { hasText: '商品破损' }).waitFor();
    await drawer.locator('[data-test=payment-refunded]', { hasText: '¥5.50' }).waitFor();

    // Full: what is left (¥14.40).
    await drawer.locator('[data-test=refund-kind] .el-radio', { hasText: '¥14.40' }).click();
    await drawer.locator('input[name=refund-reason]').fill('用户申请退款');
    await drawer.locator('[data-test=refund-submit]').click();
    await confirmBox();
    await drawer.locator('[data-test=payment-refunded]', { hasText: '¥19.90' }).waitFor();
    // Nothing is left to refund: the form is gone.
    await drawer.locator('[data-test=refund-form]').waitFor({ state: 'detached' });

    record = await asAdmin('GET', `/api/v1/admin/flash-sale-orders/${orderId}/payment`);
    assert.equal(record.refunded_cents, 1990);
    assert.deepEqual(record.refunds.map((r) => [r.amount_cents, r.reason]).sort(), [
      [1440, '用户申请退款'],
      [550, '商品破损'],
    ]);
    // WeChat Pay confirms the refunds (the mock after 200 ms): the console shows it on reopening.
    await until(async () => {
      const now = await asAdmin('GET', `/api/v1/admin/flash-sale-orders/${orderId}/payment`);
      return now.refunds.every((r) => r.status === 'success');
    }, 'the refunds to succeed');
    await closeTopDrawer();
    await page.locator(`[data-test=order-payment-${orderId}]`).click();
    await drawer.locator('[data-test=payment-refunds]', { hasText: '已退款' }).waitFor();
    await screenshot(page, 'payment');
    await closeTopDrawer();

    // The audited override: an unpaid order marked paid after a confirmation; it has no payment.
    const other = await server.user('irene');
    const unpaid = await server.api('POST', `/api/v1/flash-sales/${sale.id}/orders`, {
      token: other.token,
      body: {},
    });
    const unpaidId = unpaid.body.data.order_id;
    await page.locator(`[data-test=order-mark-paid-${unpaidId}]`).click();
    await confirmBox();
    await page.locator(`[data-test=order-mark-paid-${unpaidId}]`).waitFor({ state: 'detached' });
    const marked = await server.api('GET', `/api/v1/flash-sale-orders/${unpaidId}`, {
      token: other.token,
    });
    assert.equal(marked.body.data.status, 'paid');
    await page.locator(`[data-test=order-payment-${unpaidId}]`).click();
    await drawer.locator('[data-test=payment-none]').waitFor();
    await closeTopDrawer();
    await closeTopDrawer();
  });

  test("flash sales: a sale's older orders load on demand and stay through the live refresh", async () => {
    const admin = await server.adminToken();
    const asAdmin = async (method, path, body) => {
      const res = await server.api(method, path, { token: admin, body });
      assert.ok(res.status < 300, `${method} ${path}: ${JSON.stringify(res.body)}`);
      return res.body.data;
    };
    const product = await asAdmin('POST', '/api/v1/admin/products', {
      name: 'Cup',
      price_cents: 900,
    });
    const sale = await asAdmin('POST', '/api/v1/admin/flash-sales', {
      product_id: product.id,
      title: '杯子秒杀',
      sale_price_cents: 100,
      stock: 60,
      per_user_limit: 1,
      starts_at: new Date(Date.now() - 60_000).toISOString(),
      ends_at: new Date(Date.now() + 3600_000).toISOString(),
    });
    // One order more than a page (50).
    const ids = [];
    for (let i = 0; i < 51; i++) {
      const buyer = await server.user(`cup-buyer-${i}`);
      const order = await server.api('POST', `/api/v1/flash-sales/${sale.id}/orders`, {
        token: buyer.token,
        body: {},
      });
      assert.ok(order.status < 300, JSON.stringify(order.body));
      ids.push(order.body.data.order_id);
    }
    await go('/flash-sales');
    await page.locator(`[data-test=sale-detail-${sale.id}]`).click();
    const rows = page.locator('[data-test=sale-orders] .el-table__body-wrapper tbody tr');
    await until(async () => (await rows.count()) === 50, 'the first page of orders');
    await page.locator(`[data-test=order-payment-${ids[0]}]`).waitFor({ state: 'detached' });
    await page.locator('[data-test=sale-orders-more]').click();
    await page.locator(`[data-test=order-payment-${ids[0]}]`).waitFor();
    assert.equal(await rows.count(), 51);
    await page.locator('[data-test=sale-orders-more]').waitFor({ state: 'detached' });
    // The drawer refreshes every 3 s: the older order is still there after it.
    await page.waitForTimeout(3500);
    assert.equal(await rows.count(), 51);
    await closeTopDrawer();
  });

  test('the audit log names who did what, with the reason', async () => {
    await go('/audit');
    await page.locator('[data-test=audit]', { hasText: 'spam links' }).waitFor();
    assert.match((await page.locator('[data-test=audit]').textContent()) ?? '', /ops/);
    // A refund's reason (the flash-sales payment test's) is kept beside the admin's action.
    await page.locator('[data-test=audit] .el-table__row', { hasText: '商品破损' }).waitFor();
    await screenshot(page, 'audit');
  });

  test('change password, sign out, and sign in with the new one', async () => {
    await go('/password');
    await page.locator('input[name=current]').fill(ADMIN.password);
    await page.locator('input[name=next]').fill('a-new-password-456');
    await page.locator('input[name=repeat]').fill('a-new-password-456');
    await screenshot(page, 'password');
    await page.locator('[data-test=change-password]').click();
    await page.locator('.el-message--success').waitFor();
    // The session continues with the cookie the change set.
    await go('/dashboard');
    await page.locator('[data-test=stat-users]').waitFor();

    await page.locator('[data-test=account]').hover();
    await page.locator('[data-test=sign-out]').click();
    await page.waitForURL(/\/console\/login/);
    assert.ok(!(await context.cookies()).some((c) => c.name === 'mb_console' && c.value));

    await signIn(ADMIN.password);
    await page.locator('[data-test=error]').waitFor();
    await signIn('a-new-password-456');
    await page.waitForURL(/\/console\/dashboard/);
  });

  test('English is selectable', async () => {
    await page.locator('[data-test=locale]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'English' }).click();
    await page.locator('[data-test=menu-users]', { hasText: 'Users' }).waitFor();
  });

  test('no page broke the Content-Security-Policy', () => {
    assert.deepEqual(cspViolations, []);
  });
});
