//! LeanCloud's data export: one file per class (`Todo.json`, `_User.0.jsonl`, ...) holding JSON
//! lines (or a JSON array, or `{"results": [...]}`), objects with `objectId`, `createdAt`,
//! `updatedAt`, `ACL` and typed values (`{"__type": "Date" | "Pointer" | "File" | ...}`).
//! `_User` rows become users (their mini-program identity is `authData.lc_weapp`: openid and
//! unionid), `_File` rows become files (their bytes are looked for under `files/` in the export,
//! by key, name or objectId), and every other class becomes a collection.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::source::{json_objects, ExportSource};
use super::{Export, Report, SValue, SourceClass, SourceFile, SourceRecord, SourceUser};

fn date(value: &Value) -> Option<DateTime<Utc>> {
    let text = match value {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("iso")?.as_str()?,
        _ => return None,
    };
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn value(v: &Value, at: &str, report: &mut Report) -> SValue {
    match v {
        Value::Null => SValue::Null,
        Value::Bool(b) => SValue::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(SValue::Null, SValue::Num),
        Value::String(s) => SValue::Text(s.clone()),
        Value::Array(_) => SValue::Json(v.clone()),
        Value::Object(o) => match o.get("__type").and_then(Value::as_str) {
            Some("Date") => match date(v) {
                Some(d) => SValue::Date(d),
                None => {
                    report
                        .problems
                        .push(format!("{at}: a Date without a valid iso"));
                    SValue::Null
                }
            },
            Some("Pointer") => {
                let class = o.get("className").and_then(Value::as_str).unwrap_or("");
                let id = o.get("objectId").and_then(Value::as_str).unwrap_or("");
                if class.is_empty() || id.is_empty() {
                    report
                        .problems
                        .push(format!("{at}: a Pointer without className or objectId"));
                    SValue::Null
                } else if class == "_User" {
                    SValue::UserRef(id.to_string())
                } else {
                    SValue::Ref(class.to_string(), id.to_string())
                }
            }
            Some("File") => match o
                .get("objectId")
                .or_else(|| o.get("id"))
                .and_then(Value::as_str)
            {
                Some(id) => SValue::File(id.to_string()),
                None => {
                    report
                        .problems
                        .push(format!("{at}: a File without objectId"));
                    SValue::Null
                }
            },
            Some("Relation") => {
                report.problems.push(format!(
                    "{at}: LeanCloud Relation fields are not imported (model them as a relation field on the other class)"
                ));
                SValue::Null
            }
            _ => SValue::Json(v.clone()),
        },
    }
}

/// The class a data file holds: its name up to the first dot.
fn class_of(path: &str) -> Option<String> {
    if path.starts_with("files/") {
        return None;
    }
    let file = path.rsplit('/').next()?;
    if !(file.ends_with(".json") || file.ends_with(".jsonl")) {
        return None;
    }
    let class = file.split('.').next()?;
    (!class.is_empty()).then(|| class.to_string())
}

const SKIPPED: &[&str] = &[
    "_Role",
    "_Installation",
    "_Session",
    "_Conversation",
    "_Followee",
    "_Follower",
    "_Status",
    "_SyncConversation",
    "_SysMessage",
    "_Notification",
    "_Subscriber",
];

pub fn read(source: &ExportSource, report: &mut Report) -> anyhow::Result<Export> {
    let mut export = Export::default();
    let mut classes: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for path in source.paths() {
        if let Some(class) = class_of(&path) {
            let rows = json_objects(&source.read(&path)?, &path)?;
            classes.entry(class).or_default().extend(rows);
        }
    }
    anyhow::ensure!(
        !classes.is_empty(),
        "no class files (<Class>.json or <Class>.jsonl) in the export"
    );
    let mut acl_seen = false;
    for (class, rows) in classes {
        if SKIPPED.contains(&class.as_str()) {
            report.notes.push(format!(
                "system class {class} ({} rows) is not imported",
                rows.len()
            ));
            continue;
        }
        match class.as_str() {
            "_User" => read_users(&rows, &mut export, report),
            "_File" => read_files(source, &rows, &mut export, report),
            _ => {
                let mut records = Vec::new();
                for (i, row) in rows.iter().enumerate() {
                    let Some(object) = row.as_object() else {
                        report
                            .problems
                            .push(format!("{class} row {}: not an object", i + 1));
                        continue;
                    };
                    let Some(id) = object.get("objectId").and_then(Value::as_str) else {
                        report
                            .problems
                            .push(format!("{class} row {}: no objectId; skipped", i + 1));
                        continue;
                    };
                    let mut fields = BTreeMap::new();
                    for (key, v) in object {
                        match key.as_str() {
                            "objectId" | "createdAt" | "updatedAt" => {}
                            "ACL" => acl_seen = true,
                            _ => {
                                let at = format!("{class}/{id}: {key}");
                                fields.insert(key.clone(), value(v, &at, report));
                            }
                        }
                    }
                    records.push(SourceRecord {
                        source_id: id.to_string(),
                        created_at: object.get("createdAt").and_then(date),
                        updated_at: object.get("updatedAt").and_then(date),
                        fields,
                        owner: None,
                    });
                }
                export.classes.push(SourceClass {
                    name: class,
                    records,
                });
            }
        }
    }
    if acl_seen {
        report
            .notes
            .push("ACLs are not imported: write each collection's rules instead".into());
    }
    Ok(export)
}

fn read_users(rows: &[Value], export: &mut Export, report: &mut Report) {
    let mut other_fields = false;
    for (i, row) in rows.iter().enumerate() {
        let id = row
            .get("objectId")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("row {}", i + 1));
        let weapp = row.get("authData").and_then(|a| a.get("lc_weapp"));
        let Some(openid) = weapp
            .and_then(|w| w.get("openid"))
            .and_then(Value::as_str)
            .filter(|o| !o.is_empty())
        else {
            report.problems.push(format!(
                "_User/{id}: no WeChat mini-program identity (authData.lc_weapp.openid); not imported"
            ));
            continue;
        };
        let unionid = weapp
            .and_then(|w| w.get("unionid"))
            .or_else(|| row.pointer("/authData/_weixin_unionid/uid"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let text = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| row.get(*k).and_then(Value::as_str))
                .unwrap_or("")
                .to_string()
        };
        if let Some(object) = row.as_object() {
            other_fields |= object.keys().any(|k| {
                !matches!(
                    k.as_str(),
                    "objectId"
                        | "createdAt"
                        | "updatedAt"
                        | "ACL"
                        | "authData"
                        | "username"
                        | "password"
                        | "sessionToken"
                        | "salt"
                        | "nickName"
                        | "nickname"
                        | "avatarUrl"
                        | "avatar"
                        | "emailVerified"
                        | "mobilePhoneVerified"
                )
            });
        }
        export.users.push(SourceUser {
            source_id: id,
            openid: openid.to_string(),
            unionid,
            nickname: text(&["nickName", "nickname"]),
            avatar_url: text(&["avatarUrl", "avatar"]),
            created_at: row.get("createdAt").and_then(date),
        });
    }
    if other_fields {
        report.notes.push(
            "_User fields other than the WeChat identity, nickname and avatar are not imported"
                .into(),
        );
    }
}

fn read_files(source: &ExportSource, rows: &[Value], export: &mut Export, report: &mut Report) {
    for (i, row) in rows.iter().enumerate() {
        let Some(id) = row.get("objectId").and_then(Value::as_str) else {
            report
                .problems
                .push(format!("_File row {}: no objectId; skipped", i + 1));
            continue;
        };
        let name = row
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string();
        let mut candidates = Vec::new();
        if let Some(key) = row.get("key").and_then(Value::as_str) {
            candidates.push(format!("files/{key}"));
        }
        candidates.push(format!("files/{id}/{name}"));
        candidates.push(format!("files/{id}"));
        candidates.push(format!("files/{name}"));
        let found = candidates.iter().find(|c| source.exists(c));
        let bytes = match found {
            Some(path) => match source.read(path) {
                Ok(bytes) => Some(bytes),
                Err(err) => {
                    report.problems.push(format!("_File/{id}: {err:#}"));
                    None
                }
            },
            None => None,
        };
        export.files.push(SourceFile {
            source_id: id.to_string(),
            name,
            bytes,
            looked_in: candidates.join(", "),
        });
    }
}
