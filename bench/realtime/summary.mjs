#!/usr/bin/env node
// Turns the realtime benchmark's JSON lines into a Markdown table, with Minibase's figures as
// ratios to the best peer measured in the same run.
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2], 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const servers = [...new Set(rows.map((r) => r.server))];
const of = (server, mode) => rows.find((r) => r.server === server && r.mode === mode) ?? {};
const fmt = (v, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : 'n/a');

const lines = [
  '| server | idle conns | KiB / conn | conns / MiB | subscribers | delivered / s | p50 ms | p99 ms | delivered / expected |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const server of servers) {
  const idle = of(server, 'idle');
  const fan = of(server, 'fanout');
  lines.push(
    `| ${server} | ${idle.connections ?? 'n/a'} | ${fmt(idle.kib_per_connection, 2)} | ${fmt(idle.connections_per_mib, 0)} | ${fan.subscribers ?? 'n/a'} | ${fmt(fan.delivered_per_sec, 0)} | ${fan.p50_ms ?? 'n/a'} | ${fan.p99_ms ?? 'n/a'} | ${fan.delivered ?? 'n/a'} / ${fan.expected ?? 'n/a'} |`,
  );
}
// `echo` is the driver's own trivial server (its floor), not a peer.
const peers = servers.filter((s) => s !== 'minibase' && s !== 'echo');
const best = (pick, better) =>
  peers
    .map((s) => pick(s))
    .filter((v) => typeof v === 'number')
    .reduce((a, b) => (a === undefined || better(b, a) ? b : a), undefined);
const mb = { idle: of('minibase', 'idle'), fan: of('minibase', 'fanout') };
const bestPerMib = best((s) => of(s, 'idle').connections_per_mib, (a, b) => a > b);
const bestRate = best((s) => of(s, 'fanout').delivered_per_sec, (a, b) => a > b);
lines.push('');
if (bestPerMib && mb.idle.connections_per_mib) {
  lines.push(
    `Connections per MiB: Minibase ${fmt(mb.idle.connections_per_mib / bestPerMib, 2)}x the best peer.`,
  );
}
if (bestRate && mb.fan.delivered_per_sec) {
  lines.push(
    `Deliveries per second: Minibase ${fmt(mb.fan.delivered_per_sec / bestRate, 2)}x the best peer; Minibase cross-node p99 ${mb.fan.p99_ms ?? 'n/a'} ms.`,
  );
}
console.log(lines.join('\n'));
