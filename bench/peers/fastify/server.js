// The Fastify peer: the api-contract core written the way a Node team that picks Fastify for speed
// writes it (Fastify 5 with JSON schemas for validation and response serialisation, node-postgres
// with named prepared statements, @fastify/jwt HS256, undici for WeChat), on the peers' schema
// (bench/peers/schema.sql). One process: the benchmark gives every server one core.
//
// Environment: LISTEN (127.0.0.1:8086), DATABASE_URL, DB_POOL_SIZE (10), JWT_SECRET,
// WECHAT_APPID, WECHAT_SECRET, WECHAT_API_BASE.
// PEER_EQUAL_WORK: unset or 0 runs the peer as shipped: login upserts the user in one statement
// and returns a stateless refresh token (a signed JWT, no row); a post is inserted unchecked.
// 1 makes it do what Minibase does beyond the api contract: login also writes a session row (the
// hashed refresh token) in the same statement, hence the same transaction, as the user; every
// new post first passes WeChat's msg_sec_check (v2, scene 3, the author's openid; the access
// token comes from stable_token and is cached until it expires), a risky or to-be-reviewed text
// being refused.
'use strict';

const crypto = require('node:crypto');
const Fastify = require('fastify');
const { Pool } = require('pg');
const undici = require('undici');

const ACCESS_TTL = 2 * 60 * 60;
const REFRESH_TTL = 30 * 24 * 60 * 60;
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
  connectionString: env('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/bench_fastify'),
  max: Number(env('DB_POOL_SIZE', '10')),
});

// ---- WeChat ----

const wechat = {
  base: env('WECHAT_API_BASE', 'https://api.weixin.qq.com'),
  appid: env('WECHAT_APPID', 'wx-mock-appid'),
  secret: env('WECHAT_SECRET', 'mock-secret'),
};
// Kept-alive connections to WeChat, as many as requests may wait on it at once.
const wxPool = new undici.Pool(wechat.base, { connections: 128, keepAliveTimeout: 60_000 });

