//! `minibase import leancloud|cloudbase <export>`: bring a LeanCloud or CloudBase export in.
//!
//! Each platform's reader (`leancloud`, `cloudbase`) turns its export into one neutral [`Export`]:
//! users with their WeChat identity, files, and classes of records with typed values. [`apply`]
//! then infers each collection's fields, creates or extends the collections, creates the users
//! (same openid and unionid, so WeChat login finds them), copies the files into the file store
//! and writes the records, keyed by their source ids so that a rerun updates instead of
//! duplicating. A dry run goes through the same steps without writing, and reports what would
//! be created and every value or record it cannot map.

mod cloudbase;
mod leancloud;
mod source;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::model::{CollectionSpec, FieldDef, FieldType, Rules, USERS_TARGET};
use super::repo;
use super::service;
use super::sql::{valid_name, Ident, RESERVED_COLLECTIONS, RESERVED_FIELDS};
use crate::store::objects::FileStore;
use crate::store::Db;

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

/// `dueDate` -> `due_date`; anything outside `[a-z0-9_]` -> `_`; never a reserved word.
pub fn field_name(source: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in source.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            out.push('_');
            prev_lower = false;
        }
    }
    let mut name = String::new();
    for part in out.split('_').filter(|p| !p.is_empty()) {
        if !name.is_empty() {
            name.push('_');
        }
        name.push_str(part);
    }
    if name.is_empty() || !name.as_bytes()[0].is_ascii_lowercase() {
        name = format!("f_{name}");
    }
    name.truncate(36);
    while name.ends_with('_') {
        name.pop();
    }
    if RESERVED_FIELDS.contains(&name.as_str()) {
        name = format!("{name}_src");
    }
    name
}

pub fn collection_name(source: &str) -> String {
    let mut name = field_name(source);
    if name.starts_with("f_") && !source.starts_with(['f', 'F']) {
        name = format!("c{}", &name[1..]);
    }
    if RESERVED_COLLECTIONS.contains(&name.as_str()) || name.ends_with("_src") {
        name = format!("{}_data", name.trim_end_matches("_src"));
    }
    name
}

/// The type a field gets from the values seen.
fn infer(values: &[&SValue], class_names: &BTreeMap<String, String>) -> FieldDef {
    let mut kinds = BTreeSet::new();
    let mut longest = 0usize;
    let mut targets = BTreeSet::new();
    for value in values {
        match value {
            SValue::Null => {}
            SValue::Bool(_) => {
                kinds.insert("bool");
            }
            SValue::Num(_) => {
                kinds.insert("number");
            }
            SValue::Text(s) => {
                kinds.insert("text");
                longest = longest.max(s.chars().count());
            }
            SValue::Date(_) => {
                kinds.insert("date");
            }
            SValue::Json(_) => {
                kinds.insert("json");
            }
            SValue::Ref(class, _) => {
                kinds.insert("relation");
                targets.insert(class_names.get(class).cloned().unwrap_or_default());
            }
            SValue::UserRef(_) => {
                kinds.insert("relation");
                targets.insert(USERS_TARGET.to_string());
            }
            SValue::File(_) => {
                kinds.insert("file");
            }
        }
    }
    let mut field = FieldDef {
        name: String::new(),
        field_type: FieldType::Text,
        required: false,
        unique: false,
        default: None,
        max_length: None,
        target: None,
    };
    let kind = if kinds.len() == 1 {
        kinds.into_iter().next().unwrap_or("text")
    } else if kinds.is_empty() {
        "text"
    } else {
        "json"
    };
    field.field_type = match kind {
        "bool" => FieldType::Bool,
        "number" => FieldType::Number,
        "date" => FieldType::Date,
        "file" => FieldType::File,
        "relation" if targets.len() == 1 && !targets.contains("") => {
            field.target = targets.into_iter().next();
            FieldType::Relation
        }
        "text" => {
            if longest > 255 {
                field.max_length = Some(super::model::MAX_TEXT_LENGTH);
            }
            FieldType::Text
        }
        _ => FieldType::Json,
    };
    field
}

