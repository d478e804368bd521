"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Community = void 0;
/**
 * The UGC community: feeds, posts, comments, likes, follows, reports. Lists answer
 * `{items, next_cursor}` pages; walk them with a {@link Pager}. Reading works signed out
 * (`liked_by_me` is then false); writing logs in first.
 */
class Community {
    constructor(core, files) {
        this.core = core;
        this.files = files;
    }
    /** The latest posts, newest first (optionally of one topic or author). */
    feed(query = {}) {
        return this.core.call('get', '/api/v1/posts', { query, auth: 'optional' });
    }
    /** The hot feed (likes and comments weighed against age). */
    hot(query = {}) {
        return this.core.call('get', '/api/v1/posts/hot', { query, auth: 'optional' });
    }
    /** Posts of the people the user follows. */
    following(query = {}) {
        return this.core.call('get', '/api/v1/feed/following', { query });
    }
    post(id) {
        return this.core.call('get', '/api/v1/posts/{id}', { params: { id }, auth: 'optional' });
    }
    /**
     * Publish a post, uploading local images first. By default the server checks the text with
     * WeChat in the background: the post comes back `checking`, seen by its author only, until the
     * check publishes it (or blocks it). A server set to `content_check = "sync"` refuses risky
     * text at once (422, 42210). A post with images stays `pending` until WeChat has checked them.
     */
    async createPost(post) {
        var _a, _b;
        const local = ((_a = post.images) !== null && _a !== void 0 ? _a : []).filter((image) => typeof image === 'string');
        const uploaded = await this.files.uploadAll(local);
        let nextUpload = 0;
        const images = ((_b = post.images) !== null && _b !== void 0 ? _b : []).map((image) => typeof image === 'number' ? image : uploaded[nextUpload++].id);
        const body = { content: post.content, images };
        if (post.topics)
            body.topics = post.topics;
        return this.core.call('post', '/api/v1/posts', { body });
    }
    editPost(id, changes) {
        return this.core.call('patch', '/api/v1/posts/{id}', { params: { id }, body: changes });
    }
    async deletePost(id) {
        await this.core.call('delete', '/api/v1/posts/{id}', { params: { id } });
    }
    /** Like a post (idempotent); answers the new count. */
    like(postId) {
        return this.core.call('post', '/api/v1/posts/{id}/like', { params: { id: postId } });
    }
    unlike(postId) {
        return this.core.call('delete', '/api/v1/posts/{id}/like', { params: { id: postId } });
    }
    /** A post's root comments, oldest first. */
    comments(postId, query = {}) {
        return this.core.call('get', '/api/v1/posts/{id}/comments', {
            params: { id: postId },
            query,
            auth: 'optional',
        });
    }
    /** The replies in a root comment's thread. */
    replies(commentId, query = {}) {
        return this.core.call('get', '/api/v1/comments/{id}/replies', {
            params: { id: commentId },
            query,
            auth: 'optional',
        });
    }
    /** Comment on a post, or reply to a comment (`parentId`). */
    comment(postId, content, parentId) {
        const body = { content };
        if (parentId !== undefined)
            body.parent_id = parentId;
        return this.core.call('post', '/api/v1/posts/{id}/comments', { params: { id: postId }, body });
    }
    async deleteComment(commentId) {
        await this.core.call('delete', '/api/v1/comments/{id}', { params: { id: commentId } });
    }
    likeComment(commentId) {
        return this.core.call('post', '/api/v1/comments/{id}/like', { params: { id: commentId } });
    }
    unlikeComment(commentId) {
        return this.core.call('delete', '/api/v1/comments/{id}/like', { params: { id: commentId } });
    }
    /** A user's public profile with counts and `followed_by_me`. */
    profile(userId) {
        return this.core.call('get', '/api/v1/users/{id}', {
            params: { id: userId },
            auth: 'optional',
        });
    }
    userPosts(userId, query = {}) {
        return this.core.call('get', '/api/v1/users/{id}/posts', {
            params: { id: userId },
            query,
            auth: 'optional',
        });
    }
    /** Follow a user (idempotent). Following oneself is a 422. */
    follow(userId) {
        return this.core.call('post', '/api/v1/users/{id}/follow', { params: { id: userId } });
    }
    unfollow(userId) {
        return this.core.call('delete', '/api/v1/users/{id}/follow', { params: { id: userId } });
    }
    followers(userId, query = {}) {
        return this.core.call('get', '/api/v1/users/{id}/followers', {
            params: { id: userId },
            query,
            auth: 'optional',
        });
    }
    followingOf(userId, query = {}) {
        return this.core.call('get', '/api/v1/users/{id}/following', {
            params: { id: userId },
            query,
            auth: 'optional',
        });
    }
    /** Report a post or comment to the moderators (one open report per target). */
    report(report) {
        return this.core.call('post', '/api/v1/reports', { body: report });
    }
}
exports.Community = Community;
