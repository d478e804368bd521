//! How an export's names and values map onto collections: source names to field and collection
//! names, a field's type inferred from the values it holds, and values shown in a report.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::SValue;
use crate::collections::model::{CollectionSpec, FieldDef, FieldType, USERS_TARGET};
use crate::collections::sql::{RESERVED_COLLECTIONS, RESERVED_FIELDS};

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
pub(super) fn infer(values: &[&SValue], class_names: &BTreeMap<String, String>) -> FieldDef {
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
                field.max_length = Some(crate::collections::model::MAX_TEXT_LENGTH);
            }
            FieldType::Text
        }
        _ => FieldType::Json,
    };
    field
}

/// A value as JSON, for json fields (and for the checks of other types).
pub(super) fn as_json(value: &SValue) -> Value {
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

pub(super) fn describe(spec: &CollectionSpec) -> String {
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

pub(super) fn short(value: &SValue) -> String {
    let text = as_json(value).to_string();
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collections::sql::valid_name;

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
