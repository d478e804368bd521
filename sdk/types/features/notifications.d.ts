import type { Page, QueryParams, ResponseData } from '../api-types';
import type { Core } from '../core';
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
export declare class Notifications {
    private readonly core;
    constructor(core: Core);
    /** My notifications, newest first (`unread: true` for the unread ones only). */
    list(query?: NotificationsQuery): Promise<Page<Notification>>;
    /** The badge count. */
    unreadCount(): Promise<number>;
    /** Mark some notifications read, or all of them (no ids); answers how many changed. */
    markRead(ids?: number[]): Promise<number>;
    /** The acceptances left, by template (each allows the server one message). */
    subscriptions(): Promise<SubscriptionQuota[]>;
    /**
     * Ask the user to accept subscribe-message templates (`wx.requestSubscribeMessage`; call it
     * from a tap handler, as WeChat requires) and report the accepted ones to the server, which
     * may then send one message per acceptance.
     */
    subscribe(templateIds: string[]): Promise<SubscribeResult>;
}
