//! `minibase import leancloud|cloudbase <export>`: bring a LeanCloud or CloudBase export in.
//!
//! Each platform's reader (`leancloud`, `cloudbase`) turns its export into one neutral [`Export`]:
//! users with their WeChat identity, files, and classes of records with typed values. [`apply`]
//! then infers each collection's fields, creates or extends the collections, creates the users
//! (same openid and unionid, so WeChat login finds them), copies the files into the file store
//! and writes the records, keyed by their source ids so that a rerun updates instead of
//! duplicating. A dry run goes through the same steps without writing, and reports what would
//! be created and every value or record it cannot map.

mod apply;
mod cloudbase;
mod leancloud;
mod mapping;
mod source;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::store::objects::FileStore;
use crate::store::Db;

pub use apply::apply;
pub use mapping::{collection_name, field_name};
pub use source::ExportSource;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    LeanCloud,
    CloudBase,
}

/// A value as the source platform typed it.
#[derive(Clone, Debug, PartialEq)]
pub enum SValue {
    Null,
    Bool(bool),
    Num(f64),
    Text(String),
    Date(DateTime<Utc>),
    Json(Value),
    /// A pointer to a record of another class (source class name, source id).
    Ref(String, String),
    /// A pointer to a user (the user's source id).
    UserRef(String),
    /// A file (its source id).
    File(String),
}

pub struct SourceUser {
    pub source_id: String,
    pub openid: String,
    pub unionid: Option<String>,
    pub nickname: String,
    pub avatar_url: String,
    pub created_at: Option<DateTime<Utc>>,
}

pub struct SourceFile {
    pub source_id: String,
    pub name: String,
    pub bytes: Option<Vec<u8>>,
    /// Where the bytes were looked for, when they were not found.
    pub looked_in: String,
}

pub struct SourceRecord {
    pub source_id: String,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub fields: BTreeMap<String, SValue>,
    /// The creator (a user's source id), which becomes the owner field.
    pub owner: Option<String>,
}

pub struct SourceClass {
    pub name: String,
    pub records: Vec<SourceRecord>,
}

#[derive(Default)]
pub struct Export {
    pub users: Vec<SourceUser>,
    pub files: Vec<SourceFile>,
    pub classes: Vec<SourceClass>,
    /// Owned records get `owner == auth.id` rules (CloudBase's default "creator only").
    pub creator_rules: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Default)]
pub struct Report {
    pub dry_run: bool,
    pub collections_created: Vec<String>,
    pub collections_extended: Vec<String>,
    pub users_created: usize,
    pub users_existing: usize,
    pub files_copied: usize,
    pub files_existing: usize,
    pub records_created: usize,
    pub records_updated: usize,
    /// Notes on what was renamed or left out on purpose.
    pub notes: Vec<String>,
    /// Every value or record that could not be mapped.
    pub problems: Vec<String>,
}

impl Report {
    pub fn render(&self) -> String {
        let would = if self.dry_run { "would be " } else { "" };
        let mut out = String::new();
        if self.dry_run {
            out.push_str("Dry run: nothing was written.\n");
        }
        for line in &self.collections_created {
            out.push_str(&format!("collection {line}: {would}created\n"));
        }
        for line in &self.collections_extended {
            out.push_str(&format!("collection {line}: {would}extended\n"));
        }
        out.push_str(&format!(
            "users: {} {would}created, {} already there\n",
            self.users_created, self.users_existing
        ));
        out.push_str(&format!(
            "files: {} {would}copied, {} already there\n",
            self.files_copied, self.files_existing
        ));
        out.push_str(&format!(
            "records: {} {would}created, {} {would}updated\n",
            self.records_created, self.records_updated
        ));
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        out.push_str(&format!(
            "{} values or records cannot be mapped{}\n",
            self.problems.len(),
            if self.problems.is_empty() { "" } else { ":" }
        ));
        for problem in &self.problems {
            out.push_str(&format!("  {problem}\n"));
        }
        out
    }
}

/// Read an export (a folder or a .zip) of `platform` and import it.
pub async fn run(
    db: &Db,
    files: &FileStore,
    platform: Platform,
    path: &Path,
    dry_run: bool,
) -> anyhow::Result<Report> {
    let source = ExportSource::open(path)?;
    let mut report = Report {
        dry_run,
        ..Report::default()
    };
    let export = match platform {
        Platform::LeanCloud => leancloud::read(&source, &mut report)?,
        Platform::CloudBase => cloudbase::read(&source, &mut report)?,
    };
    apply(db, files, export, &mut report).await?;
    Ok(report)
}
