import type { Tap } from '../../../events';
import { ApprovalsModel, type ApprovalsTab, initialApprovals } from '../../../logic/approvals';
import { mb } from '../../../mb';

Page({
  data: initialApprovals(),
  model: undefined as ApprovalsModel | undefined,

  onLoad() {
    this.model = new ApprovalsModel(mb, this);
  },

  onShow() {
    void this.model?.load();
  },

  async onPullDownRefresh() {
    await this.model?.load();
    wx.stopPullDownRefresh();
  },

  onTab(e: Tap<{ tab: ApprovalsTab }>) {
    this.model?.switchTab(e.currentTarget.dataset.tab);
  },

  onNew(e: Tap<{ id: number }>) {
    wx.navigateTo({ url: `/pages/approvals/submit/submit?template=${e.currentTarget.dataset.id}` });
  },

  onOpen(e: Tap<{ id: number }>) {
    wx.navigateTo({ url: `/pages/approvals/detail/detail?id=${e.currentTarget.dataset.id}` });
  },
});
