// Starts a real `minibase` (dev mode, the in-process mock WeChat, a throw-away SQLite database,
// short token lifetimes when asked) for the integration suite. The binary is MINIBASE_BIN, by
// default the workspace's target/debug/minibase (`cargo build` first).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient, type MinibaseClient } from '../../src';
import { NodeWx } from './wx-node';

export const MINIBASE_BIN = resolve(
  process.env.MINIBASE_BIN ?? join(__dirname, '..', '..', '..', 'target', 'debug', 'minibase'),
);

const ADMIN = { username: 'sdk-admin', password: 'sdk-admin-password-1' };

/** The merchant id of the server's in-process mock WeChat Pay (dev mode). */
export const MOCK_MCHID = '1900000001';

export interface Minibase {
  url: string;
  /** The in-process mock WeChat (and WeChat Pay, under `/v3` and `/mock/pay`). */
  mockUrl: string;
  /**
   * A control of the mock pay platform (docs/payments.md): `mockPay('pay', no, { delay_ms: 500 })`
   * has the payer pay order `no`, and WeChat Pay notify the server as `options` say.
   */
  mockPay(
    control: 'pay' | 'fail' | 'notify',
    outTradeNo: string,
    options?: Record<string, unknown>,
  ): Promise<unknown>;
  /** What the wx shims of `client()` pay with: paid now, notified 300 ms later. */
  payAndNotifyLater(outTradeNo: string): Promise<void>;
  /** A client of a new wx shim signed in (lazily) as WeChat user `user`. */
  client(
    user: string,
    options?: { storagePrefix?: string },
  ): { client: MinibaseClient; wx: NodeWx };
  /** Call the admin API (an admin-console account made for the test); answers `data`. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Start a node. `env` adds or overrides `MINIBASE_*` variables. */
export async function startMinibase(env: Record<string, string> = {}): Promise<Minibase> {
  if (!existsSync(MINIBASE_BIN)) {
    throw new Error(`${MINIBASE_BIN} does not exist: run \`cargo build\` or set MINIBASE_BIN`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'minibase-sdk-'));
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('MINIBASE_')) childEnv[key] = value;
  }
  Object.assign(childEnv, {
    MINIBASE_MODE: 'dev',
    MINIBASE_LISTEN: '127.0.0.1:0',
    MINIBASE_DATABASE_URL: `sqlite://${dir}/minibase.db`,
    MINIBASE_FILES_DIR: join(dir, 'files'),
    MINIBASE_LOG_LEVEL: 'warn',
    // Tests log in and post far more often than people do.
    MINIBASE_LOGIN_RATE_PER_IP: '0',
    MINIBASE_LOGIN_RATE_PER_OPENID: '0',
    MINIBASE_POSTS_PER_MINUTE: '0',
    MINIBASE_COMMENTS_PER_MINUTE: '0',
    MINIBASE_FLASH_SALE_ORDER_RATE_PER_USER: '0',
    MINIBASE_FLASH_SALE_ORDER_RATE_PER_IP: '0',
    // The suites read a new post back as published at once; the background check and the
    // 'checking' state are covered by the server's own tests (tests/post_checks.rs).
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
  let adminToken: string | undefined;

  async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const envelope = (await res.json()) as { code: number; message: string; data: T };
    if (!res.ok || envelope.code !== 0) {
      throw new Error(`${method} ${path} -> ${res.status} ${envelope.code} ${envelope.message}`);
    }
    return envelope.data;
  }

  async function mockPay(
    control: string,
    outTradeNo: string,
    options?: Record<string, unknown>,
  ): Promise<unknown> {
    const res = await fetch(`${mockUrl}/mock/pay/${control}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mchid: MOCK_MCHID, out_trade_no: outTradeNo, options }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`mock pay ${control} ${outTradeNo} -> ${res.status} ${text}`);
    return JSON.parse(text);
  }

  /**
   * The payer pays, and the sheet closes at once; WeChat Pay's notification reaches the server
   * 300 ms later, as it may in life (the mock's control answers only once it was delivered).
   */
  async function payAndNotifyLater(outTradeNo: string): Promise<void> {
    mockPay('pay', outTradeNo, { delay_ms: 300 }).catch((err: unknown) =>
      console.error('the mock WeChat Pay did not pay', err),
    );
  }

  return {
    url,
    mockUrl,
    mockPay,
    payAndNotifyLater,
    client(user, options = {}) {
      const wx = new NodeWx(user);
      wx.payer = payAndNotifyLater;
      const client = createClient({ baseUrl: url, wx: wx.wx, ...options });
      return { client, wx };
    },
    async admin<T>(method: string, path: string, body?: unknown) {
      adminToken ??= (await call<{ token: string }>('POST', '/api/v1/admin/auth/login', ADMIN))
        .token;
      return call<T>(method, path, body, adminToken);
    },
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

/**
 * Read the `http://...` the server prints once it listens, and the in-process mock WeChat's
 * address from its start-up warning; keep draining its output after.
 */
function listeningUrl(child: ChildProcess): Promise<{ url: string; mockUrl: string }> {
  return new Promise((resolveUrl, reject) => {
    let stderr = '';
    let mockUrl: string | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error(`minibase did not start:\n${stderr}`)), 30_000);
    lines.on('line', (raw) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: colours of the log lines
      const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
      const mock = line.includes('MOCK WeChat') ? /addr=([0-9.:]+)/.exec(line) : null;
      if (mock) mockUrl = `http://${mock[1]}`;
      const match = /listening on (http:\/\/[0-9.:]+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        if (!mockUrl) reject(new Error('minibase did not log the address of its mock WeChat'));
        else resolveUrl({ url: match[1], mockUrl });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`minibase exited (${code}) before listening:\n${stderr}`));
    });
  });
}
