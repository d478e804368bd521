#!/usr/bin/env node
// The realtime benchmark's load driver, the same for every server (bench/realtime/README.md).
//
//   node load.mjs idle   --url ws://127.0.0.1:18100/path --count 10000 --pid 1234 [--token T]
//       Opens `count` WebSockets, each subscribed to `config`, holds them, and reports the
//       server's resident memory before and after (from /proc/<pid>/status): KiB per connection
//       and connections per MiB.
//   node load.mjs fanout --urls ws://a/path,ws://b/path --subscribers 10000 --rate 50
//                        --duration 20 --publish URL [--publish-kind minibase|peer]
//                        [--token T] [--admin-token A]
//       Spreads subscribers over the URLs (nodes), publishes `rate` events a second through one
//       node for `duration` seconds, and reports deliveries a second and the delivery latency
//       (publish to receipt) p50/p99/max. Every server stamps each event with when it was
//       published: Minibase's `at`, the peers' `data.sent_ms`.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const mode = args[0];
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function rssKib(pid) {
  if (!pid) return null;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) : null;
}

/** Open one socket subscribed to `config`; resolves once the subscription is acknowledged
 * (Minibase) or the socket is open (peers, which send everything to everyone). */
function open(url, token, onEvent) {
  return new Promise((resolve, reject) => {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const socket = new WebSocket(url, { headers, perMessageDeflate: false });
    let settled = false;
    const done = (err) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(socket);
    };
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'subscribe', channel: 'config' }));
      if (!token) done();
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'subscribed') done();
      else if (frame.type === 'event') onEvent?.(frame);
    });
    socket.on('error', done);
    socket.on('unexpected-response', (_req, res) => done(new Error(`HTTP ${res.statusCode}`)));
  });
}

async function openMany(urls, count, token, onEvent) {
  const sockets = [];
  const batch = 200;
  for (let i = 0; i < count; i += batch) {
    const wave = [];
    for (let j = i; j < Math.min(count, i + batch); j += 1) {
      wave.push(open(urls[j % urls.length], token, onEvent));
    }
    sockets.push(...(await Promise.all(wave)));
  }
  return sockets;
}

async function idle() {
  const url = opt('url');
  const count = Number(opt('count', '1000'));
  const pid = opt('pid');
  const before = rssKib(pid);
  const started = Date.now();
  const sockets = await openMany([url], count, opt('token'));
  const openSecs = (Date.now() - started) / 1000;
  await sleep(3000);
  const after = rssKib(pid);
  const perConn = before !== null && after !== null ? (after - before) / count : null;
  for (const socket of sockets) socket.terminate();
  return {
    mode: 'idle',
    connections: count,
    open_secs: openSecs,
    rss_before_kib: before,
    rss_after_kib: after,
    kib_per_connection: perConn,
    connections_per_mib: perConn ? 1024 / perConn : null,
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function publishOne(kind, url, adminToken, n) {
  if (kind === 'minibase') {
    const res = await fetch(`${url}/api/v1/admin/config/bench.tick`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ value: { n }, public: true }),
    });
    await res.arrayBuffer();
    return res.ok;
  }
  const res = await fetch(`${url}/publish`, { method: 'POST' });
  await res.arrayBuffer();
  return res.ok;
}

async function fanout() {
  const urls = opt('urls').split(',');
  const subscribers = Number(opt('subscribers', '1000'));
  const rate = Number(opt('rate', '20'));
  const duration = Number(opt('duration', '10'));
  const kind = opt('publish-kind', 'peer');
  const latencies = [];
  let delivered = 0;
  let measuring = false;
  const onEvent = (frame) => {
    if (!measuring) return;
    const sent = frame.data?.sent_ms ?? Date.parse(frame.at);
    latencies.push(Date.now() - sent);
    delivered += 1;
  };
  const sockets = await openMany(urls, subscribers, opt('token'), onEvent);
  await sleep(1000);
  measuring = true;
  let published = 0;
  let failed = 0;
  const started = Date.now();
  const interval = 1000 / rate;
  while (Date.now() - started < duration * 1000) {
    const due = started + published * interval;
    if (Date.now() < due) await sleep(due - Date.now());
    if (await publishOne(kind, opt('publish'), opt('admin-token'), published)) published += 1;
    else failed += 1;
  }
  const elapsed = (Date.now() - started) / 1000;
  // Let the last events arrive.
  const expected = published * subscribers;
  for (let waited = 0; delivered < expected && waited < 5000; waited += 100) await sleep(100);
  measuring = false;
  for (const socket of sockets) socket.terminate();
  latencies.sort((a, b) => a - b);
  return {
    mode: 'fanout',
    nodes: urls.length,
    subscribers,
    published,
    publish_failures: failed,
    delivered,
    expected,
    delivered_per_sec: delivered / elapsed,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    max_ms: latencies.at(-1) ?? null,
  };
}

const result = mode === 'idle' ? await idle() : mode === 'fanout' ? await fanout() : null;
if (!result) {
  console.error('usage: node load.mjs idle|fanout ... (see the top of this file)');
  process.exit(2);
}
console.log(JSON.stringify(result));
process.exit(0);
