// The template designer's model: what the form edits, and the TemplateBody it becomes. Kept
// apart from the component so that the rules (which approver kinds each mode takes, how a
// condition's value is typed) are unit-tested.
import type { Schemas } from '../api/client';

export type ApproverKind = 'user' | 'role' | 'manager' | 'department_head';
export interface ApproverDraft {
  type: ApproverKind;
  user_id?: number | null;
  role?: 'moderator' | 'admin';
  department_id?: number | null;
}
export interface StepDraft {
  name: string;
  mode: 'single' | 'all' | 'any';
  approvers: ApproverDraft[];
  conditionField: string;
  conditionOp: string;
  conditionValue: string;
}
export interface FieldDraft {
  key: string;
  label: string;
  type: 'text' | 'number' | 'money' | 'date_range' | 'choice' | 'attachments';
  required: boolean;
  options: string;
}
export interface TemplateDraft {
  name: string;
  description: string;
  enabled: boolean;
  fields: FieldDraft[];
  steps: StepDraft[];
}

export function emptyStep(): StepDraft {
  return {
    name: '',
    mode: 'single',
    approvers: [{ type: 'manager' }],
    conditionField: '',
    conditionOp: '>',
    conditionValue: '',
  };
}

export function emptyField(): FieldDraft {
  return { key: '', label: '', type: 'text', required: false, options: '' };
}

function approver(a: ApproverDraft): Schemas['ApproverSpec'] {
  switch (a.type) {
    case 'user':
      return { type: 'user', user_id: Number(a.user_id) } as Schemas['ApproverSpec'];
    case 'role':
      return { type: 'role', role: a.role ?? 'moderator' } as Schemas['ApproverSpec'];
    case 'department_head':
      return (
        a.department_id
          ? { type: 'department_head', department_id: Number(a.department_id) }
          : { type: 'department_head' }
      ) as Schemas['ApproverSpec'];
    default:
      return { type: 'manager' } as Schemas['ApproverSpec'];
  }
}

/** The condition's constant: a number for number fields, the text for money and choices. */
function conditionValue(field: FieldDraft | undefined, text: string): unknown {
  if (field?.type === 'number') return Number(text);
  return text;
}

export function toBody(draft: TemplateDraft): Schemas['TemplateBody'] {
  return {
    name: draft.name,
    description: draft.description,
    enabled: draft.enabled,
    fields: draft.fields.map((f) => {
      const field: Record<string, unknown> = {
        key: f.key,
        label: f.label,
        type: f.type,
        required: f.required,
      };
      if (f.type === 'choice') {
        field.options = f.options
          .split(/[,，]/)
          .map((o) => o.trim())
          .filter(Boolean);
      }
      return field;
    }),
    steps: draft.steps.map((s) => {
      const step: Record<string, unknown> = {
        name: s.name,
        mode: s.mode,
        approvers: (s.mode === 'single' ? s.approvers.slice(0, 1) : s.approvers).map(approver),
      };
      if (s.conditionField) {
        step.condition = {
          field: s.conditionField,
          op: s.conditionOp,
          value: conditionValue(
            draft.fields.find((f) => f.key === s.conditionField),
            s.conditionValue,
          ),
        };
      }
      return step;
    }),
  } as unknown as Schemas['TemplateBody'];
}

export function fromView(view: Schemas['TemplateView']): TemplateDraft {
  return {
    name: view.name,
    description: view.description,
    enabled: view.enabled,
    fields: view.fields.map((f) => ({
      key: f.key,
      label: f.label,
      type: f.type as FieldDraft['type'],
      required: f.required ?? false,
      options: (f.options ?? []).join(', '),
    })),
    steps: view.steps.map((s) => ({
      name: s.name,
      mode: s.mode,
      approvers: s.approvers.map((a) => ({ ...(a as object) }) as ApproverDraft),
      conditionField: s.condition?.field ?? '',
      conditionOp: s.condition?.op ?? '>',
      conditionValue: s.condition ? String(s.condition.value) : '',
    })),
  };
}
