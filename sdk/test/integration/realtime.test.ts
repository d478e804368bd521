// The realtime client against a real server, through the wx shim's connectSocket (`ws`):
// live events from other users' actions, a refused channel, and resuming after a disconnect
// with what was missed replayed.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MinibaseClient, RealtimeEvent } from '../../src';
import { type Minibase, startMinibase } from '../support/minibase';

let server: Minibase;
let alice: { client: MinibaseClient; id: number };
let bob: { client: MinibaseClient; id: number };

beforeAll(async () => {
  server = await startMinibase();
  const a = server.client('rt-alice');
  const b = server.client('rt-bob');
  alice = { client: a.client, id: (await a.client.users.me()).id };
  bob = { client: b.client, id: (await b.client.users.me()).id };
});
afterAll(async () => {
  alice?.client.realtime.close();
  await server?.stop();
});

describe('realtime over wx.connectSocket', () => {
  it('delivers events, refuses a foreign channel, and resumes after a disconnect', async () => {
    const post = await alice.client.community.createPost({ content: 'watch this live' });
    const mine: RealtimeEvent[] = [];
    const onPost: RealtimeEvent[] = [];
    const refusals: number[] = [];
    alice.client.realtime.subscribe(`user:${alice.id}`, (e) => mine.push(e));
    alice.client.realtime.subscribe(`post:${post.id}`, (e) => onPost.push(e));
    alice.client.realtime.subscribe(`user:${bob.id}`, () => {}, {
      onRefused: (r) => refusals.push(r.code),
    });
    await vi.waitFor(() => {
      expect(alice.client.realtime.lastEventId(`post:${post.id}`)).toBeDefined();
      expect(refusals).toEqual([40300]);
    });

    await bob.client.community.like(post.id);
    await vi.waitFor(() => {
      expect(onPost.map((e) => e.event)).toContain('post.like_count');
      expect(mine.find((e) => e.event === 'notification.created')?.data).toMatchObject({
        kind: 'like',
        unread: 1,
      });
    });

    // Disconnected, alice misses a comment; on reconnecting she gets it from the replay.
    alice.client.realtime.close();
    const comment = await bob.client.community.comment(post.id, 'while you were away');
    const before = onPost.length;
    alice.client.realtime.subscribe('config', () => {});
    await vi.waitFor(() => {
      const replayed = onPost.slice(before).find((e) => e.event === 'comment.created');
      expect(replayed?.data).toMatchObject({ id: comment.id, content: 'while you were away' });
    });
    expect(alice.client.realtime.state).toBe('open');
    // And the unread count went up by the comment's notification, announced while away.
    expect(mine.at(-1)?.data).toMatchObject({ kind: 'comment', unread: 2 });
  });
});
