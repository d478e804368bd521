import { type InputEvent, toast } from '../../../events';
import { type DetailData, DetailModel, initialDetail } from '../../../logic/approvals';
import { mb } from '../../../mb';

Page({
  data: { ...initialDetail(), note: '' } as DetailData & { note: string },
  model: undefined as DetailModel | undefined,

  onLoad(query: Record<string, string | undefined>) {
    this.model = new DetailModel(mb, this);
    void this.model.load(Number(query.id));
  },

  onNote(e: InputEvent) {
    this.setData({ note: e.detail.value });
  },

  async onApprove() {
    await this.model?.approve(this.data.note || undefined);
    toast(this.data.error);
  },

  async onReject() {
    await this.model?.reject(this.data.note);
    toast(this.data.error);
  },

  async onWithdraw() {
    await this.model?.withdraw();
    toast(this.data.error);
  },
});
