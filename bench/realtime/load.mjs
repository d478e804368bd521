#!/usr/bin/env node
// The realtime benchmark's load driver, the same for every server (bench/realtime/README.md).
//
//   node load.mjs idle   --url ws://127.0.0.1:18100/path --count 10000 --pid 1234 [--token T]
//       Opens `count` WebSockets, each subscribed to `config`, holds them, and reports the
//       server's resident memory before and after (from /proc/<pid>/status): KiB per connection
//       and connections per MiB.
//   node load.mjs fanout --urls ws://a/path,ws://b/path --subscribers 10000 --rate 50
//                        --duration 20 --publish URL --driver PATH [--drivers 2]
//                        [--publish-kind minibase|peer] [--token T] [--admin-token A]
//       Spreads subscribers over the URLs (nodes) and over `drivers` subscriber processes of the
//       Go driver (driver/main.go), publishes `rate` events a second through one node for
//       `duration` seconds from a publisher process of its own, and reports deliveries a second
//       and the delivery latency (publish to receipt) p50/p99/max. Every server stamps each event
//       with when it was published: Minibase's `at`, the peers' `data.sent_ms`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
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

/** Start a driver process; `onLine` gets each JSON line it prints. */
function spawnDriver(driver, args, onLine) {
  const child = spawn(driver, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`driver ${args[0]} exited with ${code}`)),
    );
  });
  createInterface({ input: child.stdout }).on('line', (line) => onLine(JSON.parse(line)));
  return { child, exited };
}

async function fanout() {
  const urls = opt('urls');
  const subscribers = Number(opt('subscribers', '1000'));
  const rate = Number(opt('rate', '20'));
  const duration = Number(opt('duration', '10'));
  const drivers = Math.max(1, Number(opt('drivers', '2')));
  const driver = opt('driver');
  const token = opt('token');
  // Subscriber processes, each with its share of the sockets.
  const procs = [];
  let first = 0;
  for (let d = 0; d < drivers; d += 1) {
    const count = Math.floor(subscribers / drivers) + (d < subscribers % drivers ? 1 : 0);
    const state = { ready: false, delivered: 0, final: null };
    const args = ['subscribe', '--urls', urls, '--count', String(count), '--first', String(first)];
    if (token) args.push('--token', token);
    const proc = spawnDriver(driver, args, (line) => {
      if (line.ready !== undefined) state.ready = true;
      if (line.histogram) state.final = line;
      else if (line.delivered !== undefined) state.delivered = line.delivered;
    });
    procs.push({ ...proc, state });
    first += count;
  }
  const failedEarly = Promise.race(procs.map((p) => p.exited)).then(() => {
    throw new Error('a subscriber driver ended early');
  });
  const allReady = (async () => {
    while (!procs.every((p) => p.state.ready)) await sleep(50);
  })();
  await Promise.race([allReady, failedEarly]);
  await sleep(1000);
  const publishArgs = ['publish', '--url', opt('publish'), '--kind', opt('publish-kind', 'peer')];
  publishArgs.push('--rate', String(rate), '--duration', String(duration));
  if (opt('admin-token')) publishArgs.push('--admin-token', opt('admin-token'));
  let publishResult = null;
  const publisher = spawnDriver(driver, publishArgs, (line) => {
    publishResult = line;
  });
  await publisher.exited;
  const expected = publishResult.published * subscribers;
  const deliveredNow = () => procs.reduce((sum, p) => sum + p.state.delivered, 0);
  // Let the last events arrive.
  for (let waited = 0; deliveredNow() < expected && waited < 5000; waited += 100) await sleep(100);
  for (const p of procs) p.child.stdin.end();
  await Promise.all(procs.map((p) => p.exited));
  const histogram = new Map();
  let delivered = 0;
  for (const p of procs) {
    delivered += p.state.final.delivered;
    for (const [ms, n] of Object.entries(p.state.final.histogram)) {
      histogram.set(Number(ms), (histogram.get(Number(ms)) ?? 0) + n);
    }
  }
  const sorted = [...histogram.entries()].sort((a, b) => a[0] - b[0]);
  const percentile = (p) => {
    const rank = Math.floor((p / 100) * delivered);
    let seen = 0;
    for (const [ms, n] of sorted) {
      seen += n;
      if (seen > rank) return ms;
    }
    return sorted.at(-1)?.[0] ?? null;
  };
  return {
    mode: 'fanout',
    nodes: new Set(urls.split(',')).size,
    subscribers,
    drivers,
    rate,
    published: publishResult.published,
    publish_failures: publishResult.failures,
    delivered,
    expected,
    delivered_per_sec: delivered / publishResult.secs,
    p50_ms: percentile(50),
    p99_ms: percentile(99),
    max_ms: sorted.at(-1)?.[0] ?? null,
  };
}

const result = mode === 'idle' ? await idle() : mode === 'fanout' ? await fanout() : null;
if (!result) {
  console.error('usage: node load.mjs idle|fanout ... (see the top of this file)');
  process.exit(2);
}
console.log(JSON.stringify(result));
process.exit(0);
