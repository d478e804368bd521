import { type InputEvent, type Tap, toast } from '../../../events';
import { ComposeModel, initialCompose, MAX_IMAGES } from '../../../logic/community';
import { mb } from '../../../mb';

Page({
  data: initialCompose(),
  model: undefined as ComposeModel | undefined,

  onLoad() {
    this.model = new ComposeModel(mb, this);
  },

  onContent(e: InputEvent) {
    this.model?.setContent(e.detail.value);
  },

  onTopics(e: InputEvent) {
    this.model?.setTopics(e.detail.value);
  },

  onChoose() {
    wx.chooseMedia({
      count: MAX_IMAGES - this.data.images.length,
      mediaType: ['image'],
      sizeType: ['compressed'],
      success: (res) => this.model?.addImages(res.tempFiles.map((f) => f.tempFilePath)),
    });
  },

  onRemove(e: Tap<{ index: number }>) {
    this.model?.removeImage(e.currentTarget.dataset.index);
  },

  async onPublish() {
    wx.showLoading({ title: '发布中' });
    const post = await this.model?.publish();
    wx.hideLoading();
    if (!post) {
      toast(this.data.error);
      return;
    }
    wx.showToast({ title: post.status === 'published' ? '已发布' : '已提交审核' });
    wx.redirectTo({ url: `/pages/community/post/post?id=${post.id}` });
  },
});
