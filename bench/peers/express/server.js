// The Express peer: the api-contract core written the way the Node.js mini-program articles do it
// (Express 4, node-postgres pool, jsonwebtoken HS256), so that Minibase is measured against the
// backend those articles build. One process: the benchmark gives every server one core.
//
// Environment: LISTEN (127.0.0.1:8082), DATABASE_URL, DB_POOL_SIZE (10), JWT_SECRET,
// WECHAT_APPID, WECHAT_SECRET, WECHAT_API_BASE.
// PEER_EQUAL_WORK: unset or 0 runs the peer as shipped: login upserts the user in one statement
// and returns a stateless refresh token (a signed JWT, no row); a post is inserted unchecked.
// 1 makes it do what Minibase does beyond the api contract: login also writes a session row (the
// hashed refresh token) in the same transaction as the user; every new post first passes
// WeChat's msg_sec_check (v2, scene 3, the author's openid; the access token comes from
// stable_token and is cached until it expires), a risky or to-be-reviewed text being refused.
'use strict';

const crypto = require('node:crypto');
const express = require('express');
const jwt = require('jsonwebtoken');
const { Pool } = require('pg');

const ACCESS_TTL = 2 * 60 * 60;
const REFRESH_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const REFRESH_AUDIENCE = 'refresh';

const env = (key, def) => process.env[key] || def;
const secret = process.env.JWT_SECRET || '';
if (secret.length < 32) {
  console.error('JWT_SECRET must be at least 32 bytes');
  process.exit(2);
}
const equalWork = env('PEER_EQUAL_WORK', '0');
if (equalWork !== '0' && equalWork !== '1') {
  console.error('PEER_EQUAL_WORK must be 0 or 1');
  process.exit(2);
}
const EQUAL_WORK = equalWork === '1';
const pool = new Pool({
  connectionString: env('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/bench_express'),
  max: Number(env('DB_POOL_SIZE', '10')),
});
const wechat = {
  base: env('WECHAT_API_BASE', 'https://api.weixin.qq.com'),
  appid: env('WECHAT_APPID', 'wx-mock-appid'),
  secret: env('WECHAT_SECRET', 'mock-secret'),
};

