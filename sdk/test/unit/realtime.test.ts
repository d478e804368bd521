// The realtime client against fake sockets: subscribe frames, events to handlers, resume from
// the last ids after a drop, backoff, heartbeats, reload and refusals, and no reconnect after
// the session ended.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compareEventIds, createClient, type RealtimeState } from '../../src';
import { fakeWx, loginAnswer } from '../support/fake-wx';

const BASE = 'https://api.example.com';

/** One fake SocketTask: records what the client sent; the test plays the server. */
class FakeSocket {
  sent: Array<Record<string, unknown>> = [];
  closed: { code?: number } | undefined;
  private open?: () => void;
  private message?: (r: { data: string }) => void;
  private close?: (r: { code: number; reason: string }) => void;

  constructor(
    readonly url: string,
    readonly header: Record<string, string>,
  ) {}

  task() {
    return {
      onOpen: (cb: () => void) => {
        this.open = cb;
      },
      onMessage: (cb: (r: { data: string }) => void) => {
        this.message = cb;
      },
      onClose: (cb: (r: { code: number; reason: string }) => void) => {
        this.close = cb;
      },
      onError: () => {},
      send: ({ data }: { data: string }) => {
        this.sent.push(JSON.parse(data));
      },
      close: (o: { code?: number } = {}) => {
        this.closed = o;
      },
    } as unknown as WechatMiniprogram.SocketTask;
  }

  opens() {
    this.open?.();
  }
  says(frame: object) {
    this.message?.({ data: JSON.stringify(frame) });
  }
  drops(code = 1006) {
    this.close?.({ code, reason: '' });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const wx = fakeWx((request) => {
    if (request.path === '/api/v1/auth/login') return loginAnswer('t1');
    return { status: 404, body: {} };
  });
  wx.connectSocket = (options: WechatMiniprogram.ConnectSocketOption) => {
    const socket = new FakeSocket(options.url, (options.header ?? {}) as Record<string, string>);
    sockets.push(socket);
    return socket.task();
  };
  const states: RealtimeState[] = [];
  const client = createClient({
    baseUrl: BASE,
    wx,
    realtime: {
      heartbeatMs: 1000,
      initialBackoffMs: 100,
      maxBackoffMs: 400,
      onState: (s) => states.push(s),
    },
  });
  /** The newest socket, once the client made it (the token comes first). */
  const socket = async (count: number) => {
    await vi.waitFor(() => expect(sockets.length).toBe(count));
    return sockets[count - 1] as FakeSocket;
  };
  return { client, sockets, socket, states };
}

function event(channel: string, id: string, name = 'test', data: unknown = {}) {
  return { type: 'event', id, channel, event: name, data, at: '2026-12-07T00:00:00Z' };
}

describe('realtime', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('connects with the token, subscribes, and hands events to the channel handlers', async () => {
    const { client, socket } = setup();
    const seen: string[] = [];
    client.realtime.subscribe('user:1', (e) => seen.push(`${e.channel} ${e.event}`));
    client.realtime.subscribe('post:2', (e) => seen.push(`${e.channel} ${e.event}`));
    const s = await socket(1);
    expect(s.url).toBe('wss://api.example.com/api/v1/realtime/ws');
    expect(s.header.Authorization).toBe('Bearer t1');
    s.opens();
    expect(s.sent).toEqual([
      { type: 'subscribe', channel: 'user:1' },
      { type: 'subscribe', channel: 'post:2' },
    ]);
    s.says({ type: 'subscribed', channel: 'user:1', position: '10-0' });
    s.says(event('user:1', '11-0', 'notification.created'));
    s.says(event('post:2', '12-0', 'post.like_count'));
    s.says(event('post:9', '13-0', 'stray'));
    expect(seen).toEqual(['user:1 notification.created', 'post:2 post.like_count']);
    expect(client.realtime.lastEventId('user:1')).toBe('11-0');
    expect(client.realtime.lastEventId('post:2')).toBe('12-0');
    expect(client.realtime.state).toBe('open');
  });

  it('reconnects after a drop with backoff and resumes every channel from its last id', async () => {
    const { client, socket, sockets, states } = setup();
    client.realtime.subscribe('user:1', () => {});
    client.realtime.subscribe('post:2', () => {});
    const first = await socket(1);
    first.opens();
    first.says({ type: 'subscribed', channel: 'post:2', position: '5-0' });
    first.says(event('user:1', '7-3'));
    first.drops();
    expect(client.realtime.state).toBe('waiting');
    // The first retry comes within the initial backoff (100 ms, jittered down to 50).
    await vi.advanceTimersByTimeAsync(100);
    const second = await socket(2);
    second.opens();
    expect(second.sent).toEqual([
      { type: 'subscribe', channel: 'user:1', since: '7-3' },
      { type: 'subscribe', channel: 'post:2', since: '5-0' },
    ]);
    // An open connection resets the backoff; handshakes that keep failing double it (50-100 ms,
    // then 100-200, then 200-400, the ceiling).
    second.drops();
    await vi.advanceTimersByTimeAsync(100);
    const third = await socket(3);
    third.drops();
    await vi.advanceTimersByTimeAsync(99);
    expect(sockets).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(101);
    const fourth = await socket(4);
    fourth.drops();
    await vi.advanceTimersByTimeAsync(199);
    expect(sockets).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(201);
    await socket(5);
    expect(states).toContain('waiting');
  });

  it('sends heartbeats and starts over when nothing is heard', async () => {
    const { client, socket } = setup();
    client.realtime.subscribe('config', () => {});
    const s = await socket(1);
    s.opens();
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.sent.at(-1)).toEqual({ type: 'ping' });
    s.says({ type: 'pong' });
    // Silence for longer than 2.5 heartbeats: the socket is closed and a new one opened.
    await vi.advanceTimersByTimeAsync(3000);
    expect(s.closed).toBeDefined();
    await vi.advanceTimersByTimeAsync(200);
    await socket(2);
  });

