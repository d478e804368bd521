use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::model::{
    ApproveBody, CommentBody, MyTaskView, RejectBody, RequestFilter, RequestStatus, RequestSummary,
    RequestView, SubmitBody, TimelineView, TransferBody, WithdrawBody,
};
use super::org::{self, DepartmentBody, DepartmentView, MemberBody, MemberView};
use super::templates::{self, TemplateBody, TemplateVersionView, TemplateView};
use super::{decide, submit, views};
use crate::auth::extract::{Admin, CurrentUser, RequireRole};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::http::{ApiJson, Envelope, Id, ValidJson, ValidQuery};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // organisation and templates (admins)
        .routes(routes!(list_departments, create_department))
        .routes(routes!(
            get_department,
            update_department,
            delete_department
        ))
        .routes(routes!(list_members))
        .routes(routes!(get_member, put_member, delete_member))
        .routes(routes!(admin_list_templates, create_template))
        .routes(routes!(
            admin_get_template,
            update_template,
            disable_template
        ))
        .routes(routes!(template_versions))
        .routes(routes!(admin_list_requests))
        .routes(routes!(admin_get_request))
        .routes(routes!(admin_timeline))
        // the mini-program
        .routes(routes!(list_templates))
        .routes(routes!(get_template))
        .routes(routes!(submit, my_requests))
        .routes(routes!(get_request))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(transfer))
        .routes(routes!(withdraw))
        .routes(routes!(comment))
        .routes(routes!(timeline))
        .routes(routes!(my_tasks))
}

// ---- organisation ----

/// Every department, as a flat list (build the tree from `parent_id`) (admins).
#[utoipa::path(get, path = "/api/v1/admin/approvals/departments", tag = "approvals-admin", security(("bearer" = [])),
    responses((status = 200, description = "The departments", body = Envelope<Vec<DepartmentView>>),
              (status = 403, description = "Needs the admin role", body = ErrorEnvelope)))]
pub async fn list_departments(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
) -> AppResult<ApiJson<Vec<DepartmentView>>> {
    org::list_departments(&state).await.map(ApiJson::ok)
}

/// Create a department (admins).
#[utoipa::path(post, path = "/api/v1/admin/approvals/departments", tag = "approvals-admin", security(("bearer" = [])),
    request_body = DepartmentBody,
    responses((status = 201, description = "Created", body = Envelope<DepartmentView>),
              (status = 422, description = "Bad name, unknown parent or head", body = ErrorEnvelope)))]
pub async fn create_department(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    ValidJson(body): ValidJson<DepartmentBody>,
) -> AppResult<ApiJson<DepartmentView>> {
    org::create_department(&state, &body)
        .await
        .map(ApiJson::created)
}

/// One department (admins).
#[utoipa::path(get, path = "/api/v1/admin/approvals/departments/{id}", tag = "approvals-admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The department", body = Envelope<DepartmentView>),
              (status = 404, description = "No such department", body = ErrorEnvelope)))]
pub async fn get_department(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<DepartmentView>> {
    org::get_department(&state, id).await.map(ApiJson::ok)
}

/// Rename, move (a new parent) or change the head of a department (admins). All three fields
/// are replaced. Requests already under way keep the approvers they were assigned.
#[utoipa::path(put, path = "/api/v1/admin/approvals/departments/{id}", tag = "approvals-admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DepartmentBody,
    responses((status = 200, description = "The department after the change", body = Envelope<DepartmentView>),
              (status = 422, description = "Unknown parent or head, or a cycle", body = ErrorEnvelope)))]
pub async fn update_department(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
    ValidJson(body): ValidJson<DepartmentBody>,
) -> AppResult<ApiJson<DepartmentView>> {
    org::update_department(&state, id, &body)
        .await
        .map(ApiJson::ok)
}

/// Delete an empty department (admins).
#[utoipa::path(delete, path = "/api/v1/admin/approvals/departments/{id}", tag = "approvals-admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "Deleted", body = Envelope<Option<String>>),
              (status = 409, description = "It still has sub-departments or members (40934)", body = ErrorEnvelope)))]
