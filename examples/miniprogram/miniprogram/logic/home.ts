import type { Me, MinibaseClient, PhoneNumberEvent } from 'minibase-sdk';
import { errorText } from './format';
import type { View } from './view';

export interface HomeData {
  loading: boolean;
  me: Me | null;
  unread: number;
  /** The `home.banner` config value: `{title, subtitle}`. */
  banner: { title: string; subtitle?: string } | null;
  /** After "export my data": how much the server holds, by section. */
  exported: { section: string; count: number }[] | null;
  /** After "delete my account": when it will be erased (logging in again before cancels). */
  eraseAfter: string;
  error: string;
}

export const initialHome = (): HomeData => ({
  loading: true,
  me: null,
  unread: 0,
  banner: null,
  exported: null,
  eraseAfter: '',
  error: '',
});

/** The home page: the profile (nickname, avatar, phone number), the badge, the banner. */
export class HomeModel {
  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<HomeData>,
  ) {}

  async load(): Promise<void> {
    // Loading logs in, which would cancel a deletion just asked for: only a new visit does.
    if (this.view.data.eraseAfter) return;
    this.view.setData({ loading: true, error: '' });
    try {
      const [me, unread] = await Promise.all([
        this.mb.users.me(),
        this.mb.notifications.unreadCount(),
      ]);
      const banner = await this.mb.config.value<HomeData['banner']>('home.banner', null);
      this.view.setData({ me, unread, banner, loading: false });
    } catch (err) {
      this.view.setData({ error: errorText(err), loading: false });
    }
  }

  /**
   * Keep the badge live while the page shows: the user's realtime channel announces each new
   * notification and each read mark with the unread count. Returns the function that stops it.
   */
  watchBadge(): () => void {
    const me = this.view.data.me;
    if (!me) return () => {};
    return this.mb.realtime.subscribe(
      `user:${me.id}`,
      (event) => {
        const { unread } = event.data as { unread?: unknown };
        if (event.event.startsWith('notification.') && typeof unread === 'number') {
          this.view.setData({ unread });
        }
      },
      // Missed announcements: read the count again.
      { onReload: () => void this.load() },
    );
  }

  async setNickname(nickname: string): Promise<void> {
    const trimmed = nickname.trim();
    if (!trimmed || trimmed === this.view.data.me?.nickname) return;
    await this.run(async () =>
      this.view.setData({ me: await this.mb.users.updateMe({ nickname: trimmed }) }),
    );
  }

  /** The path `<button open-type="chooseAvatar">` gives. */
  async setAvatar(tempFilePath: string): Promise<void> {
    await this.run(async () =>
      this.view.setData({ me: await this.mb.users.setAvatar(tempFilePath) }),
    );
  }

  /** The `getPhoneNumber` button's event. */
  async bindPhone(event: PhoneNumberEvent): Promise<void> {
    await this.run(async () => {
      await this.mb.users.bindPhone(event);
      this.view.setData({ me: await this.mb.users.me() });
    });
  }

  /** Everything the server holds about the user (PIPL), summed up by section. */
  async exportData(): Promise<void> {
    await this.run(async () => {
      const data = await this.mb.users.exportData();
      const exported = [
        { section: 'files', count: data.files.length },
        ...Object.entries(data.sections).map(([section, rows]) => ({
          section,
          count: Array.isArray(rows) ? rows.length : 0,
        })),
      ].filter((s) => s.count > 0);
      this.view.setData({ exported });
    });
  }

  /**
   * Delete the account (注销), once the user confirmed. The session ends; the page does not log
   * in again, since that would cancel the request.
   */
  async deleteAccount(): Promise<void> {
    await this.run(async () => {
      const scheduled = await this.mb.users.requestDeletion();
      this.view.setData({ me: null, exported: null, eraseAfter: scheduled.erase_after });
    });
  }

  /** Log out, then (as any call would) log in again: with the mock, possibly as someone else. */
  async switchUser(): Promise<void> {
    await this.mb.logout();
    await this.load();
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this.view.setData({ error: '' });
    try {
      await action();
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }
}
