//! Tables of the config center.

pub mod entry {
    use sea_orm::entity::prelude::*;

    /// A config value or a feature flag; `value` and `schema` hold JSON text.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "config_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub value: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub schema: Option<String>,
        pub is_public: bool,
        pub description: String,
        pub version: i32,
        pub updated_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod history {
    use sea_orm::entity::prelude::*;

    /// One change; never updated. `previous`/`snapshot` hold the entry before and after as JSON
    /// (null before a create and after a delete). The id is the global config revision.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "config_history")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub name: String,
        pub version: i32,
        pub action: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub previous: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub snapshot: Option<String>,
        pub actor: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
