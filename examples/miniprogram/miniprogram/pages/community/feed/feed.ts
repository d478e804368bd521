import { type Tap, toast } from '../../../events';
import { FeedModel, type FeedTab, initialFeed } from '../../../logic/community';
import { mb } from '../../../mb';

Page({
  data: initialFeed(),
  model: undefined as FeedModel | undefined,

  onLoad() {
    this.model = new FeedModel(mb, this);
    void this.model.refresh();
  },

  async onPullDownRefresh() {
    await this.model?.refresh();
    wx.stopPullDownRefresh();
  },

  onReachBottom() {
    void this.model?.more();
  },

  onTab(e: Tap<{ tab: FeedTab }>) {
    void this.model?.switchTab(e.currentTarget.dataset.tab);
  },

  async onLike(e: Tap<{ id: number }>) {
    await this.model?.toggleLike(e.currentTarget.dataset.id);
    toast(this.data.error);
  },

  onOpen(e: Tap<{ id: number }>) {
    wx.navigateTo({ url: `/pages/community/post/post?id=${e.currentTarget.dataset.id}` });
  },

  onAuthor(e: Tap<{ id: number }>) {
    wx.navigateTo({ url: `/pages/community/user/user?id=${e.currentTarget.dataset.id}` });
  },

  onCompose() {
    wx.navigateTo({ url: '/pages/community/compose/compose' });
  },
});
