import { ElMessage, ElMessageBox } from 'element-plus';
import { ApiError } from '../api/client';
import { i18n } from '../i18n';

export function notifyError(err: unknown): void {
  const message =
    err instanceof ApiError
      ? `${err.message} (${err.code}${err.requestId ? `, ${err.requestId}` : ''})`
      : String(err);
  ElMessage({ type: 'error', message, duration: 6000, showClose: true });
}

export function notifyDone(message?: string): void {
  ElMessage({ type: 'success', message: message ?? i18n.global.t('common.done') });
}

/** Run an action, telling the operator how it went; resolves to whether it worked. */
export async function attempt(action: () => Promise<unknown>, done?: string): Promise<boolean> {
  try {
    await action();
    notifyDone(done);
    return true;
  } catch (err) {
    notifyError(err);
    return false;
  }
}

/** Ask for a reason (required); null when the operator cancels. */
export async function askReason(title: string): Promise<string | null> {
  try {
    const { value } = await ElMessageBox.prompt(i18n.global.t('common.reasonPrompt'), title, {
      inputValidator: (v: string) => (v && v.trim().length > 0) || i18n.global.t('common.required'),
      confirmButtonText: i18n.global.t('common.confirm'),
      cancelButtonText: i18n.global.t('common.cancel'),
    });
    return value.trim();
  } catch {
    return null;
  }
}

export async function confirmAction(message: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, {
      confirmButtonText: i18n.global.t('common.confirm'),
      cancelButtonText: i18n.global.t('common.cancel'),
      type: 'warning',
    });
    return true;
  } catch {
    return false;
  }
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}