pub async fn delete_department(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    org::delete_department(&state, id)
        .await
        .map(|()| ApiJson::ok(None))
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// Only this department's members.
    department_id: Option<i64>,
}

/// Members of the organisation (admins).
#[utoipa::path(get, path = "/api/v1/admin/approvals/members", tag = "approvals-admin", security(("bearer" = [])),
    params(MembersQuery),
    responses((status = 200, description = "The members", body = Envelope<Vec<MemberView>>)))]
pub async fn list_members(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    ValidQuery(query): ValidQuery<MembersQuery>,
) -> AppResult<ApiJson<Vec<MemberView>>> {
    org::list_members(&state, query.department_id)
        .await
        .map(ApiJson::ok)
}

/// One member (admins).
#[utoipa::path(get, path = "/api/v1/admin/approvals/members/{user_id}", tag = "approvals-admin", security(("bearer" = [])),
    params(("user_id" = i64, Path)),
    responses((status = 200, description = "The member", body = Envelope<MemberView>),
              (status = 404, description = "Not a member", body = ErrorEnvelope)))]
pub async fn get_member(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(user_id): Id,
) -> AppResult<ApiJson<MemberView>> {
    org::get_member(&state, user_id).await.map(ApiJson::ok)
}

/// Put a user in a department, with their manager (admins); moves them if they were elsewhere.
#[utoipa::path(put, path = "/api/v1/admin/approvals/members/{user_id}", tag = "approvals-admin", security(("bearer" = [])),
    params(("user_id" = i64, Path)), request_body = MemberBody,
    responses((status = 200, description = "The member", body = Envelope<MemberView>),
              (status = 404, description = "No such user", body = ErrorEnvelope),
              (status = 422, description = "Unknown department or manager", body = ErrorEnvelope)))]
pub async fn put_member(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(user_id): Id,
    ValidJson(body): ValidJson<MemberBody>,
) -> AppResult<ApiJson<MemberView>> {
    org::put_member(&state, user_id, &body)
        .await
        .map(ApiJson::ok)
}

/// Take a user out of the organisation (admins).
#[utoipa::path(delete, path = "/api/v1/admin/approvals/members/{user_id}", tag = "approvals-admin", security(("bearer" = [])),
    params(("user_id" = i64, Path)),
    responses((status = 200, description = "Removed", body = Envelope<Option<String>>),
              (status = 404, description = "Not a member", body = ErrorEnvelope)))]
pub async fn delete_member(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(user_id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    org::delete_member(&state, user_id)
        .await
        .map(|()| ApiJson::ok(None))
}

// ---- templates (admins) ----

/// Every template, enabled or not (admins).
#[utoipa::path(get, path = "/api/v1/admin/approvals/templates", tag = "approvals-admin", security(("bearer" = [])),
    responses((status = 200, description = "The templates", body = Envelope<Vec<TemplateView>>)))]
pub async fn admin_list_templates(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
) -> AppResult<ApiJson<Vec<TemplateView>>> {
    templates::list(&state, false).await.map(ApiJson::ok)
}

/// Create a template: typed form fields and ordered steps (admins). Checked on the way in: a
/// 422 names the problem (`steps[1].condition.field: ...`).
#[utoipa::path(post, path = "/api/v1/admin/approvals/templates", tag = "approvals-admin", security(("bearer" = [])),
    request_body = TemplateBody,
    responses((status = 201, description = "Created, at version 1", body = Envelope<TemplateView>),
              (status = 422, description = "The template is not valid; the message names the problem", body = ErrorEnvelope)))]
pub async fn create_template(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    ValidJson(body): ValidJson<TemplateBody>,
) -> AppResult<ApiJson<TemplateView>> {
    templates::create(&state, &admin, &body)
        .await
        .map(ApiJson::created)
}

/// One template at its current version (admins).
#[utoipa::path(get, path = "/api/v1/admin/approvals/templates/{id}", tag = "approvals-admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The template", body = Envelope<TemplateView>),
              (status = 404, description = "No such template", body = ErrorEnvelope)))]
