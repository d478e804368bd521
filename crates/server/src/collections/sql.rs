//! Checked identifiers and a small SQL builder for the tables collections live in.
//!
//! Collection and field names come from admins (and, through filters, from any client), so they
//! never reach SQL as raw text: an [`Ident`] can only be made from a name that matches the strict
//! pattern, and it is quoted for the backend when written. Values are always bound parameters.

use sea_orm::{DatabaseBackend, Statement, Value};

/// The longest collection or field name.
pub const MAX_NAME_LEN: usize = 40;

/// Names no collection may take: tables of the built-in features and words the API reserves.
pub const RESERVED_COLLECTIONS: &[&str] = &[
    "users",
    "user",
    "admin",
    "admins",
    "auth",
    "files",
    "file",
    "collections",
    "records",
    "system",
    "jobs",
    "config",
    "posts",
    "comments",
    "batch",
    "schema",
    "public",
    "internal",
];

/// Names no field may take: the system columns and the words of the rule language.
pub const RESERVED_FIELDS: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "source_id",
    "expand",
    "record",
    "auth",
    "request",
    "null",
    "true",
    "false",
    "and",
    "or",
    "not",
    "in",
    "now",
];

/// Does `name` match `^[a-z][a-z0-9_]{0,39}$` (ASCII only, no double or trailing underscore)?
pub fn valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_NAME_LEN
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
        && !name.contains("__")
        && !name.ends_with('_')
}

/// A table or column name that passed [`valid_name`] (or is one of ours); the only way a name
/// gets into SQL text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident(String);

impl Ident {
    /// A field's column. None when the name is not a valid name.
    pub fn column(name: &str) -> Option<Self> {
        valid_name(name).then(|| Self(name.to_string()))
    }

    /// A system column (`id`, `created_at`, ...): fixed names of ours.
    pub fn system(name: &'static str) -> Self {
        debug_assert!(valid_name(name));
        Self(name.to_string())
    }

    /// The table of a collection: `c_<name>`.
    pub fn table(collection: &str) -> Option<Self> {
        valid_name(collection).then(|| Self(format!("c_{collection}")))
    }

    /// An index name made of checked parts (at most 63 bytes, PostgreSQL's limit).
    pub fn index(prefix: &'static str, table: &Ident, suffix: &str) -> Self {
        let name = format!("{prefix}_{}_{suffix}", table.0);
        if name.len() <= 63 && valid_suffix(suffix) {
            Self(name)
        } else {
            use sha2::{Digest, Sha256};
            let hash = hex::encode(Sha256::digest(name.as_bytes()));
            Self(format!("{prefix}_{}_{}", table.0, &hash[..10]))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name quoted for `backend`. The name holds only `[a-z0-9_]`, so quoting cannot be
    /// escaped; it keeps SQL keywords (`order`, `group`) usable as field names.
    pub fn quoted(&self, backend: DatabaseBackend) -> String {
        match backend {
            DatabaseBackend::MySql => format!("`{}`", self.0),
            _ => format!("\"{}\"", self.0),
        }
    }
}

fn valid_suffix(suffix: &str) -> bool {
    suffix
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// SQL text with its bound values, written for one backend.
pub struct Sql {
    pub backend: DatabaseBackend,
    pub text: String,
    pub values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DatabaseBackend) -> Self {
        Self {
            backend,
            text: String::with_capacity(128),
            values: Vec::new(),
        }
    }

    /// Append fixed SQL text (never a name or a value from outside).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub fn ident(&mut self, ident: &Ident) -> &mut Self {
        let quoted = ident.quoted(self.backend);
        self.text.push_str(&quoted);
        self
    }

    /// Append a placeholder and bind `value` to it.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    pub fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_pattern() {
        for ok in ["todos", "a1", "order_items", "x"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Todos",
            "1a",
            "_a",
            "a-b",
            "a b",
            "a;drop",
            "a\"b",
            "a`b",
            "a__b",
            "a_",
            "é",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(!valid_name(bad), "{bad}");
            assert!(Ident::column(bad).is_none());
        }
    }

    #[test]
    fn placeholders_per_backend() {
        let mut pg = Sql::new(DatabaseBackend::Postgres);
        pg.push("a = ").bind(1i64).push(" AND b = ").bind("x");
        assert_eq!(pg.text, "a = $1 AND b = $2");
        let mut my = Sql::new(DatabaseBackend::MySql);
        my.ident(&Ident::table("todos").unwrap())
            .push(" ")
            .bind(1i64);
        assert_eq!(my.text, "`c_todos` ?");
    }

    #[test]
    fn long_index_names_are_hashed() {
        let table = Ident::table(&"a".repeat(40)).unwrap();
        let name = Ident::index("ux", &table, &"b".repeat(40));
        assert!(name.as_str().len() <= 63, "{}", name.as_str());
        assert!(valid_suffix(name.as_str()));
    }
}
