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

export interface Minibase {
  url: string;
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
  const url = await listeningUrl(child);
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

  return {
    url,
    client(user, options = {}) {
      const wx = new NodeWx(user);
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

/** Read the `http://...` the server prints once it listens; keep draining its output after. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error(`minibase did not start:\n${stderr}`)), 30_000);
    lines.on('line', (line) => {
      const match = /http:\/\/[0-9.:]+/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`minibase exited (${code}) before listening:\n${stderr}`));
    });
  });
}