pub async fn admin_get_template(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<TemplateView>> {
    templates::get(&state, id).await.map(ApiJson::ok)
}

/// Save a new version of a template (admins). Requests already submitted keep the version they
/// were submitted under.
#[utoipa::path(put, path = "/api/v1/admin/approvals/templates/{id}", tag = "approvals-admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TemplateBody,
    responses((status = 200, description = "The template at its new version", body = Envelope<TemplateView>),
              (status = 409, description = "Changed by someone else (expected_version)", body = ErrorEnvelope),
              (status = 422, description = "The template is not valid", body = ErrorEnvelope)))]
pub async fn update_template(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Id(id): Id,
    ValidJson(body): ValidJson<TemplateBody>,
) -> AppResult<ApiJson<TemplateView>> {
    templates::update(&state, &admin, id, &body)
        .await
        .map(ApiJson::ok)
}

/// Disable a template (admins): no new requests; requests under way go on. `PUT` with
/// `"enabled": true` enables it again.
#[utoipa::path(delete, path = "/api/v1/admin/approvals/templates/{id}", tag = "approvals-admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The disabled template", body = Envelope<TemplateView>),
              (status = 404, description = "No such template", body = ErrorEnvelope)))]
pub async fn disable_template(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<TemplateView>> {
    templates::disable(&state, &admin, id)
        .await
        .map(ApiJson::ok)
}

/// Every version of a template, newest first (admins).
#[utoipa::path(get, path = "/api/v1/admin/approvals/templates/{id}/versions", tag = "approvals-admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The versions", body = Envelope<Vec<TemplateVersionView>>),
              (status = 404, description = "No such template", body = ErrorEnvelope)))]
pub async fn template_versions(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<Vec<TemplateVersionView>>> {
    templates::versions(&state, id).await.map(ApiJson::ok)
}

// ---- requests (admins) ----

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminRequestsQuery {
    /// Page size, 1..100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// pending, approved, rejected or withdrawn.
    #[param(pattern = "^(pending|approved|rejected|withdrawn)$")]
    status: Option<String>,
    template_id: Option<i64>,
    applicant_id: Option<i64>,
}

/// Every request, newest first, with filters (admins).
#[utoipa::path(get, path = "/api/v1/admin/approvals/requests", tag = "approvals-admin", security(("bearer" = [])),
    params(AdminRequestsQuery),
    responses((status = 200, description = "A page", body = Envelope<Page<RequestSummary>>),
              (status = 400, description = "Bad filter, limit or cursor", body = ErrorEnvelope)))]
pub async fn admin_list_requests(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    ValidQuery(query): ValidQuery<AdminRequestsQuery>,
) -> AppResult<ApiJson<Page<RequestSummary>>> {
    let filter = RequestFilter {
        applicant_id: query.applicant_id,
        status: RequestStatus::from_query(query.status)?,
        template_id: query.template_id,
    };
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    views::list(&state, &filter, &page).await.map(ApiJson::ok)
}

/// Any request (admins).
#[utoipa::path(get, path = "/api/v1/admin/approvals/requests/{id}", tag = "approvals-admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The request", body = Envelope<RequestView>),
              (status = 404, description = "No such request", body = ErrorEnvelope)))]
pub async fn admin_get_request(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<RequestView>> {
    views::view(&state, id, None).await.map(ApiJson::ok)
}

/// Any request's audit trail, verified (admins).
#[utoipa::path(get, path = "/api/v1/admin/approvals/requests/{id}/timeline", tag = "approvals-admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The events and the chain's verification", body = Envelope<TimelineView>),
              (status = 404, description = "No such request", body = ErrorEnvelope)))]
pub async fn admin_timeline(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<TimelineView>> {
    views::timeline(&state, id, None).await.map(ApiJson::ok)
}

// ---- the mini-program ----

/// Templates a user can submit requests with.
#[utoipa::path(get, path = "/api/v1/approvals/templates", tag = "approvals", security(("bearer" = [])),
    responses((status = 200, description = "Enabled templates", body = Envelope<Vec<TemplateView>>)))]
pub async fn list_templates(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> AppResult<ApiJson<Vec<TemplateView>>> {
    templates::list(&state, true).await.map(ApiJson::ok)
}

/// One enabled template: the form to render.
#[utoipa::path(get, path = "/api/v1/approvals/templates/{id}", tag = "approvals", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The template", body = Envelope<TemplateView>),
              (status = 404, description = "No such enabled template", body = ErrorEnvelope)))]
