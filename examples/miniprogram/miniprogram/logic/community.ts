import {
  type Comment,
  type MinibaseClient,
  Pager,
  type Post,
  type UserProfile,
} from 'minibase-sdk';
import { errorText, timeAgo } from './format';
import type { View } from './view';

/** A post as the lists show it: the API's post and its age in words. */
export type PostCard = Post & { ago: string };

const card = (post: Post): PostCard => ({ ...post, ago: timeAgo(post.created_at) });

export type FeedTab = 'latest' | 'hot' | 'following';

export interface FeedData {
  tab: FeedTab;
  /** Tabs to show: `hot` only when the `hot-tab` feature flag is on for the user. */
  tabs: FeedTab[];
  posts: PostCard[];
  loading: boolean;
  done: boolean;
  error: string;
}

export const initialFeed = (): FeedData => ({
  tab: 'latest',
  tabs: ['latest', 'following'],
  posts: [],
  loading: false,
  done: false,
  error: '',
});

/** The community feed: tabs, infinite scroll, pull to refresh, likes. */
export class FeedModel {
  private pager: Pager<Post>;

  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<FeedData>,
    private readonly pageSize = 20,
  ) {
    this.pager = this.pagerFor(view.data.tab);
  }

  /** First load, and pull to refresh. */
  async refresh(): Promise<void> {
    const hot = await this.mb.config.flag('hot-tab').catch(() => false);
    this.view.setData({ tabs: hot ? ['latest', 'hot', 'following'] : ['latest', 'following'] });
    this.pager = this.pagerFor(this.view.data.tab);
    this.view.setData({ posts: [], done: false });
    await this.more();
  }

  /** The next page (reaching the bottom). */
  async more(): Promise<void> {
    if (this.pager.done) return;
    const pager = this.pager;
    this.view.setData({ loading: true, error: '' });
    try {
      await pager.next();
      // A tab switched meanwhile has a pager of its own.
      if (pager !== this.pager) return;
      this.view.setData({ posts: pager.items.map(card), done: pager.done, loading: false });
    } catch (err) {
      this.view.setData({ error: errorText(err), loading: false });
    }
  }

  async switchTab(tab: FeedTab): Promise<void> {
    if (tab === this.view.data.tab) return;
    this.view.setData({ tab });
    this.pager = this.pagerFor(tab);
    this.view.setData({ posts: [], done: false });
    await this.more();
  }

  async toggleLike(postId: number): Promise<void> {
    const post = this.view.data.posts.find((p) => p.id === postId);
    if (!post) return;
    try {
      const state = post.liked_by_me
        ? await this.mb.community.unlike(postId)
        : await this.mb.community.like(postId);
      this.view.setData({
        posts: this.view.data.posts.map((p) =>
          p.id === postId ? { ...p, liked_by_me: state.liked, like_count: state.like_count } : p,
        ),
      });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }

  private pagerFor(tab: FeedTab): Pager<Post> {
    const fetch = {
      latest: (q: { limit?: number; cursor?: string }) => this.mb.community.feed(q),
      hot: (q: { limit?: number; cursor?: string }) => this.mb.community.hot(q),
      following: (q: { limit?: number; cursor?: string }) => this.mb.community.following(q),
    }[tab];
    return new Pager(fetch, this.pageSize);
  }
}

/** A comment with its age, and the replies of its thread once opened. */
export type CommentItem = Comment & { ago: string; replies: Array<Comment & { ago: string }> };

export interface PostData {
  post: PostCard | null;
  comments: CommentItem[];
  /** The comment the next comment answers, if any. */
  replyTo: { id: number; nickname: string } | null;
  sending: boolean;
  error: string;
}

export const initialPost = (): PostData => ({
  post: null,
  comments: [],
  replyTo: null,
  sending: false,
  error: '',
});

