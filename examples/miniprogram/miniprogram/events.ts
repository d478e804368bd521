// Event types of the pages' handlers.

/** A tap on an element with `data-*` attributes (`data-id="{{item.id}}"`). */
export type Tap<D extends WechatMiniprogram.IAnyObject = WechatMiniprogram.IAnyObject> =
  WechatMiniprogram.BaseEvent<WechatMiniprogram.IAnyObject, D>;

/** `bindinput` / `bindblur` of an `<input>` or `<textarea>`. */
export type InputEvent = WechatMiniprogram.CustomEvent<{ value: string }>;

/** Show an error (or any message) without an icon. */
export function toast(title: string): void {
  if (title) wx.showToast({ title, icon: 'none' });
}
