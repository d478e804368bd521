import { type InputEvent, type Tap, toast } from '../../../events';
import { initialSubmit, SubmitModel } from '../../../logic/approvals';
import { mb } from '../../../mb';

Page({
  data: initialSubmit(),
  model: undefined as SubmitModel | undefined,

  onLoad(query: Record<string, string | undefined>) {
    this.model = new SubmitModel(mb, this);
    void this.model.load(Number(query.template));
  },

  onTitle(e: InputEvent) {
    this.model?.setTitle(e.detail.value);
  },

  /** Inputs and pickers carry the value's key in `data-key`. */
  onValue(
    e: WechatMiniprogram.CustomEvent<
      { value: string },
      WechatMiniprogram.IAnyObject,
      { key: string }
    >,
  ) {
    this.model?.setValue(e.currentTarget.dataset.key, e.detail.value);
  },

  /** A choice field's picker answers the option's index. */
  onChoice(
    e: WechatMiniprogram.CustomEvent<
      { value: string },
      WechatMiniprogram.IAnyObject,
      { key: string; options: string[] }
    >,
  ) {
    const { key, options } = e.currentTarget.dataset;
    this.model?.setValue(key, options[Number(e.detail.value)] ?? '');
  },

  async onSubmit(_e: Tap) {
    const id = await this.model?.submit();
    if (!id) {
      toast(this.data.error);
      return;
    }
    wx.showToast({ title: '已提交' });
    wx.redirectTo({ url: `/pages/approvals/detail/detail?id=${id}` });
  },
});
