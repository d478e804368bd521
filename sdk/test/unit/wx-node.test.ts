// The Node `wx` shim itself, where the SDK does not exercise it yet: sockets (for the realtime
// module to come) and wx.request's GET data in the query string.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { NodeWx } from '../support/wx-node';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe('the Node wx shim', () => {
  it('connectSocket opens, sends, receives and closes like a SocketTask', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    closers.push(() => server.close());
    let header: string | undefined;
    server.on('connection', (socket, request) => {
      header = request.headers.authorization;
      socket.on('message', (data) => socket.send(`echo:${data.toString()}`));
    });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;

    const wx = new NodeWx('sock');
    const task = wx.connectSocket({
      url: `ws://127.0.0.1:${port}/ws`,
      header: { authorization: 'Bearer t' },
    });
    const opened = new Promise((resolve) => task.onOpen(resolve));
    const message = new Promise<string>((resolve) =>
      task.onMessage((m) => resolve(m.data as string)),
    );
    const closed = new Promise<number>((resolve) => task.onClose((c) => resolve(c.code)));
    await opened;
    task.send({ data: 'hi' });
    expect(await message).toBe('echo:hi');
    expect(header).toBe('Bearer t');
    task.close({ code: 1000 });
    expect(await closed).toBe(1000);
  });

  it('request puts GET data in the query string and parses JSON answers', async () => {
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url }));
    });
    closers.push(() => server.close());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const wx = new NodeWx('req');
    const data = await new Promise<unknown>((resolve, reject) =>
      wx.request({
        url: `http://127.0.0.1:${port}/x?a=1`,
        data: { b: 2 },
        success: (res) => resolve(res.data),
        fail: reject,
      }),
    );
    expect(data).toEqual({ url: '/x?a=1&b=2' });
    expect(wx.calls('/x', 200)).toHaveLength(1);
  });
});