/// A value as JSON, for json fields (and for the checks of other types).
fn as_json(value: &SValue) -> Value {
    match value {
        SValue::Null => Value::Null,
        SValue::Bool(b) => Value::Bool(*b),
        SValue::Num(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        SValue::Text(s) => Value::String(s.clone()),
        SValue::Date(d) => Value::String(d.to_rfc3339()),
        SValue::Json(v) => v.clone(),
        SValue::Ref(class, id) => serde_json::json!({"class": class, "id": id}),
        SValue::UserRef(id) => serde_json::json!({"user": id}),
        SValue::File(id) => serde_json::json!({"file": id}),
    }
}

fn imported_key(source_id: &str, name: &str) -> String {
    let hash = hex::encode(Sha256::digest(source_id.as_bytes()));
    let ext: String = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| {
            !ext.is_empty() && ext.len() <= 8 && ext.chars().all(|c| c.is_ascii_alphanumeric())
        })
        .unwrap_or_else(|| "bin".into());
    format!("import-{}.{ext}", &hash[..24])
}

fn content_type(name: &str) -> &'static str {
    match name
        .rsplit('.')
        .next()
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("mp4") => "video/mp4",
        Some("mp3") => "audio/mpeg",
        Some("pdf") => "application/pdf",
        Some("txt") => "text/plain",
        _ => "application/octet-stream",
    }
}

