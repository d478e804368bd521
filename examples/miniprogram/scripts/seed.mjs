#!/usr/bin/env node
// Fills a Minibase server (dev mode, mock WeChat) with what the demo shows: two users (alice,
// bob), a banner and a feature flag, two approval templates that bob approves, a flash sale that
// starts in a minute, and a few posts.
//
//   minibase admin create --username admin          # once, on the server's machine
//   node scripts/seed.mjs --url http://127.0.0.1:8080 --admin admin --password '...'
//
// Options: --url (MINIBASE_URL), --admin (MINIBASE_ADMIN_USERNAME), --password
// (MINIBASE_ADMIN_PASSWORD), --starts-in SECONDS (the sale's start, default 60), --json (print
// what was made as JSON).
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.MINIBASE_URL ?? 'http://127.0.0.1:8080' },
    admin: { type: 'string', default: process.env.MINIBASE_ADMIN_USERNAME ?? 'admin' },
    password: { type: 'string', default: process.env.MINIBASE_ADMIN_PASSWORD },
    'starts-in': { type: 'string', default: '60' },
    json: { type: 'boolean', default: false },
  },
});
if (!args.password) {
  console.error('the admin password is missing: --password or MINIBASE_ADMIN_PASSWORD');
  process.exit(2);
}
const base = args.url.replace(/\/+$/, '');

async function call(method, path, body, token) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const envelope = await res.json();
  if (envelope.code !== 0) {
    const err = new Error(`${method} ${path}: ${res.status} ${envelope.code} ${envelope.message}`);
    err.code = envelope.code;
    throw err;
  }
  return envelope.data;
}

const admin = (
  await call('POST', '/api/v1/admin/auth/login', { username: args.admin, password: args.password })
).token;

// The mock WeChat logs in the user `alice` for the code `alice` (and `alice:<anything>`).
async function user(code, nickname) {
  const { token, user } = await call('POST', '/api/v1/auth/login', { code });
  await call('PATCH', '/api/v1/users/me', { nickname }, token);
  return { id: user.id, token };
}
const alice = await user('alice', 'Alice');
const bob = await user('bob', 'Bob');

await call(
  'PUT',
  '/api/v1/admin/config/home.banner',
  {
    value: { title: 'Minibase 示例', subtitle: '社区 · 秒杀 · 审批 · 通知' },
    public: true,
    description: 'The banner of the demo home page',
  },
  admin,
);
await call(
  'PUT',
  '/api/v1/admin/config/subscribe.templates',
  {
    value: [],
    public: true,
    description:
      'Subscribe-message template ids the demo asks users to accept (from the WeChat console)',
  },
  admin,
);
await call(
  'PUT',
  '/api/v1/admin/flags/hot-tab',
  { value: { enabled: true, percentage: 100 } },
  admin,
);

const existing = await call('GET', '/api/v1/admin/approvals/templates', undefined, admin);
const byBob = [
  { name: '直属审批', mode: 'single', approvers: [{ type: 'user', user_id: bob.id }] },
];
const templates = {
  请假: {
    name: '请假',
    description: '年假、病假、事假',
    fields: [
      {
        key: 'kind',
        label: '类型',
        type: 'choice',
        required: true,
        options: ['年假', '病假', '事假'],
      },
      { key: 'period', label: '日期', type: 'date_range', required: true },
      { key: 'days', label: '天数', type: 'number', required: true, min: 0.5, max: 30 },
      { key: 'reason', label: '事由', type: 'text', max: 200 },
    ],
    steps: byBob,
  },
  报销: {
    name: '报销',
    description: '差旅、办公、餐费',
    fields: [
      { key: 'amount', label: '金额（元）', type: 'money', required: true, min: '0.01' },
      {
        key: 'category',
        label: '类别',
        type: 'choice',
        required: true,
        options: ['差旅', '办公', '餐费'],
      },
      { key: 'note', label: '说明', type: 'text' },
    ],
    steps: byBob,
  },
};
const templateIds = {};
for (const [name, body] of Object.entries(templates)) {
  const found = existing.find((t) => t.name === name);
  templateIds[name] = found
    ? found.id
    : (await call('POST', '/api/v1/admin/approvals/templates', body, admin)).id;
}

const product = await call(
  'POST',
  '/api/v1/admin/products',
  {
    name: '示例马克杯',
    description: 'Minibase 限定款',
    price_cents: 9900,
  },
  admin,
);
const now = Date.now();
const sale = await call(
  'POST',
  '/api/v1/admin/flash-sales',
  {
    product_id: product.id,
    title: '秒杀 · 示例马克杯',
    sale_price_cents: 990,
    stock: 5,
    per_user_limit: 1,
    starts_at: new Date(now + Number(args['starts-in']) * 1000).toISOString(),
    ends_at: new Date(now + 2 * 3600_000).toISOString(),
  },
  admin,
);

const posts = [];
for (const [author, content] of [
  [alice, '第一次用 Minibase 发帖 👋'],
  [bob, '秒杀一分钟后开始，定好闹钟'],
  [alice, '审批流程也可以在小程序里走完'],
]) {
  try {
    posts.push(
      (await call('POST', '/api/v1/posts', { content, topics: ['示例'] }, author.token)).id,
    );
  } catch (err) {
    // Seeding twice within the duplicate window: the post is already there.
    if (err.code !== 40950) throw err;
  }
}

const made = {
  users: { alice: alice.id, bob: bob.id },
  templates: templateIds,
  sale: sale.id,
  posts,
};
if (args.json) console.log(JSON.stringify(made));
else {
  console.log(`users: alice #${alice.id}, bob #${bob.id} (bob approves)`);
  console.log(
    `approval templates: ${Object.entries(templateIds)
      .map(([n, id]) => `${n} #${id}`)
      .join(', ')}`,
  );
  console.log(
    `flash sale #${sale.id} starts at ${new Date(now + Number(args['starts-in']) * 1000).toLocaleTimeString()}`,
  );
  console.log(`posts: ${posts.length} new`);
}
