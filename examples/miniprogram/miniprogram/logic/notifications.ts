import type { MinibaseClient, Notification } from 'minibase-sdk';
import { Pager } from 'minibase-sdk';
import { errorText, timeAgo } from './format';
import type { View } from './view';

const KINDS: Record<string, string> = {
  comment: '评论了你的帖子',
  reply: '回复了你的评论',
  like: '赞了你的内容',
  follow: '关注了你',
  approval_pending: '有一条审批等你处理',
  approval_progress: '你的审批有了进展',
  approval_approved: '你的审批已通过',
  approval_rejected: '你的审批被驳回',
  approval_transferred: '你的审批已转交',
  approval_withdrawn: '一条审批已撤回',
  approval_comment: '审批有新评论',
};

/** A notification in words, and where tapping it leads. */
export type NotificationItem = Notification & { text: string; ago: string; url: string };

export function describe(n: Notification): NotificationItem {
  const url =
    n.subject_type === 'post'
      ? `/pages/community/post/post?id=${n.subject_id}`
      : n.subject_type === 'approval_request'
        ? `/pages/approvals/detail/detail?id=${n.subject_id}`
        : n.subject_type === 'user'
          ? `/pages/community/user/user?id=${n.subject_id}`
          : '';
  return { ...n, text: KINDS[n.kind] ?? n.kind, ago: timeAgo(n.created_at), url };
}

export interface NotificationsData {
  items: NotificationItem[];
  unread: number;
  done: boolean;
  /** What the last subscribe-message request gave. */
  subscribed: string;
  error: string;
}

export const initialNotifications = (): NotificationsData => ({
  items: [],
  unread: 0,
  done: false,
  subscribed: '',
  error: '',
});

/** The notification list, read marks, and subscribe messages. */
export class NotificationsModel {
  private pager: Pager<Notification>;

  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<NotificationsData>,
  ) {
    this.pager = new Pager((q) => this.mb.notifications.list(q), 20);
  }

  async refresh(): Promise<void> {
    this.pager.reset();
    // subscribe() reads the template ids from the cached configuration.
    await Promise.all([this.more(), this.mb.config.get().catch(() => undefined)]);
  }

  async more(): Promise<void> {
    try {
      const [, unread] = await Promise.all([
        this.pager.next(),
        this.mb.notifications.unreadCount(),
      ]);
      this.view.setData({
        items: this.pager.items.map(describe),
        done: this.pager.done,
        unread,
        error: '',
      });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }

  async markRead(id?: number): Promise<void> {
    try {
      await this.mb.notifications.markRead(id === undefined ? undefined : [id]);
      this.view.setData({
        items: this.view.data.items.map((n) =>
          id === undefined || n.id === id ? { ...n, read: true } : n,
        ),
        unread: await this.mb.notifications.unreadCount(),
      });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }

  /**
   * Ask for subscribe messages (the template ids come from the `subscribe.templates` config key).
   * Call it straight from a tap handler: WeChat only shows the dialog for a tap.
   */
  async subscribe(): Promise<void> {
    // No await before wx.requestSubscribeMessage: the cached configuration is read synchronously.
    const templates =
      (this.mb.config.cached()?.['subscribe.templates'] as string[] | undefined) ?? [];
    if (templates.length === 0) {
      this.view.setData({ subscribed: '未配置订阅消息模板（config: subscribe.templates）' });
      return;
    }
    try {
      const { accepted } = await this.mb.notifications.subscribe(templates);
      this.view.setData({
        subscribed: accepted.length ? `已订阅 ${accepted.length} 个通知` : '未订阅',
      });
    } catch (err) {
      this.view.setData({ subscribed: errorText(err) });
    }
  }
}
