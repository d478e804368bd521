//! Tables of the approval workflow, the statuses of requests and tasks, and what clients send and
//! get about requests.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::StringLen;
use sea_orm::{ActiveEnum, DeriveActiveEnum, EnumIter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use validator::Validate;

use super::definition::{Condition, StepMode, TemplateSnapshot};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::users::service::UserSummary;

pub mod department {
    use sea_orm::entity::prelude::*;

    /// A department; `parent_id` makes the tree, `head_user_id` is who heads it.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "approval_departments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub parent_id: Option<i64>,
        pub head_user_id: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod member {
    use sea_orm::entity::prelude::*;

    /// A user's place in the organisation: one department, and optionally a direct manager.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "approval_members")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        pub department_id: i64,
        pub manager_user_id: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod template {
    use sea_orm::entity::prelude::*;

    /// A template at its current version. `definition` is the JSON of the form and the steps.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "approval_templates")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub description: String,
        pub enabled: bool,
        pub version: i32,
        #[sea_orm(column_type = "Text")]
        pub definition: String,
        pub updated_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod template_version {
    use sea_orm::entity::prelude::*;

    /// Every version a template ever had (written once, never changed).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "approval_template_versions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub template_id: i64,
        pub version: i32,
        pub name: String,
        pub description: String,
        #[sea_orm(column_type = "Text")]
        pub definition: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod request {
    use sea_orm::entity::prelude::*;

    /// An approval request: the form as submitted, the template as it was then, and where the
    /// request stands. `version` grows with every change; `event_count` and `head_hash` are the
    /// length and last hash of its event chain (so a removed tail is noticed).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "approval_requests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub template_id: i64,
        pub template_version: i32,
        #[sea_orm(column_type = "Text")]
        pub template_snapshot: String,
        pub applicant_id: i64,
        pub title: String,
        #[sea_orm(column_type = "Text")]
        pub form: String,
        pub form_sha256: String,
        pub status: super::RequestStatus,
        /// Index of the active step in the snapshot's steps; None once finished.
        pub current_step: Option<i32>,
        pub version: i32,
        pub event_count: i32,
        pub head_hash: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub finished_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod task {
    use sea_orm::entity::prelude::*;

    /// One approver's part in one step, created when the step becomes active.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "approval_tasks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub request_id: i64,
        pub step_index: i32,
        pub approver_id: i64,
        pub status: super::TaskStatus,
        #[sea_orm(column_type = "Text", nullable)]
        pub comment: Option<String>,
        pub transferred_to: Option<i64>,
        pub created_at: DateTimeUtc,
        pub decided_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod event {
    use sea_orm::entity::prelude::*;

    /// One entry of a request's audit trail. Inserted, never updated or deleted: `hash` chains
    /// it to the previous entry (see `approvals::audit`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "approval_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub request_id: i64,
        pub seq: i32,
        /// The user who acted; None for what the workflow did by itself.
        pub actor_id: Option<i64>,
        pub action: String,
        pub step_index: Option<i32>,
        #[sea_orm(column_type = "Text", nullable)]
        pub comment: Option<String>,
        /// JSON with the action's details (the form on submit, approvers of a step, ...).
        #[sea_orm(column_type = "Text")]
        pub detail: String,
        pub form_sha256: String,
        pub prev_hash: String,
        pub hash: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Where a request stands. It is `pending` until it is `approved` (its last applicable step
/// completed), `rejected` (any approver rejected) or `withdrawn` (by its applicant); those three
/// are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RequestStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

impl RequestStatus {
    /// The `status` filter of a list, by its stored name.
    pub fn from_query(status: Option<String>) -> AppResult<Option<Self>> {
        status
            .map(|s| {
                Self::try_from_value(&s).map_err(|_| {
                    AppError::new(
                        ErrorCode::InvalidQuery,
                        "status: must be one of pending, approved, rejected, withdrawn",
                    )
                })
            })
            .transpose()
    }
}

/// One approver's part in an active step: `pending`, then `approved`, `rejected`,
/// `transferred` (handed to someone else, who gets a new task) or `cancelled` (the step or the
/// request ended without them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum TaskStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "transferred")]
    Transferred,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// Which requests a list shows.
pub struct RequestFilter {
    pub applicant_id: Option<i64>,
    pub status: Option<RequestStatus>,
    pub template_id: Option<i64>,
}

// ---- what clients send ----

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    pub template_id: i64,
    /// Shown in lists and messages; defaults to the template's name.
    #[validate(length(max = 128))]
    #[schema(max_length = 128)]
    pub title: Option<String>,
    /// The values, by field key, as the template's fields define them.
    #[schema(value_type = Object)]
    pub form: Value,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why; the applicant sees it.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// Who takes over your task at this step.
    pub to_user_id: i64,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub text: String,
}

// ---- what clients get ----

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestSummary {
    pub id: i64,
    pub template_id: i64,
    pub template_name: String,
    pub title: String,
    pub applicant: UserSummary,
    /// pending, approved, rejected or withdrawn.
    pub status: String,
    /// Index (from 0) of the step waiting for approval; null once finished.
    pub current_step: Option<i32>,
    pub current_step_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub id: i64,
    pub approver: UserSummary,
    /// pending, approved, rejected, transferred or cancelled.
    pub status: String,
    /// The approval comment or rejection reason.
    pub comment: Option<String>,
    /// For a transferred task: who took it over.
    pub transferred_to: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    pub index: i32,
    pub name: String,
    pub mode: StepMode,
    /// waiting (not reached yet), active, approved, rejected, skipped (its condition did not
    /// hold, or the applicant was its only approver), cancelled (withdrawn while active) or
    /// not_reached (the request ended before it).
    pub status: String,
    pub condition: Option<Condition>,
    /// The approvers' tasks, once the step was reached.
    pub tasks: Vec<TaskView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    #[serde(flatten)]
    pub summary: RequestSummary,
    pub template_version: i32,
    /// The values as stored (money as "1234.50").
    #[schema(value_type = Object)]
    pub form: Value,
    /// The template as it was when the request was submitted (labels for the form).
    pub template: TemplateSnapshot,
    pub steps: Vec<StepView>,
    /// Grows with every change of the request.
    pub version: i32,
    /// What the caller may do now: approve, reject, transfer, withdraw, comment.
    pub actions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyTaskView {
    pub task_id: i64,
    /// pending, approved, rejected or transferred.
    pub status: String,
    pub step_index: i32,
    pub step_name: String,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub request: RequestSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub seq: i32,
    /// submit, step_started, step_skipped, approve, reject, transfer, withdraw, comment,
    /// approved, rejected.
    pub action: String,
    /// Who acted; null for what the workflow did by itself.
    pub actor: Option<UserSummary>,
    pub step_index: Option<i32>,
    pub comment: Option<String>,
    #[schema(value_type = Object)]
    pub detail: Value,
    /// SHA-256 of the form as submitted.
    pub form_sha256: String,
    pub prev_hash: String,
    pub hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    pub request_id: i64,
    /// Every hash recomputed and every link checked, against the head the request records.
    pub chain_valid: bool,
    /// The first event that fails verification.
    pub broken_at_seq: Option<i32>,
    pub problem: Option<String>,
    /// The last event's hash: keep it as a receipt of the history so far.
    pub head_hash: String,
    pub events: Vec<EventView>,
}
