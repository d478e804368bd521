// Where the server is, per environment of the mini-program (develop: DevTools and preview;
// trial: 体验版; release: 正式版). Each https domain must be in the mini-program's request and
// uploadFile domain lists (开发管理 > 开发设置 > 服务器域名); DevTools can skip the check for
// http://127.0.0.1 (详情 > 本地设置 > 不校验合法域名).
export const BASE_URLS = {
  develop: 'http://127.0.0.1:8080',
  trial: 'https://api-staging.example.com',
  release: 'https://api.example.com',
} as const;

export type EnvVersion = keyof typeof BASE_URLS;

export function envVersion(): EnvVersion {
  return wx.getAccountInfoSync().miniProgram.envVersion;
}
