import { ClientErrorCodes, ErrorCodes, isMinibaseError } from 'minibase-sdk';

/** "刚刚", "5分钟前", "3小时前", "2天前", then the date. */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const at = Date.parse(iso);
  const seconds = Math.max(0, Math.floor((now - at) / 1000));
  if (seconds < 60) return '刚刚';
  if (seconds < 3600) return `${Math.floor(seconds / 60)}分钟前`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}小时前`;
  if (seconds < 7 * 86400) return `${Math.floor(seconds / 86400)}天前`;
  return iso.slice(0, 10);
}

/** Cents as yuan: 990 -> "¥9.90". */
export function yuan(cents: number): string {
  return `¥${(cents / 100).toFixed(2)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A countdown: "05:03:09", or "2天 05:03:09" from a day on. */
export function countdownText(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86400);
  const hms = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days > 0 ? `${days}天 ${hms}` : hms;
}

/** What to tell the user about an error: by its stable code, never by the server's message. */
export function errorText(err: unknown): string {
  if (!isMinibaseError(err)) return '出错了，请稍后再试';
  switch (err.code) {
    case ClientErrorCodes.Network:
      return '网络不可用，请检查网络后重试';
    case ClientErrorCodes.Wx:
      return '操作已取消';
    case ErrorCodes.SoldOut:
      return '已抢光';
    case ErrorCodes.OverLimit:
      return '已达到限购数量';
    case ErrorCodes.SaleNotStarted:
      return '活动尚未开始';
    case ErrorCodes.SaleEnded:
      return '活动已结束';
    case ErrorCodes.ContentRejected:
      return '内容未通过安全检查';
    case ErrorCodes.DuplicateContent:
      return '请勿重复发布相同内容';
    case ErrorCodes.RateLimited:
      return '操作太频繁，请稍后再试';
    case ErrorCodes.UserBanned:
      return '账号已被封禁';
    case ErrorCodes.PayloadTooLarge:
      return '文件太大';
    case ErrorCodes.UnsupportedMediaType:
      return '只支持 JPEG、PNG、WebP 或 GIF 图片';
    case ErrorCodes.NotFound:
      return '内容不存在或已删除';
    case ErrorCodes.ValidationFailed:
      // The message names the field, which helps while developing a form.
      return `填写有误：${err.message}`;
    case ErrorCodes.PaymentUnavailable:
      return '支付暂时不可用，请稍后重试';
    case ErrorCodes.PaymentRejected:
    case ErrorCodes.PaymentsDisabled:
      return '暂不支持支付';
    case ErrorCodes.AlreadyDecided:
    case ErrorCodes.StepCompleted:
    case ErrorCodes.RequestNotPending:
    case ErrorCodes.NotYourTurn:
      return '该审批已处理';
    default:
      return err.status >= 500 ? '服务繁忙，请稍后再试' : '操作失败，请稍后再试';
  }
}
