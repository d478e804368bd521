import type { Page, QueryParams, ResponseData } from '../api-types';
import type { Core } from '../core';
import { callWx } from '../wx';

export type Notification = ResponseData<'/api/v1/notifications', 'get'>['items'][number];
export type NotificationsQuery = QueryParams<'/api/v1/notifications', 'get'>;
export type SubscriptionQuota = ResponseData<'/api/v1/notifications/subscriptions', 'get'>[number];

/** What {@link Notifications.subscribe} did. */
export interface SubscribeResult {
  /** Templates the user accepted (and the server now counts). */
  accepted: string[];
  /** Templates the user refused, or WeChat banned or filtered. */
  refused: string[];
  /** The server's count of acceptances left, by template, after reporting these. */
  quotas: SubscriptionQuota[];
}

/** In-app notifications and WeChat subscribe messages (订阅消息). */
export class Notifications {
  constructor(private readonly core: Core) {}

  /** My notifications, newest first (`unread: true` for the unread ones only). */
  list(query: NotificationsQuery = {}): Promise<Page<Notification>> {
    return this.core.call('get', '/api/v1/notifications', { query });
  }

  /** The badge count. */
  async unreadCount(): Promise<number> {
    const { unread } = await this.core.call('get', '/api/v1/notifications/unread-count');
    return unread;
  }

  /** Mark some notifications read, or all of them (no ids); answers how many changed. */
  async markRead(ids?: number[]): Promise<number> {
    const { marked } = await this.core.call('post', '/api/v1/notifications/read', {
      body: ids ? { ids } : {},
    });
    return marked;
  }

  /** The acceptances left, by template (each allows the server one message). */
  subscriptions(): Promise<SubscriptionQuota[]> {
    return this.core.call('get', '/api/v1/notifications/subscriptions');
  }

  /**
   * Ask the user to accept subscribe-message templates (`wx.requestSubscribeMessage`; call it
   * from a tap handler, as WeChat requires) and report the accepted ones to the server, which
   * may then send one message per acceptance.
   */
  async subscribe(templateIds: string[]): Promise<SubscribeResult> {
    const answer = await callWx<WechatMiniprogram.RequestSubscribeMessageSuccessCallbackResult>(
      (cb) => this.core.wx.requestSubscribeMessage({ ...cb, tmplIds: templateIds }),
    );
    const choices = answer as unknown as Record<string, string>;
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