pub async fn get_template(
    State(state): State<AppState>,
    _user: CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<TemplateView>> {
    templates::get_enabled(&state, id).await.map(ApiJson::ok)
}

/// Submit a request. The form is checked against the template (422 naming the field, e.g.
/// `form.amount: is required`); every step that will apply must have an approver (else 40030).
#[utoipa::path(post, path = "/api/v1/approvals/requests", tag = "approvals", security(("bearer" = [])),
    request_body = SubmitBody,
    responses((status = 201, description = "Submitted; waiting on its first step (or approved at once when no step applies)", body = Envelope<RequestView>),
              (status = 400, description = "A step has no approver (40030) or the template is disabled (40031)", body = ErrorEnvelope),
              (status = 404, description = "No such template", body = ErrorEnvelope),
              (status = 422, description = "The form is not valid; the message names the field", body = ErrorEnvelope)))]
pub async fn submit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(body): ValidJson<SubmitBody>,
) -> AppResult<ApiJson<RequestView>> {
    submit::submit(&state, &user, &body)
        .await
        .map(ApiJson::created)
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyRequestsQuery {
    /// Page size, 1..100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// pending, approved, rejected or withdrawn.
    #[param(pattern = "^(pending|approved|rejected|withdrawn)$")]
    status: Option<String>,
}

/// The caller's own requests, newest first.
#[utoipa::path(get, path = "/api/v1/approvals/requests", tag = "approvals", security(("bearer" = [])),
    params(MyRequestsQuery),
    responses((status = 200, description = "A page", body = Envelope<Page<RequestSummary>>),
              (status = 400, description = "Bad status, limit or cursor", body = ErrorEnvelope)))]
pub async fn my_requests(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidQuery(query): ValidQuery<MyRequestsQuery>,
) -> AppResult<ApiJson<Page<RequestSummary>>> {
    let filter = RequestFilter {
        applicant_id: Some(user.id),
        status: RequestStatus::from_query(query.status)?,
        template_id: None,
    };
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    views::list(&state, &filter, &page).await.map(ApiJson::ok)
}

/// A request: its form, steps, tasks and what the caller may do (`actions`). Visible to its
/// applicant and its approvers; anyone else gets a 404.
#[utoipa::path(get, path = "/api/v1/approvals/requests/{id}", tag = "approvals", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The request", body = Envelope<RequestView>),
              (status = 404, description = "No such request, or not yours to see", body = ErrorEnvelope)))]
pub async fn get_request(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<RequestView>> {
    views::view(&state, id, Some(user.id))
        .await
        .map(ApiJson::ok)
}

/// Approve your task at the request's current step, with an optional comment (`{}` for none).
#[utoipa::path(post, path = "/api/v1/approvals/requests/{id}/approve", tag = "approvals", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ApproveBody,
    responses((status = 200, description = "The request after the approval", body = Envelope<RequestView>),
              (status = 400, description = "The next step has no approver (40030); nothing changed", body = ErrorEnvelope),
              (status = 404, description = "No such request, or not yours to see", body = ErrorEnvelope),
              (status = 409, description = "Not pending (40930), already decided (40931), not your turn (40932), step completed by another approver (40933)", body = ErrorEnvelope)))]
pub async fn approve(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
    ValidJson(body): ValidJson<ApproveBody>,
) -> AppResult<ApiJson<RequestView>> {
    decide::approve(&state, &user, id, &body)
        .await
        .map(ApiJson::ok)
}

/// Reject the request at your step, with a reason: the request ends as rejected.
#[utoipa::path(post, path = "/api/v1/approvals/requests/{id}/reject", tag = "approvals", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RejectBody,
    responses((status = 200, description = "The rejected request", body = Envelope<RequestView>),
              (status = 404, description = "No such request, or not yours to see", body = ErrorEnvelope),
              (status = 409, description = "Not pending, already decided, not your turn or step completed", body = ErrorEnvelope),
              (status = 422, description = "No reason", body = ErrorEnvelope)))]
