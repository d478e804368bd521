import { describe, expect, it } from 'vitest';
import { emptyStep, type TemplateDraft, toBody } from '../src/components/template';

describe('toBody', () => {
  it('builds steps with approvers and a typed condition', () => {
    const draft: TemplateDraft = {
      name: 'Expense',
      description: '',
      enabled: true,
      fields: [
        { key: 'amount', label: 'Amount', type: 'number', required: true, options: '' },
        { key: 'kind', label: 'Kind', type: 'choice', required: true, options: 'a, b，c' },
      ],
      steps: [
        { ...emptyStep(), name: 'Manager' },
        {
          name: 'Finance',
          mode: 'all',
          approvers: [
            { type: 'user', user_id: 12 },
            { type: 'role', role: 'admin' },
          ],
          conditionField: 'amount',
          conditionOp: '>',
          conditionValue: '5000',
        },
      ],
    };
    const body = toBody(draft) as unknown as {
      fields: { options?: string[] }[];
      steps: { approvers: unknown[]; condition?: unknown; mode: string }[];
    };
    expect(body.fields[1]?.options).toEqual(['a', 'b', 'c']);
    expect(body.steps[0]).toEqual({
      name: 'Manager',
      mode: 'single',
      approvers: [{ type: 'manager' }],
    });
    expect(body.steps[1]?.approvers).toEqual([
      { type: 'user', user_id: 12 },
      { type: 'role', role: 'admin' },
    ]);
    expect(body.steps[1]?.condition).toEqual({ field: 'amount', op: '>', value: 5000 });
  });

  it('keeps only the first approver of a single step', () => {
    const step = {
      ...emptyStep(),
      approvers: [{ type: 'manager' as const }, { type: 'user' as const, user_id: 3 }],
    };
    const body = toBody({
      name: 'x',
      description: '',
      enabled: true,
      fields: [],
      steps: [step],
    }) as unknown as {
      steps: { approvers: unknown[] }[];
    };
    expect(body.steps[0]?.approvers).toEqual([{ type: 'manager' }]);
  });
});