/** A post with its comments and replies; like, comment, reply. */
export class PostModel {
  private postId = 0;

  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<PostData>,
  ) {}

  async load(postId: number): Promise<void> {
    this.postId = postId;
    try {
      const [post, comments] = await Promise.all([
        this.mb.community.post(postId),
        this.mb.community.comments(postId, { limit: 50 }),
      ]);
      const items = await Promise.all(
        comments.items.map(async (c) => ({
          ...c,
          ago: timeAgo(c.created_at),
          replies: (await this.mb.community.replies(c.id, { limit: 50 })).items.map((r) => ({
            ...r,
            ago: timeAgo(r.created_at),
          })),
        })),
      );
      this.view.setData({ post: card(post), comments: items, error: '' });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }

  async toggleLike(): Promise<void> {
    const post = this.view.data.post;
    if (!post) return;
    try {
      const state = post.liked_by_me
        ? await this.mb.community.unlike(post.id)
        : await this.mb.community.like(post.id);
      this.view.setData({
        post: { ...post, liked_by_me: state.liked, like_count: state.like_count },
      });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }

  replyTo(comment: { id: number; author: { nickname: string } } | null): void {
    this.view.setData({
      replyTo: comment ? { id: comment.id, nickname: comment.author.nickname } : null,
    });
  }

  /** Send a comment (or the reply chosen with `replyTo`); true when it was sent. */
  async send(text: string): Promise<boolean> {
    const content = text.trim();
    if (!content || this.view.data.sending) return false;
    this.view.setData({ sending: true, error: '' });
    try {
      await this.mb.community.comment(this.postId, content, this.view.data.replyTo?.id);
      this.view.setData({ replyTo: null, sending: false });
      await this.load(this.postId);
      return true;
    } catch (err) {
      this.view.setData({ error: errorText(err), sending: false });
      return false;
    }
  }
}

export interface ComposeData {
  content: string;
  topics: string;
  /** Local paths of the chosen images (wx.chooseMedia). */
  images: string[];
  posting: boolean;
  error: string;
}

export const initialCompose = (): ComposeData => ({
  content: '',
  topics: '',
  images: [],
  posting: false,
  error: '',
});

export const MAX_IMAGES = 9;

/** Writing a post: text, up to 9 images, topics. */
export class ComposeModel {
  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<ComposeData>,
  ) {}

  setContent(content: string): void {
    this.view.setData({ content });
  }

  setTopics(topics: string): void {
    this.view.setData({ topics });
  }

  addImages(paths: string[]): void {
    this.view.setData({ images: [...this.view.data.images, ...paths].slice(0, MAX_IMAGES) });
  }

  removeImage(index: number): void {
    this.view.setData({ images: this.view.data.images.filter((_, i) => i !== index) });
  }

  /** Upload the images, publish; answers the new post (pending while its images are checked). */
  async publish(): Promise<Post | null> {
    const { content, topics, images, posting } = this.view.data;
    if (posting) return null;
    if (!content.trim()) {
      this.view.setData({ error: '写点什么吧' });
      return null;
    }
    this.view.setData({ posting: true, error: '' });
    try {
      const post = await this.mb.community.createPost({
        content: content.trim(),
        images,
        topics: topics
          .split(/[\s,，#]+/)
          .map((t) => t.trim())
          .filter(Boolean),
      });
      this.view.setData({ ...initialCompose() });
      return post;
    } catch (err) {
      this.view.setData({ error: errorText(err), posting: false });
      return null;
    }
  }
}

export interface UserData {
  profile: UserProfile | null;
  posts: PostCard[];
  /** True on one's own profile (no follow button). */
  isMe: boolean;
  error: string;
}

export const initialUser = (): UserData => ({ profile: null, posts: [], isMe: false, error: '' });

/** Someone's profile: counts, follow, their posts. */
export class UserModel {
  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<UserData>,
  ) {}

  async load(userId: number): Promise<void> {
    try {
      const [profile, posts, me] = await Promise.all([
        this.mb.community.profile(userId),
        this.mb.community.userPosts(userId, { limit: 20 }),
        this.mb.users.me(),
      ]);
      this.view.setData({
        profile,
        posts: posts.items.map(card),
        isMe: me.id === userId,
        error: '',
      });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }

  async toggleFollow(): Promise<void> {
    const profile = this.view.data.profile;
    if (!profile) return;
    try {
      const { following } = profile.followed_by_me
        ? await this.mb.community.unfollow(profile.id)
        : await this.mb.community.follow(profile.id);
      const followers =
        profile.followers + (following === profile.followed_by_me ? 0 : following ? 1 : -1);
      this.view.setData({ profile: { ...profile, followed_by_me: following, followers } });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }
}
