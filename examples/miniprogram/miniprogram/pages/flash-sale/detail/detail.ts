import { toast } from '../../../events';
import { initialSale, SaleModel } from '../../../logic/flash-sale';
import { mb } from '../../../mb';

Page({
  data: initialSale(),
  model: undefined as SaleModel | undefined,
  timer: undefined as number | undefined,

  onLoad(query: Record<string, string | undefined>) {
    this.model = new SaleModel(mb, this);
    void this.model.load(Number(query.id));
    this.timer = setInterval(() => this.model?.tick(), 1000);
  },

  onUnload() {
    if (this.timer !== undefined) clearInterval(this.timer);
  },

  async onBuy() {
    await this.model?.buy();
    if (this.data.order && !this.data.message) wx.showToast({ title: '抢到了！' });
    else toast(this.data.message);
  },

  async onPay() {
    await this.model?.pay();
    if (this.data.payment === 'paid') wx.showToast({ title: '支付成功' });
    else toast(this.data.message || this.data.paymentText);
  },

  async onRefreshOrder() {
    await this.model?.refreshOrder();
    toast(this.data.message);
  },

  async onCancel() {
    await this.model?.cancel();
    toast(this.data.message);
  },
});
