//! Tables of the approval workflow.

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
        /// pending, approved, rejected or withdrawn.
        pub status: String,
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
        /// pending, approved, rejected, transferred or cancelled.
        pub status: String,
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
