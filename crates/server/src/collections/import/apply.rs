//! Writing an export: users found or created, files copied into the file store, collections
//! created or extended, records inserted or updated by their source ids (or, in a dry run, all
//! of it planned and reported without writing).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::mapping::{as_json, collection_name, describe, field_name, infer, short};
use super::{Export, Report, SValue};
use crate::collections::model::{CollectionSpec, FieldDef, FieldType, Rules, USERS_TARGET};
use crate::collections::repo;
use crate::collections::sql::{valid_name, Ident};
use crate::collections::{definitions, values};
use crate::store::objects::FileStore;
use crate::store::Db;

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
                        definitions::get_collection(db, &spec.name)
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
                        definitions::create_collection(db, new.clone())
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
                            definitions::update_collection(db, &spec.name, current.clone(), false)
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
                match values::to_sql(field, &json, None) {
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

fn app_error(err: crate::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", err.message())
}

fn select_error(err: repo::SelectError) -> anyhow::Error {
    match err {
        repo::SelectError::Db(e) => e.into(),
        repo::SelectError::Expr(e) => anyhow::anyhow!("{e}"),
    }
}
