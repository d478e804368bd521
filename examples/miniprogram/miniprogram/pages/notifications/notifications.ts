import type { Tap } from '../../events';
import { initialNotifications, NotificationsModel } from '../../logic/notifications';
import { mb } from '../../mb';

Page({
  data: initialNotifications(),
  model: undefined as NotificationsModel | undefined,

  onLoad() {
    this.model = new NotificationsModel(mb, this);
    void this.model.refresh();
  },

  async onPullDownRefresh() {
    await this.model?.refresh();
    wx.stopPullDownRefresh();
  },

  onReachBottom() {
    void this.model?.more();
  },

  onOpen(e: Tap<{ id: number; url: string }>) {
    const { id, url } = e.currentTarget.dataset;
    void this.model?.markRead(id);
    if (url) wx.navigateTo({ url });
  },

  onReadAll() {
    void this.model?.markRead();
  },

  /** WeChat shows the subscribe dialog only for a tap: call straight from the handler. */
  onSubscribe() {
    void this.model?.subscribe();
  },
});
