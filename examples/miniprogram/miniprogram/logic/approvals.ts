import type {
  ApprovalRequest,
  MinibaseClient,
  RequestSummary,
  Task,
  Template,
  Timeline,
} from 'minibase-sdk';
import { errorText, timeAgo } from './format';
import type { View } from './view';

const STATUS: Record<string, string> = {
  pending: '审批中',
  approved: '已通过',
  rejected: '已驳回',
  withdrawn: '已撤回',
};

export const statusText = (status: string): string => STATUS[status] ?? status;

export type ApprovalsTab = 'mine' | 'tasks';

export interface ApprovalsData {
  tab: ApprovalsTab;
  templates: Template[];
  mine: Array<RequestSummary & { statusText: string; ago: string }>;
  tasks: Array<Task & { ago: string }>;
  error: string;
}

export const initialApprovals = (): ApprovalsData => ({
  tab: 'tasks',
  templates: [],
  mine: [],
  tasks: [],
  error: '',
});

/** The approvals home: templates to start a request, my requests, my to-do list. */
export class ApprovalsModel {
  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<ApprovalsData>,
  ) {}

  async load(): Promise<void> {
    try {
      const [templates, mine, tasks] = await Promise.all([
        this.mb.approvals.templates(),
        this.mb.approvals.myRequests({ limit: 50 }),
        this.mb.approvals.tasks({ limit: 50, status: 'pending' }),
      ]);
      this.view.setData({
        templates,
        mine: mine.items.map((r) => ({
          ...r,
          statusText: statusText(r.status),
          ago: timeAgo(r.created_at),
        })),
        tasks: tasks.items.map((t) => ({ ...t, ago: timeAgo(t.created_at) })),
        error: '',
      });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }

  switchTab(tab: ApprovalsTab): void {
    this.view.setData({ tab });
  }
}

/** A template field as the form renders it. */
export interface FieldView {
  key: string;
  label: string;
  type: string;
  required: boolean;
  options: string[];
}

export interface SubmitData {
  template: Template | null;
  fields: FieldView[];
  /** What the user typed, by field key (date ranges as `key.start` / `key.end`). */
  values: Record<string, string>;
  title: string;
  submitting: boolean;
  error: string;
}

export const initialSubmit = (): SubmitData => ({
  template: null,
  fields: [],
  values: {},
  title: '',
  submitting: false,
  error: '',
});

/** A form built from a template's fields; submitting turns the typed text into the API's values. */
export class SubmitModel {
  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<SubmitData>,
  ) {}

  async load(templateId: number): Promise<void> {
    try {
      const template = await this.mb.approvals.template(templateId);
      const fields = template.fields.map((f) => ({
        key: f.key,
        label: f.label,
        type: f.type,
        required: f.required ?? false,
        options: f.options ?? [],
      }));
      this.view.setData({ template, fields, title: template.name, error: '' });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }

  setValue(key: string, value: string): void {
    this.view.setData({ values: { ...this.view.data.values, [key]: value } });
  }

  setTitle(title: string): void {
    this.view.setData({ title });
  }

  /** Submit; answers the new request's id, or null (the error is shown). */
  async submit(): Promise<number | null> {
    const { template, fields, values, title, submitting } = this.view.data;
    if (!template || submitting) return null;
    this.view.setData({ submitting: true, error: '' });
    try {
      const request = await this.mb.approvals.submit({
        template_id: template.id,
        title: title.trim() || null,
        form: formValues(fields, values),
      });
      this.view.setData({ submitting: false });
      return request.id;
    } catch (err) {
      this.view.setData({ error: errorText(err), submitting: false });
      return null;
    }
  }
}

/** The typed text as the template's value types: numbers, money strings, date ranges. */
export function formValues(
  fields: FieldView[],
  values: Record<string, string>,
): Record<string, unknown> {
  const form: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.type === 'date_range') {
      const start = values[`${field.key}.start`];
      const end = values[`${field.key}.end`];
      if (start || end) form[field.key] = { start, end };
      continue;
    }
    const text = values[field.key]?.trim();
    if (!text) continue;
    if (field.type === 'number') form[field.key] = Number(text);
    else if (field.type === 'attachments') form[field.key] = text.split(/\s+/);
    // money stays a string: "1234.50" (the server refuses floating point).
    else form[field.key] = text;
  }
  return form;
}

export interface DetailData {
  request: (ApprovalRequest & { statusText: string }) | null;
  /** The form as label: value lines. */
  lines: Array<{ label: string; value: string }>;
  timeline: Timeline | null;
  canApprove: boolean;
  canReject: boolean;
  canWithdraw: boolean;
  busy: boolean;
  error: string;
}

export const initialDetail = (): DetailData => ({
  request: null,
  lines: [],
  timeline: null,
  canApprove: false,
  canReject: false,
  canWithdraw: false,
  busy: false,
  error: '',
});

/** One request: its form and steps, the history, and the actions the server says I may take. */
export class DetailModel {
  private id = 0;

  constructor(
    private readonly mb: MinibaseClient,
    private readonly view: View<DetailData>,
  ) {}

  async load(id: number): Promise<void> {
    this.id = id;
    try {
      const [request, timeline] = await Promise.all([
        this.mb.approvals.get(id),
        this.mb.approvals.timeline(id),
      ]);
      const labels = new Map(request.template.fields.map((f) => [f.key, f.label]));
      const lines = Object.entries(request.form).map(([key, value]) => ({
        label: labels.get(key) ?? key,
        value: typeof value === 'object' ? JSON.stringify(value) : String(value),
      }));
      this.view.setData({
        request: { ...request, statusText: statusText(request.status) },
        lines,
        timeline,
        canApprove: request.actions.includes('approve'),
        canReject: request.actions.includes('reject'),
        canWithdraw: request.actions.includes('withdraw'),
        error: '',
      });
    } catch (err) {
      this.view.setData({ error: errorText(err) });
    }
  }

  approve(comment?: string): Promise<void> {
    return this.act(() => this.mb.approvals.approve(this.id, comment));
  }

  reject(reason: string): Promise<void> {
    if (!reason.trim()) {
      this.view.setData({ error: '请填写驳回理由' });
      return Promise.resolve();
    }
    return this.act(() => this.mb.approvals.reject(this.id, reason.trim()));
  }

  withdraw(): Promise<void> {
    return this.act(() => this.mb.approvals.withdraw(this.id));
  }

  private async act(action: () => Promise<unknown>): Promise<void> {
    if (this.view.data.busy) return;
    this.view.setData({ busy: true, error: '' });
    try {
      await action();
      await this.load(this.id);
    } catch (err) {
      this.view.setData({ error: errorText(err) });
      await this.load(this.id);
    } finally {
      this.view.setData({ busy: false });
    }
  }
}