// fetch (undici underneath) keeps connections to WeChat alive between calls.
async function wxPost(path, body) {
  const answer = await fetch(`${wechat.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (!answer.ok) throw new Error(`WeChat answered HTTP ${answer.status}`);
  return answer.json();
}

// The access token, fetched once and shared until five minutes before it expires; concurrent
// requests wait on the same fetch.
let accessToken = null; // { token, expires } or a pending Promise of one
async function getAccessToken(stale) {
  if (accessToken && !(accessToken instanceof Promise)
      && accessToken.token !== stale && Date.now() < accessToken.expires) {
    return accessToken.token;
  }
  if (!(accessToken instanceof Promise)) {
    accessToken = wxPost('/cgi-bin/stable_token', {
      grant_type: 'client_credential', appid: wechat.appid, secret: wechat.secret, force_refresh: false,
    }).then((out) => {
      if (out.errcode || !out.access_token) throw new Error(`stable_token: ${out.errcode} ${out.errmsg}`);
      accessToken = { token: out.access_token, expires: Date.now() + (out.expires_in - 300) * 1000 };
      return accessToken;
    }, (err) => {
      accessToken = null;
      throw err;
    });
  }
  return (await accessToken).token;
}

// WeChat's suggestion for a text: "pass", "review" or "risky".
async function msgSecCheck(content, openid, scene) {
  let stale = null;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const token = await getAccessToken(stale);
    const out = await wxPost(`/wxa/msg_sec_check?access_token=${encodeURIComponent(token)}`,
      { content, version: 2, scene, openid });
    if (!out.errcode) return out.result.suggest;
    if (![40001, 42001, 41001].includes(out.errcode)) throw new Error(`msg_sec_check: ${out.errcode} ${out.errmsg}`);
    // Expired or replaced elsewhere: fetch a new token and try once more.
    stale = token;
  }
  throw new Error('msg_sec_check: access token refused twice');
}

// ---- envelope ----

const ok = (res, data, status = 200) => res.status(status).json({ code: 0, message: 'ok', data });
const fail = (res, status, code, message) =>
  res.status(status).json({ code, message, data: null, request_id: res.locals.requestId });
const rfc3339 = (date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

// Async handlers: a rejected promise becomes a 500 envelope (Express 4 does not catch them).
const wrap = (handler) => (req, res, next) => handler(req, res, next).catch(next);

const app = express();
app.disable('x-powered-by');
app.disable('etag');

const ridPrefix = crypto.randomBytes(6).toString('hex');
let ridSeq = 0;
app.use((req, res, next) => {
  let id = req.get('x-request-id');
  if (!id || id.length > 128) {
    ridSeq += 1;
    id = `${ridPrefix}-${ridSeq.toString(16).padStart(8, '0')}`;
  }
  res.locals.requestId = id;
  res.set('X-Request-Id', id);
  next();
});
app.use(express.json({ limit: '64kb' }));

app.get('/ping', (req, res) => res.json({ message: 'pong' }));

// ---- auth ----

function auth(req, res, next) {
  const header = req.get('authorization');
  if (!header) return fail(res, 401, 40100, 'missing bearer token');
  const match = /^bearer (.+)$/i.exec(header);
  if (!match) return fail(res, 401, 40101, "Authorization must be 'Bearer <token>'");
  try {
    const claims = jwt.verify(match[1].trim(), secret, { algorithms: ['HS256'] });
    const id = Number(claims.sub);
    if (!Number.isSafeInteger(id) || claims.aud !== undefined) return fail(res, 401, 40102, 'token is not valid');
    req.userId = id;
    return next();
  } catch (err) {
    if (err.name === 'TokenExpiredError') return fail(res, 401, 40103, 'access token has expired');
    if (err.message === 'jwt malformed') return fail(res, 401, 40101, 'token is not a well-formed JWT');
    return fail(res, 401, 40102, 'token is not valid');
  }
}

const WECHAT_ERRORS = {
  40029: [400, 40010, 'WeChat rejected the code'],
  40163: [400, 40011, 'the code was already used'],
  40226: [403, 40302, 'WeChat flagged the user as risky'],
  '-1': [502, 50200, 'WeChat is busy'],
  45011: [502, 50201, 'WeChat rate limit reached'],
};

app.post('/api/v1/auth/login', wrap(async (req, res) => {
  const code = req.body && req.body.code;
  if (typeof code !== 'string' || code.length < 1 || code.length > 128) {
    return fail(res, 422, 42200, 'code: must be 1-128 characters');
  }
  const query = new URLSearchParams({
    appid: wechat.appid, secret: wechat.secret, js_code: code, grant_type: 'authorization_code',
  });
  let session;
  try {
    const answer = await fetch(`${wechat.base}/sns/jscode2session?${query}`, { signal: AbortSignal.timeout(5000) });
    session = await answer.json();
  } catch (err) {
    return fail(res, 502, 50200, 'WeChat could not be reached');
  }
  if (session.errcode) {
    const [status, errCode, message] = WECHAT_ERRORS[session.errcode] || [502, 50202, 'WeChat answered an error'];
    return fail(res, status, errCode, message);
  }
  const upsert = `INSERT INTO users (openid, unionid, session_key) VALUES ($1, $2, $3)
       ON CONFLICT (openid) DO UPDATE SET session_key = EXCLUDED.session_key,
         unionid = COALESCE(EXCLUDED.unionid, users.unionid), updated_at = now()
       RETURNING id, nickname, avatar_url`;
  const values = [session.openid, session.unionid || null, session.session_key];
  let user;
  let refreshToken;
  if (EQUAL_WORK) {
    refreshToken = crypto.randomBytes(32).toString('base64url');
    const hash = crypto.createHash('sha256').update(refreshToken).digest('hex');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      ({ rows: [user] } = await client.query(upsert, values));
      await client.query(
        'INSERT INTO refresh_tokens (user_id, token_hash, expires_at) VALUES ($1, $2, $3)',
        [user.id, hash, new Date(Date.now() + REFRESH_TTL_MS)],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  } else {
    ({ rows: [user] } = await pool.query(upsert, values));
  }
  const id = Number(user.id);
  const token = jwt.sign({ sub: String(id) }, secret, { algorithm: 'HS256', expiresIn: ACCESS_TTL });
  if (!EQUAL_WORK) {
    // Stateless: the refresh token is a long-lived JWT of its own audience.
    refreshToken = jwt.sign({ sub: String(id), aud: REFRESH_AUDIENCE }, secret,
      { algorithm: 'HS256', expiresIn: REFRESH_TTL_MS / 1000 });
  }
  return ok(res, {
    token, expires_in: ACCESS_TTL, refresh_token: refreshToken,
    user: { id, nickname: user.nickname, avatar_url: user.avatar_url },
  });
}));

// ---- users, config ----

app.get('/api/v1/users/me', auth, wrap(async (req, res) => {
  const { rows } = await pool.query(
    'SELECT id, nickname, avatar_url, created_at FROM users WHERE id = $1', [req.userId],
  );
  if (rows.length === 0) return fail(res, 401, 40102, 'token is not valid');
  const u = rows[0];
  return ok(res, { id: Number(u.id), nickname: u.nickname, avatar_url: u.avatar_url, created_at: rfc3339(u.created_at) });
}));

app.get('/api/v1/config', wrap(async (req, res) => {
  const { rows } = await pool.query('SELECT key, value FROM config WHERE public ORDER BY key');
  const data = {};
  for (const row of rows) data[row.key] = row.value;
  return ok(res, data);
}));

// ---- posts ----

const POST_COLUMNS = `p.id, p.content, p.like_count, p.comment_count, p.created_at,
  u.id AS author_id, u.nickname, u.avatar_url`;
const toPost = (r) => ({
  id: Number(r.id),
  author: { id: Number(r.author_id), nickname: r.nickname, avatar_url: r.avatar_url },
  content: r.content,
  like_count: r.like_count,
  comment_count: r.comment_count,
  created_at: rfc3339(r.created_at),
});

app.get('/api/v1/posts', wrap(async (req, res) => {
  let limit = 20;
  if (req.query.limit !== undefined) {
    limit = Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      return fail(res, 400, 40002, 'limit: must be an integer from 1 to 100');
    }
  }
  let result;
  if (req.query.cursor) {
    const before = Number(Buffer.from(String(req.query.cursor), 'base64url').toString());
    if (!Number.isSafeInteger(before) || before < 1) return fail(res, 400, 40003, 'cursor is not valid');
    result = await pool.query(
      `SELECT ${POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id
       WHERE p.id < $1 ORDER BY p.id DESC LIMIT $2`, [before, limit],
    );
  } else {
    result = await pool.query(
      `SELECT ${POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id
       ORDER BY p.id DESC LIMIT $1`, [limit],
    );
  }
  const items = result.rows.map(toPost);
  const nextCursor = items.length === limit
    ? Buffer.from(String(items[items.length - 1].id)).toString('base64url') : null;
  return ok(res, { items, next_cursor: nextCursor });
}));

app.post('/api/v1/posts', auth, wrap(async (req, res) => {
  const content = req.body && req.body.content;
  if (typeof content !== 'string' || [...content].length < 1 || [...content].length > 2000) {
    return fail(res, 422, 42200, 'content: length must be between 1 and 2000');
  }
  if (EQUAL_WORK) {
    const { rows } = await pool.query('SELECT openid FROM users WHERE id = $1', [req.userId]);
    if (rows.length === 0) return fail(res, 401, 40102, 'token is not valid');
    let suggest;
    try {
      suggest = await msgSecCheck(content, rows[0].openid, 3);
    } catch (err) {
      console.error(`request ${res.locals.requestId}: content check:`, err.message);
      return fail(res, 502, 50200, "WeChat's content check could not be reached");
    }
    if (suggest !== 'pass') return fail(res, 422, 42210, 'the content did not pass the content security check');
  }
  const { rows } = await pool.query(
    `WITH p AS (
       INSERT INTO posts (author_id, content) VALUES ($1, $2)
       RETURNING id, author_id, content, like_count, comment_count, created_at)
     SELECT ${POST_COLUMNS} FROM p JOIN users u ON u.id = p.author_id`, [req.userId, content],
  );
  return ok(res, toPost(rows[0]), 201);
}));

// ---- flash sale ----

app.post('/api/v1/flash-sales/:id/orders', auth, wrap(async (req, res) => {
  const saleId = Number(req.params.id);
  if (!Number.isSafeInteger(saleId)) return fail(res, 404, 40401, 'flash sale not found');
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Take one unit of stock atomically; the row lock serialises concurrent buyers.
    const taken = await client.query(
      `UPDATE flash_sales SET stock = stock - 1
       WHERE id = $1 AND stock > 0 AND starts_at <= now() AND ends_at > now()`, [saleId],
    );
    if (taken.rowCount === 0) {
      await client.query('ROLLBACK');
      const { rows } = await client.query('SELECT stock, starts_at, ends_at FROM flash_sales WHERE id = $1', [saleId]);
      const now = new Date();
      if (rows.length === 0) return fail(res, 404, 40401, 'flash sale not found');
      if (now < rows[0].starts_at) return fail(res, 400, 40020, 'the flash sale has not started');
      if (now >= rows[0].ends_at) return fail(res, 400, 40021, 'the flash sale has ended');
      return fail(res, 409, 40910, 'sold out');
    }
    let order;
    try {
      ({ rows: [order] } = await client.query(
        'INSERT INTO flash_sale_orders (flash_sale_id, user_id) VALUES ($1, $2) RETURNING id, created_at',
        [saleId, req.userId],
      ));
    } catch (err) {
      await client.query('ROLLBACK');
      if (err.code === '23505') return fail(res, 409, 40911, 'you already bought this item');
      throw err;
    }
    await client.query('COMMIT');
    return ok(res, { order_id: Number(order.id), flash_sale_id: saleId, created_at: rfc3339(order.created_at) }, 201);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}));

// ---- errors ----

app.use((req, res) => fail(res, 404, 40400, 'no route for this path'));
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
  if (err.type === 'entity.parse.failed') return fail(res, 400, 40001, 'body is not valid JSON');
  console.error(`request ${res.locals.requestId}:`, err);
  return fail(res, 500, 50000, 'internal error');
});

const [host, port] = env('LISTEN', '127.0.0.1:8082').split(/:(?=\d+$)/);
const server = app.listen(Number(port), host,
  () => console.log(`express peer listening on ${host}:${port} (equal work: ${EQUAL_WORK})`));
// Node closes idle keep-alive connections after 5 s by default; production Express behind a
// load balancer raises it past the balancer's idle timeout (60 s). Go and hyper never close them.
server.keepAliveTimeout = 65000;
server.headersTimeout = 66000;
