#!/usr/bin/env node
// Flash-sale scenario: seed a sale through the admin API, let distinct users race for it through
// POST /api/v1/flash-sales/{id}/orders, then check the final counts through the admin API.
// Node 18+ (built-in fetch), no dependencies. See flash_sale.md for the server settings.
//
//   MB_BASE=http://127.0.0.1:8080[,http://127.0.0.1:8081,...]  nodes, requests spread round-robin
//   MB_ADMIN_USER / MB_ADMIN_PASSWORD                          an admin account (minibase admin create)
//   STOCK=1000 USERS=5000 TAPS=2 CONCURRENCY=200 LATE=2000     sale size, buyers, taps per buyer,
//                                                              requests in flight, sold-out probes
// Prints one JSON line with the measurements; exits 1 when the final counts are wrong.

const env = (name, fallback) => process.env[name] ?? fallback;
const bases = env("MB_BASE", "http://127.0.0.1:8080").split(",").map((b) => b.trim().replace(/\/$/, ""));
const STOCK = Number(env("STOCK", 1000));
const USERS = Number(env("USERS", 5000));
const TAPS = Number(env("TAPS", 2));
const CONCURRENCY = Number(env("CONCURRENCY", 200));
const LATE = Number(env("LATE", 2000));
const run = Date.now().toString(36);

async function call(method, path, { token, body, key, base = bases[0] } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (key) headers["idempotency-key"] = key;
  const started = performance.now();
  const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json().catch(() => null);
  return { status: response.status, json, ms: performance.now() - started };
}

async function pool(count, limit, task) {
  const results = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

function latency(samples) {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return { p50_ms: +percentile(sorted, 50).toFixed(2), p99_ms: +percentile(sorted, 99).toFixed(2), max_ms: +(sorted.at(-1) ?? 0).toFixed(2) };
}

function fail(message, extra) {
  console.error(`flash_sale: FAILED: ${message}`, extra ?? "");
  process.exit(1);
}

// 1. Seed: admin login, a product, a sale open now.
const login = await call("POST", "/api/v1/admin/auth/login", {
  body: { username: env("MB_ADMIN_USER", "bench-admin"), password: env("MB_ADMIN_PASSWORD", "") },
});
if (login.status !== 200) fail("admin login", login.json);
const admin = login.json.data.token;
const product = await call("POST", "/api/v1/admin/products", {
  token: admin,
  body: { name: `bench ${run}`, price_cents: 19900, images: [], skus: [] },
});
if (product.status !== 201) fail("create product", product.json);
const now = Date.now();
const sale = await call("POST", "/api/v1/admin/flash-sales", {
  token: admin,
  body: {
    product_id: product.json.data.id, title: `bench ${run}`, sale_price_cents: 990, stock: STOCK,
    per_user_limit: 1, starts_at: new Date(now - 1000).toISOString(), ends_at: new Date(now + 3600e3).toISOString(),
  },
});
if (sale.status !== 201) fail("create sale", sale.json);
const saleId = sale.json.data.id;

// 2. Users: one mock-WeChat login each (not timed).
const tokens = await pool(USERS, 100, async (i) => {
  const r = await call("POST", "/api/v1/auth/login", { body: { code: `fsb-${run}-${i}` }, base: bases[i % bases.length] });
  if (r.status !== 200) fail(`login of user ${i}`, r.json);
  return r.json.data.token;
});

// 3. The race: every user taps TAPS times with one Idempotency-Key (retries must not buy twice).
const started = performance.now();
const taps = await pool(USERS * TAPS, CONCURRENCY, async (n) => {
  const user = n % USERS;
  const r = await call("POST", `/api/v1/flash-sales/${saleId}/orders`, {
    token: tokens[user], key: `${run}-${user}`, base: bases[n % bases.length],
  });
  return { user, status: r.status, code: r.json?.code, order: r.json?.data?.order_id, ms: r.ms };
});
const raceSecs = (performance.now() - started) / 1000;

// 4. After the stock is gone: sold-out answers (from memory on the server).
const late = await pool(LATE, CONCURRENCY, async (n) => {
  const r = await call("POST", `/api/v1/flash-sales/${saleId}/orders`, {
    token: tokens[n % USERS], base: bases[n % bases.length],
  });
  return { status: r.status, code: r.json?.code, ms: r.ms };
});

// 5. Check the final counts through the admin API.
const stats = await call("GET", `/api/v1/admin/flash-sales/${saleId}/stats`, { token: admin });
if (stats.status !== 200) fail("stats", stats.json);
const s = stats.json.data;
const winners = new Map();
const codes = {};
for (const t of taps) {
  if (t.status === 200 || t.status === 201) {
    const orders = winners.get(t.user) ?? new Set();
    orders.add(t.order);
    winners.set(t.user, orders);
  } else {
    codes[t.code] = (codes[t.code] ?? 0) + 1;
  }
}
const expected = Math.min(STOCK, USERS);
const problems = [];
if (s.units_sold !== expected) problems.push(`units sold ${s.units_sold}, expected ${expected}`);
if (s.stock_left !== STOCK - expected) problems.push(`stock left ${s.stock_left}`);
if (!s.consistent) problems.push("stats say inconsistent");
if (winners.size !== expected) problems.push(`${winners.size} users acknowledged, expected ${expected}`);
if ([...winners.values()].some((o) => o.size !== 1)) problems.push("a user got two different orders");
if (s.redis_stock !== null && s.redis_stock !== s.stock_left) problems.push(`Redis stock ${s.redis_stock} != ${s.stock_left}`);
if (late.some((l) => l.status !== 409)) problems.push("a late request was not a 409");

console.log(JSON.stringify({
  scenario: "flash_sale", nodes: bases.length, stock: STOCK, users: USERS, taps: TAPS, concurrency: CONCURRENCY,
  race: { requests: taps.length, seconds: +raceSecs.toFixed(3), rps: Math.round(taps.length / raceSecs), ...latency(taps), refusals: codes },
  sold_out: { requests: late.length, ...latency(late) },
  final: { orders: s.orders, units_sold: s.units_sold, stock_left: s.stock_left, redis_stock: s.redis_stock, consistent: s.consistent },
  ok: problems.length === 0, problems,
}));
process.exit(problems.length === 0 ? 0 : 1);
