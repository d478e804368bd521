import type { Page, PageQuery, QueryParams, RequestBody, ResponseData } from '../api-types';
import type { Core } from '../core';

export type Template = ResponseData<'/api/v1/approvals/templates/{id}', 'get'>;
export type ApprovalRequest = ResponseData<'/api/v1/approvals/requests/{id}', 'get'>;
export type RequestSummary = ResponseData<'/api/v1/approvals/requests', 'get'>['items'][number];
export type Task = ResponseData<'/api/v1/approvals/tasks', 'get'>['items'][number];
export type Timeline = ResponseData<'/api/v1/approvals/requests/{id}/timeline', 'get'>;
export type Submission = RequestBody<'/api/v1/approvals/requests', 'post'>;
export type RequestsQuery = QueryParams<'/api/v1/approvals/requests', 'get'>;
export type TasksQuery = QueryParams<'/api/v1/approvals/tasks', 'get'>;

/**
 * Approval workflows (审批): templates to render forms, submitting, my requests, my to-do list,
 * and the approver's actions. Illegal moves are 409s with their own codes (`AlreadyDecided`,
 * `StepCompleted`, `RequestNotPending`, `NotYourTurn`).
 */
export class Approvals {
  constructor(private readonly core: Core) {}

  /** Enabled templates, with their fields (to render a form) and steps. */
  templates(): Promise<Template[]> {
    return this.core.call('get', '/api/v1/approvals/templates');
  }

  template(id: number): Promise<Template> {
    return this.core.call('get', '/api/v1/approvals/templates/{id}', { params: { id } });
  }

  /** Submit a request; a bad form is a 422 naming the field (`form.amount: is required`). */
  submit(submission: Submission): Promise<ApprovalRequest> {
    return this.core.call('post', '/api/v1/approvals/requests', { body: submission });
  }

  /** The requests I submitted (optionally by `status`). */
  myRequests(query: RequestsQuery = {}): Promise<Page<RequestSummary>> {
    return this.core.call('get', '/api/v1/approvals/requests', { query });
  }

  /** My to-do list (`status: 'pending'`, the default) or what I decided (`'done'`). */
  tasks(query: TasksQuery = {}): Promise<Page<Task>> {
    return this.core.call('get', '/api/v1/approvals/tasks', { query });
  }

  /** A request with its form, steps, tasks and the `actions` I may take now. */
  get(id: number): Promise<ApprovalRequest> {
    return this.core.call('get', '/api/v1/approvals/requests/{id}', { params: { id } });
  }

  approve(id: number, comment?: string): Promise<ApprovalRequest> {
    return this.core.call('post', '/api/v1/approvals/requests/{id}/approve', {
      params: { id },
      body: comment === undefined ? {} : { comment },
    });
  }

  /** Reject (a reason is required; the applicant sees it). */
  reject(id: number, reason: string): Promise<ApprovalRequest> {
    return this.core.call('post', '/api/v1/approvals/requests/{id}/reject', {
      params: { id },
      body: { reason },
    });
  }

  /** Hand my task at the current step to someone else. */
  transfer(id: number, toUserId: number, comment?: string): Promise<ApprovalRequest> {
    const body: RequestBody<'/api/v1/approvals/requests/{id}/transfer', 'post'> = {
      to_user_id: toUserId,
    };
    if (comment !== undefined) body.comment = comment;
    return this.core.call('post', '/api/v1/approvals/requests/{id}/transfer', {
      params: { id },
      body,
    });
  }

  /** Withdraw my own pending request. */
  withdraw(id: number, reason?: string): Promise<ApprovalRequest> {
    return this.core.call('post', '/api/v1/approvals/requests/{id}/withdraw', {
      params: { id },
      body: reason === undefined ? {} : { reason },
    });
  }

  /** Comment on a request (any time); answers the timeline. */
  comment(id: number, text: string): Promise<Timeline> {
    return this.core.call('post', '/api/v1/approvals/requests/{id}/comments', {
      params: { id },
      body: { text },
    });
  }

  /** The request's history, verified (`chain_valid`). */
  timeline(id: number): Promise<Timeline> {
    return this.core.call('get', '/api/v1/approvals/requests/{id}/timeline', { params: { id } });
  }
}

export type { PageQuery };
