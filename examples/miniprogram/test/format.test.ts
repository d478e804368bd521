import { ApiError, ClientErrorCodes, ErrorCodes, MinibaseError, NetworkError } from 'minibase-sdk';
import { describe, expect, it } from 'vitest';
import { formValues } from '../miniprogram/logic/approvals';
import { countdownText, errorText, timeAgo, yuan } from '../miniprogram/logic/format';
import { describe as describeNotification } from '../miniprogram/logic/notifications';

describe('formatting', () => {
  it('says how long ago', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    expect(timeAgo('2026-11-21T11:59:30Z', now)).toBe('刚刚');
    expect(timeAgo('2026-11-21T11:55:00Z', now)).toBe('5分钟前');
    expect(timeAgo('2026-11-21T09:00:00Z', now)).toBe('3小时前');
    expect(timeAgo('2026-11-19T12:00:00Z', now)).toBe('2天前');
    expect(timeAgo('2026-10-01T12:00:00Z', now)).toBe('2026-10-01');
  });

  it('writes prices and countdowns', () => {
    expect(yuan(990)).toBe('¥9.90');
    expect(yuan(100000)).toBe('¥1000.00');
    expect(countdownText(5 * 3600_000 + 3 * 60_000 + 8_200)).toBe('05:03:09');
    expect(countdownText(2 * 86400_000 + 1000)).toBe('2天 00:00:01');
    expect(countdownText(-5)).toBe('00:00:00');
  });

  it('explains errors by their code', () => {
    const api = (code: number, status: number) =>
      new ApiError('x', { code: code as typeof ErrorCodes.SoldOut, status });
    expect(errorText(api(ErrorCodes.SoldOut, 409))).toBe('已抢光');
    expect(errorText(api(ErrorCodes.OverLimit, 409))).toBe('已达到限购数量');
    expect(errorText(new NetworkError('request:fail timeout'))).toContain('网络');
    expect(errorText(new MinibaseError('x', { code: ClientErrorCodes.Wx }))).toBe('操作已取消');
    expect(errorText(api(ErrorCodes.WechatUnavailable, 502))).toBe('服务繁忙，请稍后再试');
    expect(errorText(new Error('boom'))).toBe('出错了，请稍后再试');
  });

  it('turns typed text into the values a template takes', () => {
    const fields = [
      { key: 'days', label: '', type: 'number', required: true, options: [] },
      { key: 'amount', label: '', type: 'money', required: true, options: [] },
      { key: 'period', label: '', type: 'date_range', required: true, options: [] },
      { key: 'files', label: '', type: 'attachments', required: false, options: [] },
      { key: 'note', label: '', type: 'text', required: false, options: [] },
    ];
    expect(
      formValues(fields, {
        days: '1.5',
        amount: '12.50',
        'period.start': '2026-12-01',
        'period.end': '2026-12-03',
        files: 'a.png  b.png',
        note: '  ',
      }),
    ).toEqual({
      days: 1.5,
      amount: '12.50',
      period: { start: '2026-12-01', end: '2026-12-03' },
      files: ['a.png', 'b.png'],
    });
  });

  it('words notifications and links them to their page', () => {
    const n = describeNotification({
      id: 1,
      kind: 'approval_approved',
      subject_type: 'approval_request',
      subject_id: 9,
      read: false,
      body: {},
      created_at: new Date().toISOString(),
    });
    expect(n.text).toBe('你的审批已通过');
    expect(n.url).toBe('/pages/approvals/detail/detail?id=9');
  });
});
