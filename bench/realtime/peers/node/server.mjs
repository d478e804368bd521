#!/usr/bin/env node
// The Node peer of the realtime benchmark: a `ws` server doing the same fan-out as Minibase,
// across nodes through Redis pub/sub. Every client gets every event (one channel); there is no
// authentication, replay or per-connection queue bound: the floor of what a fan-out costs.
//
//   PORT=18200 REDIS_URL=redis://127.0.0.1:6390 node server.mjs
//   POST /publish      publishes {"type":"event","channel":"config","event":"bench",
//                      "data":{"sent_ms":<now>}} through Redis to every node's clients
//   GET  /ws           the WebSocket
import http from 'node:http';
import { createClient } from 'redis';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT ?? 18200);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHANNEL = 'bench:events';

const publisher = createClient({ url: redisUrl });
const subscriber = publisher.duplicate();
await publisher.connect();
await subscriber.connect();

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
await subscriber.subscribe(CHANNEL, (message) => {
  for (const client of wss.clients) {
    if (client.readyState === 1) client.send(message);
  }
});

const server = http.createServer(async (req, res) => {
  if (req.method === 'POST' && req.url === '/publish') {
    const event = {
      type: 'event',
      channel: 'config',
      event: 'bench',
      data: { sent_ms: Date.now() },
    };
    await publisher.publish(CHANNEL, JSON.stringify(event));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    return;
  }
  res.writeHead(404).end();
});
server.on('upgrade', (req, socket, head) => {
  if (req.url !== '/ws') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', () => {});
  });
});
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