async function wxCall(method, path, body) {
  const { statusCode, body: answer } = await wxPool.request({
    method,
    path,
    headers: body ? { 'content-type': 'application/json' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
    headersTimeout: 5000,
    bodyTimeout: 5000,
  });
  if (statusCode !== 200) {
    await answer.dump();
    throw new Error(`WeChat answered HTTP ${statusCode}`);
  }
  return answer.json();
}

const code2session = (code) => wxCall('GET', `/sns/jscode2session?${new URLSearchParams({
  appid: wechat.appid, secret: wechat.secret, js_code: code, grant_type: 'authorization_code',
})}`);

// The access token, fetched once and shared until five minutes before it expires; concurrent
// requests wait on the same fetch.
let accessToken = null; // { token, expires } or a pending Promise of one
async function getAccessToken(stale) {
  if (accessToken && !(accessToken instanceof Promise)
      && accessToken.token !== stale && Date.now() < accessToken.expires) {
    return accessToken.token;
  }
  if (!(accessToken instanceof Promise)) {
    accessToken = wxCall('POST', '/cgi-bin/stable_token', {
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
    const out = await wxCall('POST', `/wxa/msg_sec_check?access_token=${encodeURIComponent(token)}`,
      { content, version: 2, scene, openid });
    if (!out.errcode) return out.result.suggest;
    if (![40001, 42001, 41001].includes(out.errcode)) throw new Error(`msg_sec_check: ${out.errcode} ${out.errmsg}`);
    // Expired or replaced elsewhere: fetch a new token and try once more.
    stale = token;
  }
  throw new Error('msg_sec_check: access token refused twice');
}

// ---- app ----

const ridPrefix = crypto.randomBytes(6).toString('hex');
let ridSeq = 0;
const app = Fastify({
  logger: false,
  // Node closes idle keep-alive connections after 5 s by default; production servers behind a
  // load balancer keep them past the balancer's idle timeout (60 s).
  keepAliveTimeout: 65_000,
  genReqId(req) {
    const id = req.headers['x-request-id'];
    if (typeof id === 'string' && id.length > 0 && id.length <= 128) return id;
    ridSeq += 1;
    return `${ridPrefix}-${ridSeq.toString(16)}`;
  },
});
// Signers are made once, with their lifetimes: passing options to sign() would build a new
// signer on every call.
app.register(require('@fastify/jwt'), {
  secret, sign: { algorithm: 'HS256', expiresIn: ACCESS_TTL }, verify: { algorithms: ['HS256'] },
});
app.register(require('@fastify/jwt'), {
  secret,
  namespace: 'refresh',
  sign: { algorithm: 'HS256', expiresIn: REFRESH_TTL, aud: REFRESH_AUDIENCE },
  verify: { algorithms: ['HS256'], allowedAud: REFRESH_AUDIENCE },
});

app.addHook('onRequest', async (request, reply) => {
  reply.header('x-request-id', request.id);
});

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
const fail = (reply, status, code, message) =>
  reply.code(status).send({ code, message, data: null, request_id: reply.request.id });

app.setErrorHandler((err, request, reply) => {
  if (err instanceof ApiError) return fail(reply, err.status, err.code, err.message);
  if (err.validation) return fail(reply, 422, 42200, err.message);
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return fail(reply, 400, 40001, 'body is not valid JSON');
  }
  if (err.statusCode && err.statusCode < 500) return fail(reply, err.statusCode, err.statusCode * 100, err.message);
  console.error(`request ${request.id}:`, err);
  return fail(reply, 500, 50000, 'internal error');
});
app.setNotFoundHandler((request, reply) => fail(reply, 404, 40400, 'no route for this path'));

const envelope = (data) => ({
  type: 'object',
  properties: { code: { type: 'integer' }, message: { type: 'string' }, data },
});
const userSummary = {
  type: 'object',
  properties: { id: { type: 'integer' }, nickname: { type: 'string' }, avatar_url: { type: 'string' } },
};
const postSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, author: userSummary, content: { type: 'string' },
    like_count: { type: 'integer' }, comment_count: { type: 'integer' }, created_at: { type: 'string' },
  },
};
const ok = (data) => ({ code: 0, message: 'ok', data });
const rfc3339 = (date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

app.get('/ping', { schema: { response: { 200: { type: 'object', properties: { message: { type: 'string' } } } } } },
  async () => ({ message: 'pong' }));

// ---- auth ----

async function authenticate(request) {
  const header = request.headers.authorization;
  if (!header) throw new ApiError(401, 40100, 'missing bearer token');
  if (!/^bearer /i.test(header)) throw new ApiError(401, 40101, "Authorization must be 'Bearer <token>'");
  if (header.slice(7).split('.').length !== 3) throw new ApiError(401, 40101, 'token is not a well-formed JWT');
  let claims;
  try {
    claims = await request.jwtVerify();
  } catch (err) {
    if (err.code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED') throw new ApiError(401, 40103, 'access token has expired');
    throw new ApiError(401, 40102, 'token is not valid');
  }
  const id = Number(claims.sub);
  if (!Number.isSafeInteger(id) || claims.aud !== undefined) throw new ApiError(401, 40102, 'token is not valid');
  request.userId = id;
}

const WECHAT_ERRORS = {
  40029: [400, 40010, 'WeChat rejected the code'],
  40163: [400, 40011, 'the code was already used'],
  40226: [403, 40302, 'WeChat flagged the user as risky'],
  '-1': [502, 50200, 'WeChat is busy'],
  45011: [502, 50201, 'WeChat rate limit reached'],
};

const UPSERT_USER = `INSERT INTO users (openid, unionid, session_key) VALUES ($1, $2, $3)
  ON CONFLICT (openid) DO UPDATE SET session_key = EXCLUDED.session_key,
    unionid = COALESCE(EXCLUDED.unionid, users.unionid), updated_at = now()
  RETURNING id, nickname, avatar_url`;
// Equal work: the user and the session row in one statement, hence one transaction and one
// round trip.
const UPSERT_USER_WITH_SESSION = `WITH u AS (${UPSERT_USER}),
  s AS (INSERT INTO refresh_tokens (user_id, token_hash, expires_at) SELECT id, $4, $5 FROM u)
  SELECT id, nickname, avatar_url FROM u`;

app.post('/api/v1/auth/login', {
  schema: {
    body: {
      type: 'object', required: ['code'],
      properties: { code: { type: 'string', minLength: 1, maxLength: 128 } },
    },
    response: {
      200: envelope({
        type: 'object',
        properties: {
          token: { type: 'string' }, expires_in: { type: 'integer' }, refresh_token: { type: 'string' }, user: userSummary,
        },
      }),
    },
  },
}, async (request, reply) => {
  let session;
  try {
    session = await code2session(request.body.code);
  } catch (err) {
    throw new ApiError(502, 50200, 'WeChat could not be reached');
  }
  if (session.errcode) {
    const [status, code, message] = WECHAT_ERRORS[session.errcode] || [502, 50202, 'WeChat answered an error'];
    throw new ApiError(status, code, message);
  }
  const values = [session.openid, session.unionid || null, session.session_key];
  let refreshToken;
  let result;
  if (EQUAL_WORK) {
    refreshToken = crypto.randomBytes(32).toString('base64url');
    const hash = crypto.createHash('sha256').update(refreshToken).digest('hex');
    values.push(hash, new Date(Date.now() + REFRESH_TTL * 1000));
    result = await pool.query({ name: 'login-with-session', text: UPSERT_USER_WITH_SESSION, values });
  } else {
    result = await pool.query({ name: 'login', text: UPSERT_USER, values });
  }
  const user = result.rows[0];
  const sub = String(user.id);
  const token = app.jwt.sign({ sub });
  if (!EQUAL_WORK) {
    // Stateless: the refresh token is a long-lived JWT of its own audience.
    refreshToken = app.jwt.refresh.sign({ sub });
  }
  return ok({
    token, expires_in: ACCESS_TTL, refresh_token: refreshToken,
    user: { id: Number(user.id), nickname: user.nickname, avatar_url: user.avatar_url },
  });
});

// ---- users, config ----

app.get('/api/v1/users/me', {
  onRequest: authenticate,
  schema: {
    response: {
      200: envelope({
        type: 'object',
        properties: { id: { type: 'integer' }, nickname: { type: 'string' }, avatar_url: { type: 'string' }, created_at: { type: 'string' } },
      }),
    },
  },
}, async (request) => {
  const { rows } = await pool.query({
    name: 'me', text: 'SELECT id, nickname, avatar_url, created_at FROM users WHERE id = $1', values: [request.userId],
  });
  if (rows.length === 0) throw new ApiError(401, 40102, 'token is not valid');
  const u = rows[0];
  return ok({ id: Number(u.id), nickname: u.nickname, avatar_url: u.avatar_url, created_at: rfc3339(u.created_at) });
});

app.get('/api/v1/config', async () => {
  const { rows } = await pool.query({ name: 'config', text: 'SELECT key, value FROM config WHERE public ORDER BY key' });
  const data = {};
  for (const row of rows) data[row.key] = row.value;
  return ok(data);
});

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

app.get('/api/v1/posts', {
  schema: {
    response: {
      200: envelope({
        type: 'object',
        properties: { items: { type: 'array', items: postSchema }, next_cursor: { type: ['string', 'null'] } },
      }),
    },
  },
}, async (request) => {
  let limit = 20;
  if (request.query.limit !== undefined) {
    limit = Number(request.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new ApiError(400, 40002, 'limit: must be an integer from 1 to 100');
    }
  }
  let result;
  if (request.query.cursor) {
    const raw = Buffer.from(String(request.query.cursor), 'base64url').toString();
    const before = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(before) || before < 1) throw new ApiError(400, 40003, 'cursor is not valid');
    result = await pool.query({
      name: 'feed-after',
      text: `SELECT ${POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.id < $1 ORDER BY p.id DESC LIMIT $2`,
      values: [before, limit],
    });
  } else {
    result = await pool.query({
      name: 'feed',
      text: `SELECT ${POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id ORDER BY p.id DESC LIMIT $1`,
      values: [limit],
    });
  }
  const items = result.rows.map(toPost);
  const nextCursor = items.length === limit ? Buffer.from(String(items[items.length - 1].id)).toString('base64url') : null;
  return ok({ items, next_cursor: nextCursor });
});

app.post('/api/v1/posts', {
  onRequest: authenticate,
  schema: {
    body: {
      type: 'object', required: ['content'],
      properties: { content: { type: 'string', minLength: 1, maxLength: 2000 } },
    },
    response: { 201: envelope(postSchema) },
  },
}, async (request, reply) => {
  const { content } = request.body;
  if (EQUAL_WORK) {
    const { rows } = await pool.query({ name: 'author-openid', text: 'SELECT openid FROM users WHERE id = $1', values: [request.userId] });
    if (rows.length === 0) throw new ApiError(401, 40102, 'token is not valid');
    let suggest;
    try {
      suggest = await msgSecCheck(content, rows[0].openid, 3);
    } catch (err) {
      console.error(`request ${request.id}: content check:`, err.message);
      throw new ApiError(502, 50200, "WeChat's content check could not be reached");
    }
    if (suggest !== 'pass') throw new ApiError(422, 42210, 'the content did not pass the content security check');
  }
  const { rows } = await pool.query({
    name: 'create-post',
    text: `WITH p AS (
             INSERT INTO posts (author_id, content) VALUES ($1, $2)
             RETURNING id, author_id, content, like_count, comment_count, created_at)
           SELECT ${POST_COLUMNS} FROM p JOIN users u ON u.id = p.author_id`,
    values: [request.userId, content],
  });
  reply.code(201);
  return ok(toPost(rows[0]));
});

// ---- flash sale ----

app.post('/api/v1/flash-sales/:id/orders', { onRequest: authenticate }, async (request, reply) => {
  const saleId = Number(request.params.id);
  if (!Number.isSafeInteger(saleId)) throw new ApiError(404, 40401, 'flash sale not found');
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Take one unit of stock atomically; the row lock serialises concurrent buyers.
    const taken = await client.query({
      name: 'take-stock',
      text: `UPDATE flash_sales SET stock = stock - 1
             WHERE id = $1 AND stock > 0 AND starts_at <= now() AND ends_at > now()`,
      values: [saleId],
    });
    if (taken.rowCount === 0) {
      await client.query('ROLLBACK');
      const { rows } = await client.query({
        name: 'sale', text: 'SELECT stock, starts_at, ends_at FROM flash_sales WHERE id = $1', values: [saleId],
      });
      const now = new Date();
      if (rows.length === 0) throw new ApiError(404, 40401, 'flash sale not found');
      if (now < rows[0].starts_at) throw new ApiError(400, 40020, 'the flash sale has not started');
      if (now >= rows[0].ends_at) throw new ApiError(400, 40021, 'the flash sale has ended');
      throw new ApiError(409, 40910, 'sold out');
    }
    let order;
    try {
      ({ rows: [order] } = await client.query({
        name: 'order',
        text: 'INSERT INTO flash_sale_orders (flash_sale_id, user_id) VALUES ($1, $2) RETURNING id, created_at',
        values: [saleId, request.userId],
      }));
    } catch (err) {
      await client.query('ROLLBACK');
      if (err.code === '23505') throw new ApiError(409, 40911, 'you already bought this item');
      throw err;
    }
    await client.query('COMMIT');
    reply.code(201);
    return ok({ order_id: Number(order.id), flash_sale_id: saleId, created_at: rfc3339(order.created_at) });
  } catch (err) {
    if (!(err instanceof ApiError)) await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
});

const [host, port] = env('LISTEN', '127.0.0.1:8086').split(/:(?=\d+$)/);
app.listen({ host, port: Number(port) }).then(
  (address) => console.log(`fastify peer listening on ${address} (equal work: ${EQUAL_WORK})`),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
