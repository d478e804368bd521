import { type Tap, toast } from '../../../events';
import { initialUser, UserModel } from '../../../logic/community';
import { mb } from '../../../mb';

Page({
  data: initialUser(),
  model: undefined as UserModel | undefined,

  onLoad(query: Record<string, string | undefined>) {
    this.model = new UserModel(mb, this);
    void this.model.load(Number(query.id));
  },

  async onFollow() {
    await this.model?.toggleFollow();
    toast(this.data.error);
  },

  onOpen(e: Tap<{ id: number }>) {
    wx.navigateTo({ url: `/pages/community/post/post?id=${e.currentTarget.dataset.id}` });
  },
});
