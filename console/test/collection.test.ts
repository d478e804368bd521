import { describe, expect, it } from 'vitest';
import {
  formFromView,
  parseDefault,
  recordInput,
  recordValue,
  ruleErrorAt,
  specFromForm,
} from '../src/components/collection';

describe('the collection form', () => {
  it('round-trips a definition: rules as modes, defaults as typed text', () => {
    const view = {
      id: 1,
      name: 'todos',
      created_at: '2026-12-07T00:00:00Z',
      updated_at: '2026-12-07T00:00:00Z',
      fields: [
        { name: 'title', type: 'text' as const, required: true, max_length: 100 },
        { name: 'done', type: 'bool' as const, required: true, default: false },
        { name: 'meta', type: 'json' as const, default: { a: 1 } },
        { name: 'owner', type: 'relation' as const, target: 'users' },
      ],
      indexes: [{ fields: ['owner'], unique: false }],
      owner_field: 'owner',
      rules: { list: '', view: 'record.owner == auth.id', create: null },
    };
    const form = formFromView(view as unknown as Parameters<typeof formFromView>[0]);
    expect(form.rules.list.mode).toBe('everyone');
    expect(form.rules.view).toEqual({ mode: 'expression', text: 'record.owner == auth.id' });
    expect(form.rules.create.mode).toBe('admins');
    expect(form.rules.delete.mode).toBe('admins');
    expect(form.fields[1]?.defaultText).toBe('false');
    const spec = specFromForm(form);
    expect(spec.rules).toEqual({
      list: '',
      view: 'record.owner == auth.id',
      create: null,
      update: null,
      delete: null,
    });
    expect(spec.fields).toEqual([
      { name: 'title', type: 'text', required: true, unique: false, max_length: 100 },
      { name: 'done', type: 'bool', required: true, unique: false, default: false },
      { name: 'meta', type: 'json', required: false, unique: false, default: { a: 1 } },
      { name: 'owner', type: 'relation', required: false, unique: false, target: 'users' },
    ]);
    expect(spec.owner_field).toBe('owner');
  });

  it('refuses a default of the wrong type before sending', () => {
    expect(() => parseDefault('number', 'abc', 'price')).toThrow(/price/);
    expect(() => parseDefault('bool', 'yes', 'done')).toThrow(/done/);
    expect(parseDefault('number', ' 3.5 ', 'price')).toBe(3.5);
    expect(parseDefault('text', '', 'title')).toBeUndefined();
  });

  it("finds the rule and column in the server's message", () => {
    expect(ruleErrorAt('rules.view: at column 14: expected a value or a field')).toEqual({
      action: 'view',
      column: 14,
      message: 'expected a value or a field',
    });
    expect(ruleErrorAt("rules.list: unknown field 'nope'")).toEqual({
      action: 'list',
      column: 0,
      message: "unknown field 'nope'",
    });
    expect(ruleErrorAt('fields[0].name: must match')).toBeNull();
  });

  it('turns record inputs into API values and back', () => {
    const num = { name: 'price', type: 'number' as const };
    expect(recordValue(num, '4')).toBe(4);
    expect(recordValue(num, '')).toBeUndefined();
    expect(() => recordValue(num, 'x')).toThrow(/price/);
    const rel = { name: 'owner', type: 'relation' as const };
    expect(() => recordValue(rel, '-3')).toThrow(/owner/);
    const json = { name: 'meta', type: 'json' as const };
    expect(recordValue(json, recordInput(json, { a: [1] }))).toEqual({ a: [1] });
    const flag = { name: 'done', type: 'bool' as const };
    expect(recordValue(flag, recordInput(flag, true))).toBe(true);
  });
});
