//! What a collection is: its fields, indexes, owner field and access rules, as admins define them
//! and as the `collections` table stores them (one JSON document per collection).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The type of a field, which fixes its column type and the JSON values it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = CollectionFieldType)]
pub enum FieldType {
    /// A string of at most `max_length` characters.
    Text,
    /// A finite number (a double).
    Number,
    Bool,
    /// A point in time: an RFC 3339 string in, UTC out.
    Date,
    /// Any JSON value, stored as is (not filterable or sortable).
    Json,
    /// A stored file: the key or URL of an upload (`POST /api/v1/files`) or an imported file.
    File,
    /// The id of a user (`target: "users"`) or of a record of another collection.
    Relation,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Bool => "bool",
            Self::Date => "date",
            Self::Json => "json",
            Self::File => "file",
            Self::Relation => "relation",
        }
    }
}

/// Default and largest `max_length` of a text field.
pub const DEFAULT_TEXT_LENGTH: u32 = 255;
pub const MAX_TEXT_LENGTH: u32 = 65_535;
/// Text fields longer than this cannot be unique or indexed (MySQL's index key limit).
pub const MAX_INDEXED_TEXT_LENGTH: u32 = 255;
pub const MAX_FIELDS: usize = 50;
pub const MAX_INDEXES: usize = 10;
/// Rows a filter on an unindexed field may scan, unless the collection says otherwise.
pub const DEFAULT_SCAN_LIMIT: u32 = 10_000;

/// The target of a relation to users.
pub const USERS_TARGET: &str = "users";

/// A field of a collection (named apart from the approval templates' fields in the OpenAPI
/// document).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CollectionField)]
pub struct FieldDef {
    /// `^[a-z][a-z0-9_]{0,39}$`, not a reserved word (id, created_at, updated_at, ...).
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// A record must have a value (null is refused); a missing value takes the default.
    #[serde(default)]
    pub required: bool,
    /// No two records may hold the same value (nulls excepted).
    #[serde(default)]
    pub unique: bool,
    /// Value given to records created without one (and to existing records when the field is
    /// added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Value>)]
    pub default: Option<Value>,
    /// Text only: the longest value in characters (default 255, at most 65535).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Relation only: `users` or the name of a collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl FieldDef {
    pub fn max_length(&self) -> u32 {
        self.max_length.unwrap_or(DEFAULT_TEXT_LENGTH)
    }

    /// Whether values of this field can be compared (filters, sorts, rules).
    pub fn comparable(&self) -> bool {
        self.field_type != FieldType::Json
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CollectionIndex)]
pub struct IndexDef {
    /// Fields in order (at most 4).
    pub fields: Vec<String>,
    #[serde(default)]
    pub unique: bool,
}

/// One rule per action. `null` (or absent): nobody but admins. `""`: everyone, signed in or not.
/// Otherwise an expression over `record.<field>`, `auth.id`, `auth.role` and
/// `@request.body.<field>`, such as `record.owner == auth.id || auth.role == "admin"`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CollectionRules)]
pub struct Rules {
    #[serde(default)]
    pub list: Option<String>,
    #[serde(default)]
    pub view: Option<String>,
    #[serde(default)]
    pub create: Option<String>,
    #[serde(default)]
    pub update: Option<String>,
    #[serde(default)]
    pub delete: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    List,
    View,
    Create,
    Update,
    Delete,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Self::List,
        Self::View,
        Self::Create,
        Self::Update,
        Self::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::View => "view",
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

impl Rules {
    pub fn get(&self, action: Action) -> Option<&str> {
        match action {
            Action::List => self.list.as_deref(),
            Action::View => self.view.as_deref(),
            Action::Create => self.create.as_deref(),
            Action::Update => self.update.as_deref(),
            Action::Delete => self.delete.as_deref(),
        }
    }
}

/// A collection as an admin writes it (create and change take the same document).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionSpec {
    /// `^[a-z][a-z0-9_]{0,39}$`, not a reserved name (users, files, ...). On a change, absent or
    /// the same name.
    #[serde(default)]
    pub name: String,
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    pub indexes: Vec<IndexDef>,
    /// A relation-to-users field that records get from their creator (and that only admins
    /// can change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_field: Option<String>,
    #[serde(default)]
    pub rules: Rules,
    /// Largest collection (in records) that may be filtered or sorted on an unindexed field
    /// (default 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_limit: Option<u32>,
}

impl CollectionSpec {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn scan_limit(&self) -> u32 {
        self.scan_limit.unwrap_or(DEFAULT_SCAN_LIMIT)
    }

    /// Is `name` a system column or the first column of an index (so filtering on it is cheap)?
    pub fn indexed(&self, name: &str) -> bool {
        matches!(name, "id" | "created_at")
            || self.field(name).is_some_and(|f| f.unique)
            || self
                .indexes
                .iter()
                .any(|i| i.fields.first().map(String::as_str) == Some(name))
    }
}

/// A collection as the API shows it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CollectionView {
    pub id: i64,
    #[serde(flatten)]
    pub spec: CollectionSpec,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
