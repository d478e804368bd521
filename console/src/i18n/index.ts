import { createI18n } from 'vue-i18n';
import en from './en';
import zhCN from './zh-CN';

/** Every message key, with string values: `en` must have exactly the keys of `zh-CN`. */
export type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };
export type Messages = Shape<typeof zhCN>;
export const LOCALE_KEY = 'minibase-console-locale';

function initialLocale(): 'zh-CN' | 'en' {
  // Only the language choice is kept in the browser; nothing about the session.
  const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(LOCALE_KEY);
  return saved === 'en' ? 'en' : 'zh-CN';
}

const messages: Record<'zh-CN' | 'en', Messages> = { 'zh-CN': zhCN, en };

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages,
});

export function setLocale(locale: 'zh-CN' | 'en'): void {
  i18n.global.locale.value = locale;
  localStorage.setItem(LOCALE_KEY, locale);
  document.documentElement.lang = locale;
}
