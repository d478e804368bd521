import type { Tap } from '../../../events';
import { initialSales, SalesModel } from '../../../logic/flash-sale';
import { mb } from '../../../mb';

Page({
  data: initialSales(),
  model: undefined as SalesModel | undefined,
  timer: undefined as number | undefined,

  onLoad() {
    this.model = new SalesModel(mb, this);
  },

  onShow() {
    void this.model?.load();
    this.timer = setInterval(() => this.model?.tick(), 1000);
  },

  onHide() {
    if (this.timer !== undefined) clearInterval(this.timer);
  },

  onUnload() {
    if (this.timer !== undefined) clearInterval(this.timer);
  },

  async onPullDownRefresh() {
    await this.model?.load();
    wx.stopPullDownRefresh();
  },

  onOpen(e: Tap<{ id: number }>) {
    wx.navigateTo({ url: `/pages/flash-sale/detail/detail?id=${e.currentTarget.dataset.id}` });
  },
});
