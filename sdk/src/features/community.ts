import type { Page, PageQuery, QueryParams, RequestBody, ResponseData } from '../api-types';
import type { Core } from '../core';
import type { Files } from './files';

export type Post = ResponseData<'/api/v1/posts/{id}', 'get'>;
export type PostChanges = RequestBody<'/api/v1/posts/{id}', 'patch'>;
export type Comment = ResponseData<'/api/v1/posts/{id}/comments', 'post'>;
export type LikeState = ResponseData<'/api/v1/posts/{id}/like', 'post'>;
export type FollowState = ResponseData<'/api/v1/users/{id}/follow', 'post'>;
export type UserProfile = ResponseData<'/api/v1/users/{id}', 'get'>;
export type UserSummary = ResponseData<'/api/v1/users/{id}/followers', 'get'>['items'][number];
export type Report = ResponseData<'/api/v1/reports', 'post'>;
export type ReportInput = RequestBody<'/api/v1/reports', 'post'>;
/** Filters of the latest feed: `topic`, `author_id`, plus `limit` and `cursor`. */
export type FeedQuery = QueryParams<'/api/v1/posts', 'get'>;

/** A new post: text, and images as uploaded file ids or local paths to upload first. */
export interface NewPost {
  /** 1-2000 characters. */
  content: string;
  /** Up to 9: ids from `files.upload`, or local paths (`wx.chooseMedia`) uploaded here in order. */
  images?: ReadonlyArray<number | string>;
  /** Up to 5 topics. */
  topics?: string[];
}

/**
 * The UGC community: feeds, posts, comments, likes, follows, reports. Lists answer
 * `{items, next_cursor}` pages; walk them with a {@link Pager}. Reading works signed out
 * (`liked_by_me` is then false); writing logs in first.
 */
export class Community {
  constructor(
    private readonly core: Core,
    private readonly files: Files,
  ) {}

  /** The latest posts, newest first (optionally of one topic or author). */
  feed(query: FeedQuery = {}): Promise<Page<Post>> {
    return this.core.call('get', '/api/v1/posts', { query, auth: 'optional' });
  }

  /** The hot feed (likes and comments weighed against age). */
  hot(query: PageQuery = {}): Promise<Page<Post>> {
    return this.core.call('get', '/api/v1/posts/hot', { query, auth: 'optional' });
  }

  /** Posts of the people the user follows. */
  following(query: PageQuery = {}): Promise<Page<Post>> {
    return this.core.call('get', '/api/v1/feed/following', { query });
  }

  post(id: number): Promise<Post> {
    return this.core.call('get', '/api/v1/posts/{id}', { params: { id }, auth: 'optional' });
  }

  /**
   * Publish a post, uploading local images first. By default the server checks the text with
   * WeChat in the background: the post comes back `checking`, seen by its author only, until the
   * check publishes it (or blocks it). A server set to `content_check = "sync"` refuses risky
   * text at once (422, 42210). A post with images stays `pending` until WeChat has checked them.
   */
  async createPost(post: NewPost): Promise<Post> {
    const local = (post.images ?? []).filter((image): image is string => typeof image === 'string');
    const uploaded = await this.files.uploadAll(local);
    let nextUpload = 0;
    const images = (post.images ?? []).map((image) =>
      typeof image === 'number' ? image : (uploaded[nextUpload++] as { id: number }).id,
    );
    const body: RequestBody<'/api/v1/posts', 'post'> = { content: post.content, images };
    if (post.topics) body.topics = post.topics;
    return this.core.call('post', '/api/v1/posts', { body });
  }

  editPost(id: number, changes: PostChanges): Promise<Post> {
    return this.core.call('patch', '/api/v1/posts/{id}', { params: { id }, body: changes });
  }

  async deletePost(id: number): Promise<void> {
    await this.core.call('delete', '/api/v1/posts/{id}', { params: { id } });
  }

  /** Like a post (idempotent); answers the new count. */
  like(postId: number): Promise<LikeState> {
    return this.core.call('post', '/api/v1/posts/{id}/like', { params: { id: postId } });
  }

  unlike(postId: number): Promise<LikeState> {
    return this.core.call('delete', '/api/v1/posts/{id}/like', { params: { id: postId } });
  }

  /** A post's root comments, oldest first. */
  comments(postId: number, query: PageQuery = {}): Promise<Page<Comment>> {
    return this.core.call('get', '/api/v1/posts/{id}/comments', {
      params: { id: postId },
      query,
      auth: 'optional',
    });
  }

  /** The replies in a root comment's thread. */
  replies(commentId: number, query: PageQuery = {}): Promise<Page<Comment>> {
    return this.core.call('get', '/api/v1/comments/{id}/replies', {
      params: { id: commentId },
      query,
      auth: 'optional',
    });
  }

  /** Comment on a post, or reply to a comment (`parentId`). */
  comment(postId: number, content: string, parentId?: number): Promise<Comment> {
    const body: RequestBody<'/api/v1/posts/{id}/comments', 'post'> = { content };
    if (parentId !== undefined) body.parent_id = parentId;
    return this.core.call('post', '/api/v1/posts/{id}/comments', { params: { id: postId }, body });
  }

  async deleteComment(commentId: number): Promise<void> {
    await this.core.call('delete', '/api/v1/comments/{id}', { params: { id: commentId } });
  }

  likeComment(commentId: number): Promise<LikeState> {
    return this.core.call('post', '/api/v1/comments/{id}/like', { params: { id: commentId } });
  }

  unlikeComment(commentId: number): Promise<LikeState> {
    return this.core.call('delete', '/api/v1/comments/{id}/like', { params: { id: commentId } });
  }

  /** A user's public profile with counts and `followed_by_me`. */
  profile(userId: number): Promise<UserProfile> {
    return this.core.call('get', '/api/v1/users/{id}', {
      params: { id: userId },
      auth: 'optional',
    });
  }

  userPosts(userId: number, query: PageQuery = {}): Promise<Page<Post>> {
    return this.core.call('get', '/api/v1/users/{id}/posts', {
      params: { id: userId },
      query,
      auth: 'optional',
    });
  }

  /** Follow a user (idempotent). Following oneself is a 422. */
  follow(userId: number): Promise<FollowState> {
    return this.core.call('post', '/api/v1/users/{id}/follow', { params: { id: userId } });
  }

  unfollow(userId: number): Promise<FollowState> {
    return this.core.call('delete', '/api/v1/users/{id}/follow', { params: { id: userId } });
  }

  followers(userId: number, query: PageQuery = {}): Promise<Page<UserSummary>> {
    return this.core.call('get', '/api/v1/users/{id}/followers', {
      params: { id: userId },
      query,
      auth: 'optional',
    });
  }

  followingOf(userId: number, query: PageQuery = {}): Promise<Page<UserSummary>> {
    return this.core.call('get', '/api/v1/users/{id}/following', {
      params: { id: userId },
      query,
      auth: 'optional',
    });
  }

  /** Report a post or comment to the moderators (one open report per target). */
  report(report: ReportInput): Promise<Report> {
    return this.core.call('post', '/api/v1/reports', { body: report });
  }
}
