// The one Minibase client of the mini-program. Pages import `mb` from here.
import { createClient } from 'minibase-sdk';
import { BASE_URLS, envVersion } from './env';

const env = envVersion();

/** The storage key of the mock user chosen on the home page (develop only). */
export const MOCK_USER_KEY = 'demo:mock-user';

/**
 * In develop, against a server answering with its mock WeChat, a login code `alice:<n>` logs in
 * the user `alice`: the home page lets you switch between test users (approvals need two).
 * Without a choice, and always in trial and release, codes come from wx.login.
 */
function mockLoginCode(): Promise<string> {
  const user: unknown = wx.getStorageSync(MOCK_USER_KEY);
  if (typeof user === 'string' && user) return Promise.resolve(`${user}:${Date.now()}`);
  return new Promise((resolve, reject) =>
    wx.login({ success: (res) => resolve(res.code), fail: (err) => reject(new Error(err.errMsg)) }),
  );
}

export const mb = createClient({
  baseUrl: BASE_URLS[env],
  logger: env === 'develop' ? console : undefined,
  loginCode: env === 'develop' ? mockLoginCode : undefined,
});
