// The collections page in a real browser against a real minibase: a collection defined in the
// console (with a rule refused at its column first) is what mini-program users get through the
// records API, its rules filter what each user sees, records are browsed, filtered, created,
// edited and deleted, and a change that drops a field is confirmed before it runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN, launchBrowser, screenshot, startMinibase } from './support.mjs';

let server;
let browser;
let page;

async function go(path) {
  await page.goto(`${server.url}/console${path}`);
  await page.waitForLoadState('networkidle');
}

/** Pick `label` in the Element Plus select marked `data-test`. */
async function choose(dataTest, label) {
  for (let i = 0; i < 100; i++) {
    if ((await page.locator('.el-select-dropdown__item:visible').count()) === 0) break;
    await page.waitForTimeout(50);
  }
  await page.locator(`[data-test="${dataTest}"]`).click();
  await page
    .locator('.el-select-dropdown__item:visible', { hasText: new RegExp(`^\\s*${label}\\s*$`) })
    .first()
    .click();
}

async function confirmBox() {
  const box = page.locator('.el-message-box');
  await box.locator('.el-button--primary').click();
  await box.waitFor({ state: 'hidden' });
}

async function closeDrawer() {
  await page.waitForTimeout(400);
  await page.locator('.el-drawer__close-btn:visible').first().click();
  await page.locator('.el-overlay.is-drawer:visible').first().waitFor({ state: 'hidden' });
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

async function titlesOf(user) {
  const res = await server.api('GET', '/api/v1/collections/todos/records?sort=id', {
    token: user.token,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data.items.map((r) => r.title);
}

before(async () => {
  server = await startMinibase();
  browser = await launchBrowser();
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
  });
  page = await context.newPage();
  await go('/login');
  await page.locator('input[name=username]').fill(ADMIN.username);
  await page.locator('input[name=password]').fill(ADMIN.password);
  await page.locator('[data-test=submit]').click();
  await page.locator('[data-test=menu]').waitFor();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the collections page', () => {
  let alice;
  let bob;

  test('defines a collection; a rule that does not parse is refused at its column', async () => {
    await go('/collections');
    await page.locator('[data-test=collection-new]').click();
    await page.locator('input[name=collection-name]').fill('todos');
    for (let i = 0; i < 3; i++) await page.locator('[data-test=field-add]').click();
    await page.locator('input[name=field-name-0]').fill('title');
    await page.locator('[data-test=field-required-0]').click();
    await page.locator('input[name=field-name-1]').fill('done');
    await choose('field-type-1', 'bool');
    await page.locator('input[name=field-default-1]').fill('false');
    await page.locator('input[name=field-name-2]').fill('owner');
    await choose('field-type-2', 'relation');
    await choose('field-target-2', 'users');
    await page.locator('[data-test=index-add]').click();
    await choose('index-fields-0', 'owner');
    await page.keyboard.press('Escape');
    await choose('owner-field', 'owner');
    for (const action of ['list', 'view', 'update', 'delete']) {
      await choose(`rule-mode-${action}`, '表达式');
      await page.locator(`input[name=rule-${action}]`).fill('record.owner == auth.id');
    }
    await choose('rule-mode-create', '表达式');
    await page.locator('input[name=rule-create]').fill('auth.id != null');
    // One `=` where `==` was meant: the server refuses it, and the page points at column 14.
    await page.locator('input[name=rule-view]').fill('record.owner = auth.id');
    await page.locator('[data-test=collection-save]').click();
    const error = page.locator('[data-test=rule-error-view]');
    await error.waitFor();
    assert.match(await error.textContent(), /14/);
    const caret = await error.locator('pre').textContent();
    assert.equal(caret.split('\n')[1].indexOf('^'), 13, caret);
    assert.equal((await server.api('GET', '/api/v1/collections/todos/records')).status, 404);

    await page.locator('input[name=rule-view]').fill('record.owner == auth.id');
    await page.locator('[data-test=collection-save]').click();
    await page.locator('[data-test=collections]', { hasText: 'todos' }).waitFor();
    await page.locator('.el-overlay.is-drawer:visible').first().waitFor({ state: 'hidden' });
  });

  test("the console's rules hold for users: each sees only their own records", async () => {
    alice = await server.user('alice');
    bob = await server.user('bob');
    for (const [user, title] of [
      [alice, 'buy milk'],
      [alice, 'call mum'],
      [bob, "bob's secret"],
    ]) {
      const res = await server.api('POST', '/api/v1/collections/todos/records', {
        token: user.token,
        body: { title },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.data.owner, user.id);
      assert.equal(res.body.data.done, false, 'the default from the console applies');
    }
    assert.deepEqual(await titlesOf(alice), ['buy milk', 'call mum']);
    assert.deepEqual(await titlesOf(bob), ["bob's secret"]);
    const anonymous = await server.api('POST', '/api/v1/collections/todos/records', {
      body: { title: 'nobody' },
    });
    assert.equal(anonymous.status, 403, 'the create rule refuses anonymous callers');
  });

  test('browses, filters, creates, edits and deletes records', async () => {
    await page.locator('[data-test=collection-open-todos]').click();
    const table = page.locator('[data-test=records]');
    // Admins see every record, whatever the rules.
    await table.locator('tr', { hasText: "bob's secret" }).waitFor();
    await table.locator('tr', { hasText: 'buy milk' }).waitFor();

    await page.locator('[data-test=record-filter]').fill('title ~ "MILK"');
    await page.locator('[data-test=record-search]').click();
    await until(async () => (await table.locator('tbody tr').count()) === 1, 'the filter');
    assert.match(await table.textContent(), /buy milk/);
    await page.locator('[data-test=record-filter]').fill('');
    await page.locator('[data-test=record-search]').click();
    await until(async () => (await table.locator('tbody tr').count()) === 3, 'all records');

    // A record made in the console, owned by alice, is hers through the API.
    await page.locator('[data-test=record-new]').click();
    await page.locator('input[name=record-title]').fill('from the console');
    await page.locator('input[name=record-owner]').fill(String(alice.id));
    await page.locator('[data-test=record-save]').click();
    await table.locator('tr', { hasText: 'from the console' }).waitFor();
    assert.deepEqual(await titlesOf(alice), ['buy milk', 'call mum', 'from the console']);

    // A value of the wrong type is refused with the field named, and nothing is written.
    const mine = (
      await server.api('GET', '/api/v1/collections/todos/records?sort=id', { token: alice.token })
    ).body.data.items;
    await page.locator(`[data-test=record-edit-${mine[0].id}]`).click();
    await page.locator('input[name=record-owner]').fill('-3');
    await page.locator('[data-test=record-save]').click();
    await page.locator('[data-test=record-error]', { hasText: 'owner' }).waitFor();
    await page.locator('input[name=record-owner]').fill(String(alice.id));
    await page.locator('input[name=record-title]').fill('buy oat milk');
    await page.locator('[data-test=record-save]').click();
    await table.locator('tr', { hasText: 'buy oat milk' }).waitFor();
    assert.deepEqual(await titlesOf(alice), ['buy oat milk', 'call mum', 'from the console']);
    await screenshot(page, 'collections');

    await page.locator(`[data-test=record-delete-${mine[1].id}]`).click();
    await confirmBox();
    await table.locator('tr', { hasText: 'call mum' }).waitFor({ state: 'detached' });
    assert.deepEqual(await titlesOf(alice), ['buy oat milk', 'from the console']);
  });

  test('a change that drops a field asks first, and runs only when confirmed', async () => {
    await page.locator('[data-test=collection-edit-todos]').click();
    const rows = page.locator('[data-test=field-rows] tbody tr');
    await rows.nth(1).locator('.el-button--danger').click();
    await page.locator('[data-test=collection-save]').click();
    // The server's 409 names what would be lost; cancelling leaves the collection as it was.
    const box = page.locator('.el-message-box');
    await box.waitFor();
    assert.match(await box.textContent(), /done/);
    await box.locator('.el-button:not(.el-button--primary)').click();
    await box.waitFor({ state: 'hidden' });
    let record = (
      await server.api('GET', '/api/v1/collections/todos/records', { token: alice.token })
    ).body.data.items[0];
    assert.ok('done' in record, 'not dropped without a confirmation');

    await page.locator('[data-test=collection-save]').click();
    await confirmBox();
    await page.locator('.el-overlay.is-drawer:visible').first().waitFor({ state: 'hidden' });
    record = (await server.api('GET', '/api/v1/collections/todos/records', { token: alice.token }))
      .body.data.items[0];
    assert.ok(!('done' in record), 'dropped once confirmed');
    await closeDrawer().catch(() => {});
  });
});
