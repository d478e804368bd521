// The collections page's form model: a collection definition as the editor holds it (rules as a
// mode plus text, defaults as typed text) and back, record values between inputs and JSON, and
// the position of a rule error in the server's message.
import type { Schemas } from '../api/client';

type View = Schemas['CollectionView'];
type Spec = Schemas['CollectionSpec'];
type FieldDef = Schemas['CollectionField'];
export type FieldType = FieldDef['type'];

export const FIELD_TYPES: FieldType[] = [
  'text',
  'number',
  'bool',
  'date',
  'json',
  'file',
  'relation',
];
export const RULE_ACTIONS = ['list', 'view', 'create', 'update', 'delete'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];
/** null on the server: nobody but admins; "": everyone; otherwise an expression. */
export type RuleMode = 'admins' | 'everyone' | 'expression';
/** The error code of a change that deletes data until confirmed (docs/error-codes.md). */
export const CONFIRM_DATA_LOSS = 40940;
export const DEFAULT_LIMIT = 20;

export interface FieldForm {
  name: string;
  type: FieldType;
  required: boolean;
  unique: boolean;
  /** The default as typed: parsed by the field's type on save; empty means none. */
  defaultText: string;
  maxLength: number | null;
  target: string;
}

export interface CollectionForm {
  name: string;
  fields: FieldForm[];
  indexes: { fields: string[]; unique: boolean }[];
  ownerField: string;
  rules: Record<RuleAction, { mode: RuleMode; text: string }>;
  scanLimit: number | null;
}

function defaultText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function formFromView(view: View | null): CollectionForm {
  const rules = {} as CollectionForm['rules'];
  for (const action of RULE_ACTIONS) {
    const rule = view?.rules?.[action];
    rules[action] =
      rule === null || rule === undefined
        ? { mode: 'admins', text: '' }
        : rule === ''
          ? { mode: 'everyone', text: '' }
          : { mode: 'expression', text: rule };
  }
  return {
    name: view?.name ?? '',
    fields: (view?.fields ?? []).map((f) => ({
      name: f.name,
      type: f.type,
      required: f.required ?? false,
      unique: f.unique ?? false,
      defaultText: defaultText(f.default),
      maxLength: f.max_length ?? null,
      target: f.target ?? '',
    })),
    indexes: (view?.indexes ?? []).map((i) => ({
      fields: [...i.fields],
      unique: i.unique ?? false,
    })),
    ownerField: view?.owner_field ?? '',
    rules,
    scanLimit: view?.scan_limit ?? null,
  };
}

/** A default typed in the editor as the JSON value the field takes. */
export function parseDefault(type: FieldType, text: string, field: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  switch (type) {
    case 'number': {
      const n = Number(trimmed);
      if (!Number.isFinite(n)) throw new Error(`${field}: the default is not a number`);
      return n;
    }
    case 'bool':
      if (trimmed !== 'true' && trimmed !== 'false')
        throw new Error(`${field}: the default is true or false`);
      return trimmed === 'true';
    case 'json':
      try {
        return JSON.parse(trimmed);
      } catch {
        throw new Error(`${field}: the default is not JSON`);
      }
    default:
      return text;
  }
}

export function specFromForm(form: CollectionForm): Spec {
  const rules: Record<string, string | null> = {};
  for (const action of RULE_ACTIONS) {
    const rule = form.rules[action];
    rules[action] = rule.mode === 'admins' ? null : rule.mode === 'everyone' ? '' : rule.text;
  }
  const spec: Spec = {
    name: form.name.trim(),
    fields: form.fields.map((f) => {
      const def: FieldDef = {
        name: f.name.trim(),
        type: f.type,
        required: f.required,
        unique: f.unique,
      };
      const value = parseDefault(f.type, f.defaultText, f.name);
      if (value !== undefined) def.default = value as FieldDef['default'];
      if (f.type === 'text' && f.maxLength) def.max_length = f.maxLength;
      if (f.type === 'relation') def.target = f.target;
      return def;
    }),
    indexes: form.indexes.filter((i) => i.fields.length > 0),
    rules: rules as Spec['rules'],
  };
  if (form.ownerField) spec.owner_field = form.ownerField;
  if (form.scanLimit) spec.scan_limit = form.scanLimit;
  return spec;
}

/**
 * The rule and column of an InvalidRule message (`rules.view: at column 8: ...`), so the editor
 * can point at the place; null for any other message.
 */
export function ruleErrorAt(
  message: string,
): { action: RuleAction; column: number; message: string } | null {
  const match = /^rules\.(list|view|create|update|delete): (?:at column (\d+): )?(.*)$/s.exec(
    message,
  );
  if (!match) return null;
  return {
    action: match[1] as RuleAction,
    column: match[2] ? Number(match[2]) : 0,
    message: match[3] ?? '',
  };
}

/** A record's value as its input holds it (bool: a boolean; everything else: text). */
export function recordInput(field: FieldDef, value: unknown): unknown {
  if (field.type === 'bool') return value === true;
  if (value === null || value === undefined) return '';
  if (field.type === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}

/** An input's content as the JSON value the API takes; undefined when left empty. */
export function recordValue(field: FieldDef, input: unknown): unknown {
  if (field.type === 'bool') return input === true;
  const text = typeof input === 'string' ? input.trim() : '';
  if (text === '') return undefined;
  switch (field.type) {
    case 'number': {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new Error(`${field.name}: not a number`);
      return n;
    }
    case 'relation': {
      const n = Number(text);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${field.name}: not a record id`);
      return n;
    }
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        throw new Error(`${field.name}: not JSON`);
      }
    default:
      return typeof input === 'string' ? input : text;
  }
}
