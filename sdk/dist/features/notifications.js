"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Notifications = void 0;
const wx_1 = require("../wx");
/** In-app notifications and WeChat subscribe messages (订阅消息). */
class Notifications {
    constructor(core) {
        this.core = core;
    }
    /** My notifications, newest first (`unread: true` for the unread ones only). */
    list(query = {}) {
        return this.core.call('get', '/api/v1/notifications', { query });
    }
    /** The badge count. */
    async unreadCount() {
        const { unread } = await this.core.call('get', '/api/v1/notifications/unread-count');
        return unread;
    }
    /** Mark some notifications read, or all of them (no ids); answers how many changed. */
    async markRead(ids) {
        const { marked } = await this.core.call('post', '/api/v1/notifications/read', {
            body: ids ? { ids } : {},
        });
        return marked;
    }
    /** The acceptances left, by template (each allows the server one message). */
    subscriptions() {
        return this.core.call('get', '/api/v1/notifications/subscriptions');
    }
    /**
     * Ask the user to accept subscribe-message templates (`wx.requestSubscribeMessage`; call it
     * from a tap handler, as WeChat requires) and report the accepted ones to the server, which
     * may then send one message per acceptance.
     */
    async subscribe(templateIds) {
        const answer = await (0, wx_1.callWx)((cb) => this.core.wx.requestSubscribeMessage(Object.assign(Object.assign({}, cb), { tmplIds: templateIds })));
        const choices = answer;
        const accepted = templateIds.filter((id) => choices[id] === 'accept');
        const refused = templateIds.filter((id) => choices[id] !== 'accept');
        const quotas = accepted.length
            ? await this.core.call('post', '/api/v1/notifications/subscriptions', {
                body: { template_ids: accepted },
            })
            : await this.subscriptions();
        return { accepted, refused, quotas };
    }
}
exports.Notifications = Notifications;
