//! CloudBase's (WeChat cloud development's) database export: one file per collection
//! (`todos.json`), JSON lines, documents with `_id`, the creator's `_openid`, and extended JSON
//! for dates (`{"$date": ...}`). Every collection becomes a collection; every `_openid` becomes a
//! user with that openid (so WeChat login finds them) and the record's owner. File ids
//! (`cloud://env.bucket/path/a.png`) become files, whose bytes are looked for under `files/path/`
//! in the export.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::source::{json_objects, ExportSource};
use super::{Export, Report, SValue, SourceClass, SourceFile, SourceRecord, SourceUser};

fn date(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.with_timezone(&Utc)),
        Value::Number(n) => DateTime::<Utc>::from_timestamp_millis(n.as_i64()?),
        Value::Object(o) => o
            .get("$numberLong")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<i64>().ok())
            .and_then(DateTime::<Utc>::from_timestamp_millis),
        _ => None,
    }
}

fn file_path(file_id: &str) -> Option<&str> {
    let rest = file_id.strip_prefix("cloud://")?;
    rest.split_once('/')
        .map(|(_, path)| path)
        .filter(|p| !p.is_empty())
}

fn value(v: &Value, at: &str, files: &mut BTreeSet<String>, report: &mut Report) -> SValue {
    match v {
        Value::Null => SValue::Null,
        Value::Bool(b) => SValue::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(SValue::Null, SValue::Num),
        Value::String(s) if s.starts_with("cloud://") => {
            if file_path(s).is_some() {
                files.insert(s.clone());
                SValue::File(s.clone())
            } else {
                report
                    .problems
                    .push(format!("{at}: '{s}' is not a file id"));
                SValue::Text(s.clone())
            }
        }
        Value::String(s) => SValue::Text(s.clone()),
        Value::Object(o) if o.len() == 1 && o.contains_key("$date") => match date(&o["$date"]) {
            Some(d) => SValue::Date(d),
            None => {
                report
                    .problems
                    .push(format!("{at}: a $date that is not a date"));
                SValue::Null
            }
        },
        Value::Object(o) if o.len() == 1 => {
            let (key, inner) = o
                .iter()
                .next()
                .map_or(("", &Value::Null), |(k, v)| (k.as_str(), v));
            match (key, inner.as_str()) {
                ("$numberLong" | "$numberInt" | "$numberDouble" | "$numberDecimal", Some(text)) => {
                    text.parse::<f64>().map_or(SValue::Null, SValue::Num)
                }
                ("$oid", Some(text)) => SValue::Text(text.to_string()),
                _ => SValue::Json(v.clone()),
            }
        }
        _ => SValue::Json(v.clone()),
    }
}

fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("$oid").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

pub fn read(source: &ExportSource, report: &mut Report) -> anyhow::Result<Export> {
    let mut export = Export {
        creator_rules: true,
        ..Export::default()
    };
    let mut collections: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for path in source.paths() {
        if path.starts_with("files/") {
            continue;
        }
        let file = path.rsplit('/').next().unwrap_or(&path);
        if !(file.ends_with(".json") || file.ends_with(".jsonl")) {
            continue;
        }
        let name = file.split('.').next().unwrap_or("").to_string();
        if name.is_empty() {
            continue;
        }
        let rows = json_objects(&source.read(&path)?, &path)?;
        collections.entry(name).or_default().extend(rows);
    }
    anyhow::ensure!(
        !collections.is_empty(),
        "no collection files (<collection>.json, JSON lines) in the export"
    );
    let mut openids: BTreeSet<String> = BTreeSet::new();
    let mut file_ids: BTreeSet<String> = BTreeSet::new();
    for (name, rows) in collections {
        let mut records = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let Some(object) = row.as_object() else {
                report
                    .problems
                    .push(format!("{name} line {}: not an object", i + 1));
                continue;
            };
            let Some(id) = object.get("_id").and_then(id_of) else {
                report
                    .problems
                    .push(format!("{name} line {}: no _id; skipped", i + 1));
                continue;
            };
            let owner = object
                .get("_openid")
                .and_then(Value::as_str)
                .filter(|o| !o.is_empty())
                .map(str::to_string);
            if let Some(openid) = &owner {
                openids.insert(openid.clone());
            }
            let mut fields = BTreeMap::new();
            for (key, v) in object {
                if matches!(key.as_str(), "_id" | "_openid") {
                    continue;
                }
                let at = format!("{name}/{id}: {key}");
                fields.insert(key.clone(), value(v, &at, &mut file_ids, report));
            }
            records.push(SourceRecord {
                source_id: id,
                created_at: None,
                updated_at: None,
                fields,
                owner,
            });
        }
        export.classes.push(SourceClass { name, records });
    }
    for openid in openids {
        export.users.push(SourceUser {
            source_id: openid.clone(),
            openid,
            unionid: None,
            nickname: String::new(),
            avatar_url: String::new(),
            created_at: None,
        });
    }
    for file_id in file_ids {
        let path = file_path(&file_id).unwrap_or("").to_string();
        let name = path.rsplit('/').next().unwrap_or(&path).to_string();
        let candidates = [format!("files/{path}"), format!("files/{name}")];
        let found = candidates.iter().find(|c| source.exists(c));
        let bytes = match found {
            Some(p) => Some(source.read(p)?),
            None => None,
        };
        export.files.push(SourceFile {
            source_id: file_id,
            name,
            bytes,
            looked_in: candidates.join(", "),
        });
    }
    Ok(export)
}
