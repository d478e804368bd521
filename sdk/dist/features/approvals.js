"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Approvals = void 0;
/**
 * Approval workflows (审批): templates to render forms, submitting, my requests, my to-do list,
 * and the approver's actions. Illegal moves are 409s with their own codes (`AlreadyDecided`,
 * `StepCompleted`, `RequestNotPending`, `NotYourTurn`).
 */
class Approvals {
    constructor(core) {
        this.core = core;
    }
    /** Enabled templates, with their fields (to render a form) and steps. */
    templates() {
        return this.core.call('get', '/api/v1/approvals/templates');
    }
    template(id) {
        return this.core.call('get', '/api/v1/approvals/templates/{id}', { params: { id } });
    }
    /** Submit a request; a bad form is a 422 naming the field (`form.amount: is required`). */
    submit(submission) {
        return this.core.call('post', '/api/v1/approvals/requests', { body: submission });
    }
    /** The requests I submitted (optionally by `status`). */
    myRequests(query = {}) {
        return this.core.call('get', '/api/v1/approvals/requests', { query });
    }
    /** My to-do list (`status: 'pending'`, the default) or what I decided (`'done'`). */
    tasks(query = {}) {
        return this.core.call('get', '/api/v1/approvals/tasks', { query });
    }
    /** A request with its form, steps, tasks and the `actions` I may take now. */
    get(id) {
        return this.core.call('get', '/api/v1/approvals/requests/{id}', { params: { id } });
    }
    approve(id, comment) {
        return this.core.call('post', '/api/v1/approvals/requests/{id}/approve', {
            params: { id },
            body: comment === undefined ? {} : { comment },
        });
    }
    /** Reject (a reason is required; the applicant sees it). */
    reject(id, reason) {
        return this.core.call('post', '/api/v1/approvals/requests/{id}/reject', {
            params: { id },
            body: { reason },
        });
    }
    /** Hand my task at the current step to someone else. */
    transfer(id, toUserId, comment) {
        const body = {
            to_user_id: toUserId,
        };
        if (comment !== undefined)
            body.comment = comment;
        return this.core.call('post', '/api/v1/approvals/requests/{id}/transfer', {
            params: { id },
            body,
        });
    }
    /** Withdraw my own pending request. */
    withdraw(id, reason) {
        return this.core.call('post', '/api/v1/approvals/requests/{id}/withdraw', {
            params: { id },
            body: reason === undefined ? {} : { reason },
        });
    }
    /** Comment on a request (any time); answers the timeline. */
    comment(id, text) {
        return this.core.call('post', '/api/v1/approvals/requests/{id}/comments', {
            params: { id },
            body: { text },
        });
    }
    /** The request's history, verified (`chain_valid`). */
    timeline(id) {
        return this.core.call('get', '/api/v1/approvals/requests/{id}/timeline', { params: { id } });
    }
}
exports.Approvals = Approvals;
