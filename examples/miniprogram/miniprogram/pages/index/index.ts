import { envVersion } from '../../env';
import { type InputEvent, type Tap, toast } from '../../events';
import { type HomeData, HomeModel, initialHome } from '../../logic/home';
import { MOCK_USER_KEY, mb } from '../../mb';

const MOCK_USERS = ['alice', 'bob', 'carol'];

Page({
  data: {
    ...(initialHome() as HomeData),
    develop: envVersion() === 'develop',
    mockUsers: MOCK_USERS,
    mockUser: '',
  },
  model: undefined as HomeModel | undefined,
  stopBadge: undefined as (() => void) | undefined,

  onLoad() {
    this.model = new HomeModel(mb, this);
    const mockUser: unknown = wx.getStorageSync(MOCK_USER_KEY);
    this.setData({ mockUser: typeof mockUser === 'string' ? mockUser : '' });
  },

  async onShow() {
    await this.model?.load();
    this.stopBadge?.();
    this.stopBadge = this.model?.watchBadge();
  },

  onHide() {
    this.stopBadge?.();
    this.stopBadge = undefined;
  },

  async onPullDownRefresh() {
    await this.model?.load();
    wx.stopPullDownRefresh();
  },

  async onChooseAvatar(e: WechatMiniprogram.CustomEvent<{ avatarUrl: string }>) {
    await this.model?.setAvatar(e.detail.avatarUrl);
    toast(this.data.error);
  },

  async onNickname(e: InputEvent) {
    await this.model?.setNickname(e.detail.value);
    toast(this.data.error);
  },

  async onPhone(
    e: WechatMiniprogram.CustomEvent<{ code?: string; errMsg?: string; errno?: number }>,
  ) {
    await this.model?.bindPhone(e);
    toast(this.data.error);
  },

  /** develop only: log in as another mock user. */
  async onMockUser(e: WechatMiniprogram.CustomEvent<{ value: string }>) {
    const user = MOCK_USERS[Number(e.detail.value)] ?? '';
    wx.setStorageSync(MOCK_USER_KEY, user);
    this.setData({ mockUser: user });
    await this.model?.switchUser();
  },

  async onExport() {
    await this.model?.exportData();
    toast(this.data.error);
  },

  async onDeleteAccount() {
    const { confirm } = await wx.showModal({
      title: '注销账号',
      content: '注销后帖子、评论、文件和手机号将被清除；15 天内重新登录即撤销注销。',
      confirmText: '注销',
      confirmColor: '#e64340',
    });
    if (!confirm) return;
    await this.model?.deleteAccount();
    toast(this.data.error);
  },

  async onLogout() {
    await this.model?.switchUser();
  },

  go(e: Tap<{ url: string }>) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },
});