/// Plan and write (or, in a dry run, only plan) an export.
pub async fn apply(
    db: &Db,
    store: &FileStore,
    export: Export,
    report: &mut Report,
) -> anyhow::Result<()> {
    let dry = report.dry_run;

    // Users: found by openid (an earlier import or a WeChat login), else created.
    let mut user_ids: BTreeMap<String, i64> = BTreeMap::new();
    let mut fake_id = -1i64;
    for user in &export.users {
        if let Some(id) = repo::user_by_openid(db, &user.openid).await? {
            report.users_existing += 1;
            user_ids.insert(user.source_id.clone(), id);
            continue;
        }
        report.users_created += 1;
        let id = if dry {
            fake_id -= 1;
            fake_id
        } else {
            repo::insert_user(
                db,
                &user.openid,
                user.unionid.as_deref(),
                &user.nickname.chars().take(64).collect::<String>(),
                &user.avatar_url.chars().take(512).collect::<String>(),
                user.created_at.unwrap_or_else(Utc::now),
            )
            .await?
        };
        user_ids.insert(user.source_id.clone(), id);
    }

    // Files: copied once, found again by source id.
    let mut file_keys: BTreeMap<String, String> = BTreeMap::new();
    for file in &export.files {
        if let Some(key) = repo::imported_file(db, &file.source_id).await? {
            report.files_existing += 1;
            file_keys.insert(file.source_id.clone(), key);
            continue;
        }
        let Some(bytes) = &file.bytes else {
            report.problems.push(format!(
                "file {} ({}): bytes not found in the export (looked for {})",
                file.source_id, file.name, file.looked_in
            ));
            continue;
        };
        let key = imported_key(&file.source_id, &file.name);
        report.files_copied += 1;
        if !dry {
            store.put(&key, bytes::Bytes::from(bytes.clone())).await?;
            repo::insert_imported_file(
                db,
                &key,
                &file.source_id,
                &file.name.chars().take(255).collect::<String>(),
                content_type(&file.name),
                bytes.len() as i64,
            )
            .await?;
        }
        file_keys.insert(file.source_id.clone(), key);
    }

    // Collections: names, then fields inferred from every value.
    let class_names: BTreeMap<String, String> = export
        .classes
        .iter()
        .map(|c| (c.name.clone(), collection_name(&c.name)))
        .collect();
    let mut specs: Vec<(usize, CollectionSpec, BTreeMap<String, String>)> = Vec::new();
    for (index, class) in export.classes.iter().enumerate() {
        let name = &class_names[&class.name];
        if !valid_name(name) {
            report.problems.push(format!(
                "class {}: no usable collection name; skipped",
                class.name
            ));
            continue;
        }
        if name != &class.name {
            report
                .notes
                .push(format!("class {} becomes collection {name}", class.name));
        }
        let mut source_fields: BTreeSet<&str> = BTreeSet::new();
        for record in &class.records {
            source_fields.extend(record.fields.keys().map(String::as_str));
        }
        let mut field_names: BTreeMap<String, String> = BTreeMap::new();
        let mut used: BTreeSet<String> = BTreeSet::new();
        let owned = class.records.iter().any(|r| r.owner.is_some());
        if owned {
            used.insert("owner".into());
        }
        let mut fields = Vec::new();
        for source in source_fields {
            let mut mapped = field_name(source);
            let mut n = 2;
            while used.contains(&mapped) {
                mapped = format!("{}_{n}", field_name(source));
                n += 1;
            }
            used.insert(mapped.clone());
            if mapped != source {
                report.notes.push(format!(
                    "{}.{source} becomes field {name}.{mapped}",
                    class.name
                ));
            }
            let values: Vec<&SValue> = class
                .records
                .iter()
                .filter_map(|r| r.fields.get(source))
                .collect();
            let mut field = infer(&values, &class_names);
            field.name = mapped.clone();
            fields.push(field);
            field_names.insert(source.to_string(), mapped);
        }
        if owned {
            fields.push(FieldDef {
                name: "owner".into(),
                field_type: FieldType::Relation,
                required: false,
                unique: false,
                default: None,
                max_length: None,
                target: Some(USERS_TARGET.into()),
            });
        }
        let rules = if owned && export.creator_rules {
            let mine = Some("record.owner == auth.id".to_string());
            Rules {
                list: mine.clone(),
                view: mine.clone(),
                create: Some("auth.id != null".into()),
                update: mine.clone(),
                delete: mine,
            }
        } else {
            Rules::default()
        };
        specs.push((
            index,
            CollectionSpec {
                name: name.clone(),
                fields,
                indexes: Vec::new(),
                owner_field: owned.then(|| "owner".to_string()),
                rules,
                scan_limit: None,
            },
            field_names,
        ));
    }
    if !export.creator_rules && !specs.is_empty() {
        report.notes.push(
            "access rules are not carried over (LeanCloud ACLs differ): every imported collection allows nobody but admins until you set its rules".into(),
        );
    }

    // Create or extend: first without relations to collections (targets may not exist yet),
    // then with them. Existing fields are never changed; a field whose type differs keeps
    // its type, and values that do not fit it are reported.
    let mut final_specs: BTreeMap<String, CollectionSpec> = BTreeMap::new();
    for pass in [false, true] {
        for (_, spec, _) in &specs {
            let wanted: Vec<FieldDef> = spec
                .fields
                .iter()
                .filter(|f| {
                    pass || !(f.field_type == FieldType::Relation
                        && f.target.as_deref() != Some(USERS_TARGET))
                })
                .cloned()
                .collect();
            let existing = match final_specs.get(&spec.name) {
                Some(s) => Some(s.clone()),
                None => match repo::find_definition(db, &spec.name).await? {
                    Some(_) => Some(
                        service::get_collection(db, &spec.name)
                            .await
                            .map_err(app_error)?
                            .spec,
                    ),
                    None => None,
                },
            };
            match existing {
                None => {
                    let mut new = spec.clone();
                    new.fields = wanted;
                    if !pass {
                        report.collections_created.push(describe(spec));
                    }
                    if !dry {
                        service::create_collection(db, new.clone())
                            .await
                            .map_err(app_error)?;
                    }
                    final_specs.insert(spec.name.clone(), new);
                }
                Some(mut current) => {
                    let mut added = Vec::new();
                    for field in wanted {
                        match current.field(&field.name) {
                            None => {
                                added.push(field.name.clone());
                                current.fields.push(field);
                            }
                            Some(have)
                                if have.field_type != field.field_type
                                    || have.target != field.target =>
                            {
                                report.problems.push(format!(
                                    "{}.{}: the collection has it as {}, the export as {}; values that do not fit are left out",
                                    spec.name, field.name, have.field_type.as_str(), field.field_type.as_str()
                                ));
                            }
                            Some(_) => {}
                        }
                    }
                    if current.owner_field.is_none()
                        && spec.owner_field.is_some()
                        && current.field("owner").is_some()
                    {
                        current.owner_field = spec.owner_field.clone();
                    }
                    if !added.is_empty() {
                        let already_new = report
                            .collections_created
                            .iter()
                            .any(|c| c.starts_with(&format!("{} ", spec.name)));
                        if !already_new {
                            report.collections_extended.push(format!(
                                "{} (new fields: {})",
                                spec.name,
                                added.join(", ")
                            ));
                        }
                        if !dry {
                            service::update_collection(db, &spec.name, current.clone(), false)
                                .await
                                .map_err(app_error)?;
                        }
                    }
                    final_specs.insert(spec.name.clone(), current);
                }
            }
        }
    }

    // Records, pass 1: everything but relations to collections; ids by source id.
    let mut record_ids: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (index, spec, field_names) in &specs {
        let class = &export.classes[*index];
        let Some(spec_now) = final_specs.get(&spec.name) else {
            continue;
        };
        let table = repo::table_of(&spec.name)?;
        let exists = repo::find_definition(db, &spec.name).await?.is_some();
        for record in &class.records {
            let mut columns: Vec<(Ident, sea_orm::Value)> = Vec::new();
            let mut values: Vec<(&FieldDef, &SValue, &str)> = record
                .fields
                .iter()
                .filter_map(|(source, value)| {
                    let mapped = field_names.get(source)?;
                    spec_now.field(mapped).map(|f| (f, value, source.as_str()))
                })
                .collect();
            let owner_value = record.owner.as_ref().map(|o| SValue::UserRef(o.clone()));
            if let (Some(owner), Some(field)) = (&owner_value, spec_now.field("owner")) {
                values.push((field, owner, "owner"));
            }
            for (field, value, source) in values {
                if field.field_type == FieldType::Relation
                    && field.target.as_deref() != Some(USERS_TARGET)
                {
                    continue;
                }
                let at = format!("{}/{}: {source}", class.name, record.source_id);
                let json = match (field.field_type, value) {
                    (_, SValue::Null) => Value::Null,
                    (FieldType::Json, v) => as_json(v),
                    (FieldType::Relation, SValue::UserRef(user)) => match user_ids.get(user) {
                        Some(id) => Value::from(*id),
                        None => {
                            report
                                .problems
                                .push(format!("{at}: points at user {user}, who is not imported"));
                            continue;
                        }
                    },
                    (FieldType::File, SValue::File(file)) => match file_keys.get(file) {
                        Some(key) => Value::String(key.clone()),
                        None => {
                            report
                                .problems
                                .push(format!("{at}: file {file} was not imported (see above)"));
                            continue;
                        }
                    },
                    (FieldType::Date, SValue::Date(d)) => Value::String(d.to_rfc3339()),
                    (FieldType::Text, SValue::Text(_))
                    | (FieldType::Number, SValue::Num(_))
                    | (FieldType::Bool, SValue::Bool(_)) => as_json(value),
                    (t, v) => {
                        report.problems.push(format!(
                            "{at}: {} does not fit a {} field",
                            short(v),
                            t.as_str()
                        ));
                        continue;
                    }
                };
                if dry && matches!(json, Value::Number(ref n) if n.as_i64().is_some_and(|i| i < 0))
                {
                    // A user that a dry run did not create: nothing to check.
                    continue;
                }
                match service::to_sql(field, &json, None) {
                    Ok(sql) => {
                        if let Some(ident) = Ident::column(&field.name) {
                            columns.push((ident, sql));
                        }
                    }
                    Err(problem) => report.problems.push(format!("{at}: {problem}")),
                }
            }
            let created = record.created_at.unwrap_or_else(Utc::now);
            let updated = record.updated_at.unwrap_or(created);
            let found = if exists {
                repo::find_by_source(db, &table, &record.source_id).await?
            } else {
                None
            };
            let id = match found {
                Some(id) => {
                    report.records_updated += 1;
                    if !dry {
                        repo::update(db, &table, id, &columns, updated, None)
                            .await
                            .map_err(select_error)?;
                    }
                    id
                }
                None => {
                    report.records_created += 1;
                    if dry {
                        fake_id -= 1;
                        fake_id
                    } else {
                        repo::insert(
                            db,
                            &table,
                            &columns,
                            Some(&record.source_id),
                            created,
                            updated,
                        )
                        .await?
                    }
                }
            };
            record_ids.insert((class.name.clone(), record.source_id.clone()), id);
        }
    }

    // Records, pass 2: relations to collections, now that every record has an id.
    for (index, spec, field_names) in &specs {
        let class = &export.classes[*index];
        let Some(spec_now) = final_specs.get(&spec.name) else {
            continue;
        };
        let table = repo::table_of(&spec.name)?;
        for record in &class.records {
            let Some(id) = record_ids.get(&(class.name.clone(), record.source_id.clone())) else {
                continue;
            };
            let mut columns = Vec::new();
            for (source, value) in &record.fields {
                let Some(field) = field_names.get(source).and_then(|m| spec_now.field(m)) else {
                    continue;
                };
                if field.field_type != FieldType::Relation
                    || field.target.as_deref() == Some(USERS_TARGET)
                {
                    continue;
                }
                let at = format!("{}/{}: {source}", class.name, record.source_id);
                match value {
                    SValue::Ref(target_class, target_id) => {
                        match record_ids.get(&(target_class.clone(), target_id.clone())) {
                            Some(target) if !dry => {
                                if let Some(ident) = Ident::column(&field.name) {
                                    columns.push((ident, sea_orm::Value::from(*target)));
                                }
                            }
                            Some(_) => {}
                            None => report.problems.push(format!(
                                "{at}: points at {target_class}/{target_id}, which is not in the export"
                            )),
                        }
                    }
                    SValue::Null => {}
                    other => report.problems.push(format!(
                        "{at}: {} does not fit a relation field",
                        short(other)
                    )),
                }
            }
            if !columns.is_empty() && !dry {
                let updated = record
                    .updated_at
                    .or(record.created_at)
                    .unwrap_or_else(Utc::now);
                repo::update(db, &table, *id, &columns, updated, None)
                    .await
                    .map_err(select_error)?;
            }
        }
    }
    Ok(())
}