  it('calls onReload, forgets the stale id, and takes the new position', async () => {
    const { client, socket } = setup();
    const reloads: number[] = [];
    client.realtime.subscribe('post:2', () => {}, { onReload: () => reloads.push(1) });
    const s = await socket(1);
    s.opens();
    s.says(event('post:2', '3-0'));
    s.says({ type: 'reload', channel: 'post:2', reason: 'gone' });
    expect(reloads).toEqual([1]);
    expect(client.realtime.lastEventId('post:2')).toBeUndefined();
    s.says({ type: 'subscribed', channel: 'post:2', position: '2-0' });
    expect(client.realtime.lastEventId('post:2')).toBe('2-0');
  });

  it('drops a refused subscription and does not ask again', async () => {
    const { client, socket } = setup();
    const refusals: number[] = [];
    client.realtime.subscribe('user:99', () => {}, { onRefused: (r) => refusals.push(r.code) });
    client.realtime.subscribe('config', () => {});
    const s = await socket(1);
    s.opens();
    s.says({ type: 'error', code: 40300, message: 'no', channel: 'user:99' });
    expect(refusals).toEqual([40300]);
    s.drops();
    await vi.advanceTimersByTimeAsync(100);
    const again = await socket(2);
    again.opens();
    expect(again.sent).toEqual([{ type: 'subscribe', channel: 'config' }]);
  });

  it('does not reconnect once the session ended (4001), nor after close()', async () => {
    const { client, socket, sockets } = setup();
    client.realtime.subscribe('config', () => {});
    const s = await socket(1);
    s.opens();
    s.drops(4001);
    expect(client.realtime.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(5000);
    expect(sockets).toHaveLength(1);

    const other = setup();
    other.client.realtime.subscribe('config', () => {});
    const t = await other.socket(1);
    t.opens();
    other.client.realtime.close();
    expect(t.closed?.code).toBe(1000);
    await vi.advanceTimersByTimeAsync(5000);
    expect(other.sockets).toHaveLength(1);
  });

  it('unsubscribes when the last handler goes', async () => {
    const { client, socket } = setup();
    const off = client.realtime.subscribe('post:2', () => {});
    const s = await socket(1);
    s.opens();
    off();
    expect(s.sent.at(-1)).toEqual({ type: 'unsubscribe', channel: 'post:2' });
  });

  it('orders event ids numerically', () => {
    expect(compareEventIds('9-10', '10-0')).toBe(-1);
    expect(compareEventIds('10-2', '10-10')).toBe(-1);
    expect(compareEventIds('10-2', '10-2')).toBe(0);
    expect(compareEventIds('1733551234567-1', '1733551234567-0')).toBe(1);
  });
});
