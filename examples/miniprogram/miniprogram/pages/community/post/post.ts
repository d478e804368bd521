import { type InputEvent, type Tap, toast } from '../../../events';
import { initialPost, type PostData, PostModel } from '../../../logic/community';
import { mb } from '../../../mb';

Page({
  data: { ...initialPost(), draft: '' } as PostData & { draft: string },
  model: undefined as PostModel | undefined,

  onLoad(query: Record<string, string | undefined>) {
    this.model = new PostModel(mb, this);
    void this.model.load(Number(query.id));
  },

  async onLike() {
    await this.model?.toggleLike();
    toast(this.data.error);
  },

  onReply(e: Tap<{ id: number; nickname: string }>) {
    const { id, nickname } = e.currentTarget.dataset;
    this.model?.replyTo({ id, author: { nickname } });
  },

  onCancelReply() {
    this.model?.replyTo(null);
  },

  onDraft(e: InputEvent) {
    this.setData({ draft: e.detail.value });
  },

  async onSend() {
    const sent = await this.model?.send(this.data.draft);
    if (sent) this.setData({ draft: '' });
    toast(this.data.error);
  },

  onAuthor(e: Tap<{ id: number }>) {
    wx.navigateTo({ url: `/pages/community/user/user?id=${e.currentTarget.dataset.id}` });
  },

  onPreview(e: Tap<{ url: string }>) {
    const urls = (this.data.post?.images ?? []).map((image) => image.url);
    wx.previewImage({ current: e.currentTarget.dataset.url, urls });
  },
});