fn describe(spec: &CollectionSpec) -> String {
    let fields: Vec<String> = spec
        .fields
        .iter()
        .map(|f| match &f.target {
            Some(t) => format!("{} relation to {t}", f.name),
            None => format!("{} {}", f.name, f.field_type.as_str()),
        })
        .collect();
    format!("{} ({})", spec.name, fields.join(", "))
}

fn short(value: &SValue) -> String {
    let text = as_json(value).to_string();
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

fn app_error(err: crate::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", err.message())
}

fn select_error(err: repo::SelectError) -> anyhow::Error {
    match err {
        repo::SelectError::Db(e) => e.into(),
        repo::SelectError::Expr(e) => anyhow::anyhow!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_mapped_to_the_pattern() {
        assert_eq!(field_name("dueDate"), "due_date");
        assert_eq!(field_name("HTMLBody"), "htmlbody");
        assert_eq!(field_name("price-usd"), "price_usd");
        assert_eq!(field_name("id"), "id_src");
        assert_eq!(field_name("2nd"), "f_2nd");
        assert_eq!(field_name("名字"), "f");
        assert_eq!(collection_name("Todo"), "todo");
        assert_eq!(collection_name("users"), "users_data");
        assert_eq!(collection_name("OrderItem"), "order_item");
        assert!(valid_name(&collection_name("2024Report")));
    }

    #[test]
    fn types_are_inferred() {
        let names = BTreeMap::from([("Cat".to_string(), "cat".to_string())]);
        let infer_of = |values: Vec<SValue>| infer(&values.iter().collect::<Vec<_>>(), &names);
        assert_eq!(
            infer_of(vec![SValue::Num(1.0), SValue::Null]).field_type,
            FieldType::Number
        );
        assert_eq!(
            infer_of(vec![SValue::Num(1.0), SValue::Text("x".into())]).field_type,
            FieldType::Json
        );
        let rel = infer_of(vec![SValue::Ref("Cat".into(), "a".into())]);
        assert_eq!(
            (rel.field_type, rel.target.as_deref()),
            (FieldType::Relation, Some("cat"))
        );
        let long = infer_of(vec![SValue::Text("x".repeat(300))]);
        assert_eq!(long.max_length, Some(65_535));
    }
}
