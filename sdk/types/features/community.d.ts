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
export declare class Community {
    private readonly core;
    private readonly files;
    constructor(core: Core, files: Files);
    /** The latest posts, newest first (optionally of one topic or author). */
    feed(query?: FeedQuery): Promise<Page<Post>>;
    /** The hot feed (likes and comments weighed against age). */
    hot(query?: PageQuery): Promise<Page<Post>>;
    /** Posts of the people the user follows. */
    following(query?: PageQuery): Promise<Page<Post>>;
    post(id: number): Promise<Post>;
    /**
     * Publish a post, uploading local images first. By default the server checks the text with
     * WeChat in the background: the post comes back `checking`, seen by its author only, until the
     * check publishes it (or blocks it). A server set to `content_check = "sync"` refuses risky
     * text at once (422, 42210). A post with images stays `pending` until WeChat has checked them.
     */
    createPost(post: NewPost): Promise<Post>;
    editPost(id: number, changes: PostChanges): Promise<Post>;
    deletePost(id: number): Promise<void>;
    /** Like a post (idempotent); answers the new count. */
    like(postId: number): Promise<LikeState>;
    unlike(postId: number): Promise<LikeState>;
    /** A post's root comments, oldest first. */
    comments(postId: number, query?: PageQuery): Promise<Page<Comment>>;
    /** The replies in a root comment's thread. */
    replies(commentId: number, query?: PageQuery): Promise<Page<Comment>>;
    /** Comment on a post, or reply to a comment (`parentId`). */
    comment(postId: number, content: string, parentId?: number): Promise<Comment>;
    deleteComment(commentId: number): Promise<void>;
    likeComment(commentId: number): Promise<LikeState>;
    unlikeComment(commentId: number): Promise<LikeState>;
    /** A user's public profile with counts and `followed_by_me`. */
    profile(userId: number): Promise<UserProfile>;
    userPosts(userId: number, query?: PageQuery): Promise<Page<Post>>;
    /** Follow a user (idempotent). Following oneself is a 422. */
    follow(userId: number): Promise<FollowState>;
    unfollow(userId: number): Promise<FollowState>;
    followers(userId: number, query?: PageQuery): Promise<Page<UserSummary>>;
    followingOf(userId: number, query?: PageQuery): Promise<Page<UserSummary>>;
    /** Report a post or comment to the moderators (one open report per target). */
    report(report: ReportInput): Promise<Report>;
}
