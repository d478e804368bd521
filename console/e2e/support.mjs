// Starts a real `minibase` (dev mode, the in-process mock WeChat, a throw-away SQLite database)
// and a headless Chromium for the console's browser tests. The binary is MINIBASE_BIN, by default
// the workspace's target/debug/minibase (`cargo build` first); the browser is CHROMIUM_PATH, by
// default Debian's `chromium` package (playwright-core never downloads one).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..');
export const MINIBASE_BIN = resolve(
  process.env.MINIBASE_BIN ?? join(REPO, 'target', 'debug', 'minibase'),
);
export const SCREENSHOTS = join(REPO, 'docs', 'console');
export const ADMIN = { username: 'ops', password: 'ops-password-123' };
/** The merchant id of the server's in-process mock WeChat Pay (dev mode). */
const MOCK_MCHID = '1900000001';

function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const path of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (existsSync(path)) return path;
  }
  throw new Error('no chromium: apt-get install chromium, or set CHROMIUM_PATH');
}

export async function startMinibase(env = {}) {
  if (!existsSync(MINIBASE_BIN)) {
    throw new Error(`${MINIBASE_BIN} does not exist: run \`cargo build\` or set MINIBASE_BIN`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'minibase-console-'));
  const childEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('MINIBASE_')) childEnv[key] = value;
  }
  Object.assign(childEnv, {
    MINIBASE_MODE: 'dev',
    MINIBASE_LISTEN: '127.0.0.1:0',
    MINIBASE_DATABASE_URL: `sqlite://${dir}/minibase.db`,
    MINIBASE_FILES_DIR: join(dir, 'files'),
    MINIBASE_LOG_LEVEL: 'warn',
    MINIBASE_LOGIN_RATE_PER_IP: '0',
    MINIBASE_LOGIN_RATE_PER_OPENID: '0',
    MINIBASE_POSTS_PER_MINUTE: '0',
    MINIBASE_COMMENTS_PER_MINUTE: '0',
    // The moderation test reads a new post's verdict from its answer; the background check
    // is covered by the server's own tests (tests/post_checks.rs).
    MINIBASE_CONTENT_CHECK: 'sync',
    ...env,
  });
  const created = spawnSync(
    MINIBASE_BIN,
    ['admin', 'create', '--username', ADMIN.username, '--password-stdin'],
    { cwd: dir, env: childEnv, input: `${ADMIN.password}\n`, encoding: 'utf8' },
  );
  if (created.status !== 0) throw new Error(`minibase admin create failed: ${created.stderr}`);
  const child = spawn(MINIBASE_BIN, ['serve'], {
    cwd: dir,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { url, mockUrl } = await listeningUrl(child);

  /** Call the API as `token` (a user's, or none); answers the parsed envelope and status. */
  async function api(method, path, { token, body } = {}) {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /** Log a mini-program user in through the mock WeChat (`code` names the user). */
  async function user(code) {
    const res = await api('POST', '/api/v1/auth/login', { body: { code } });
    if (res.status !== 200) throw new Error(`login ${code}: ${JSON.stringify(res.body)}`);
    return { token: res.body.data.token, id: res.body.data.user.id };
  }

  /** Sign in as the test's admin account over the API; answers its bearer token. */
  async function adminToken() {
    const res = await api('POST', '/api/v1/admin/auth/login', { body: ADMIN });
    if (res.status !== 200) throw new Error(`admin login: ${JSON.stringify(res.body)}`);
    return res.body.data.token;
  }

  /** A control of the in-process mock WeChat Pay (docs/payments.md), e.g. `mockPay('pay', no)`. */
  async function mockPay(control, outTradeNo, options) {
    const res = await fetch(`${mockUrl}/mock/pay/${control}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mchid: MOCK_MCHID, out_trade_no: outTradeNo, options }),
    });
    if (!res.ok) throw new Error(`mock pay ${control}: ${res.status} ${await res.text()}`);
  }

  return {
    url,
    dir,
    api,
    user,
    adminToken,
    mockPay,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The server's address, and its in-process mock WeChat's from the start-up warning. */
function listeningUrl(child) {
  return new Promise((resolveUrl, reject) => {
    let stderr = '';
    let mockUrl;
    child.stderr.on('data', (chunk) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`minibase did not start:\n${stderr}`)), 30_000);
    lines.on('line', (raw) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: colours of the log lines
      const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
      const mock = line.includes('MOCK WeChat') ? /addr=([0-9.:]+)/.exec(line) : null;
      if (mock) mockUrl = `http://${mock[1]}`;
      const match = /listening on (http:\/\/[0-9.:]+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolveUrl({ url: match[1], mockUrl });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`minibase exited with ${code}:\n${stderr}`));
    });
  });
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--lang=zh-CN'],
  });
}

/** Save a full-page screenshot for docs/console.md. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.waitForLoadState('networkidle');
  // Let Element Plus finish its transitions (drawers, messages) before the picture.
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