pub async fn reject(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
    ValidJson(body): ValidJson<RejectBody>,
) -> AppResult<ApiJson<RequestView>> {
    decide::reject(&state, &user, id, &body)
        .await
        .map(ApiJson::ok)
}

/// Hand your task at the current step to someone else, who gets a new task.
#[utoipa::path(post, path = "/api/v1/approvals/requests/{id}/transfer", tag = "approvals", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TransferBody,
    responses((status = 200, description = "The request after the transfer", body = Envelope<RequestView>),
              (status = 404, description = "No such request, or not yours to see", body = ErrorEnvelope),
              (status = 409, description = "Not pending, already decided, not your turn or step completed", body = ErrorEnvelope),
              (status = 422, description = "Unknown user, yourself, the applicant, or already an approver of the step", body = ErrorEnvelope)))]
pub async fn transfer(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
    ValidJson(body): ValidJson<TransferBody>,
) -> AppResult<ApiJson<RequestView>> {
    decide::transfer(&state, &user, id, &body)
        .await
        .map(ApiJson::ok)
}

/// Withdraw your own pending request (`{}` or `{"reason": "..."}`).
#[utoipa::path(post, path = "/api/v1/approvals/requests/{id}/withdraw", tag = "approvals", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WithdrawBody,
    responses((status = 200, description = "The withdrawn request", body = Envelope<RequestView>),
              (status = 403, description = "Not your request (you are one of its approvers)", body = ErrorEnvelope),
              (status = 404, description = "No such request, or not yours to see", body = ErrorEnvelope),
              (status = 409, description = "No longer pending (40930)", body = ErrorEnvelope)))]
pub async fn withdraw(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
    ValidJson(body): ValidJson<WithdrawBody>,
) -> AppResult<ApiJson<RequestView>> {
    decide::withdraw(&state, &user, id, &body)
        .await
        .map(ApiJson::ok)
}

/// Comment on a request you can see (any time, also once it is finished).
#[utoipa::path(post, path = "/api/v1/approvals/requests/{id}/comments", tag = "approvals", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CommentBody,
    responses((status = 201, description = "The timeline with the comment", body = Envelope<TimelineView>),
              (status = 404, description = "No such request, or not yours to see", body = ErrorEnvelope),
              (status = 422, description = "Empty or too long", body = ErrorEnvelope)))]
pub async fn comment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
    ValidJson(body): ValidJson<CommentBody>,
) -> AppResult<ApiJson<TimelineView>> {
    decide::comment(&state, &user, id, &body)
        .await
        .map(ApiJson::created)
}

/// The request's audit trail (who, when, what, the form's hash), each event chained to the one
/// before by SHA-256, with `chain_valid` from recomputing the chain.
#[utoipa::path(get, path = "/api/v1/approvals/requests/{id}/timeline", tag = "approvals", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The events and the chain's verification", body = Envelope<TimelineView>),
              (status = 404, description = "No such request, or not yours to see", body = ErrorEnvelope)))]
pub async fn timeline(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<TimelineView>> {
    views::timeline(&state, id, Some(user.id))
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TasksQuery {
    /// Page size, 1..100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// `pending` (default): waiting for you; `done`: the ones you decided.
    #[param(pattern = "^(pending|done)$")]
    status: Option<String>,
}

/// The caller's approval tasks, newest first: what waits for them (`status=pending`, the
/// default) or what they decided (`status=done`).
#[utoipa::path(get, path = "/api/v1/approvals/tasks", tag = "approvals", security(("bearer" = [])),
    params(TasksQuery),
    responses((status = 200, description = "A page", body = Envelope<Page<MyTaskView>>),
              (status = 400, description = "Bad status, limit or cursor", body = ErrorEnvelope)))]
pub async fn my_tasks(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidQuery(query): ValidQuery<TasksQuery>,
) -> AppResult<ApiJson<Page<MyTaskView>>> {
    let pending = match query.status.as_deref() {
        None | Some("pending") => true,
        Some("done") => false,
        Some(_) => {
            return Err(AppError::new(
                ErrorCode::InvalidQuery,
                "status: must be pending or done",
            ))
        }
    };
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    views::my_tasks(&state, &user, pending, &page)
        .await
        .map(ApiJson::ok)
}
