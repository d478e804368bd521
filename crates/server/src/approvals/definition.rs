//! What a template defines, and the checks on it: typed form fields, ordered steps with their
//! approvers and optional conditions. A template is checked when it is saved (422 naming the
//! problem, e.g. `steps[1].condition.field: ...`); a form is checked against it when a request is
//! submitted (422 naming the field, e.g. `form.amount: ...`).

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::users::model::Role;

pub const MAX_FIELDS: usize = 50;
pub const MAX_STEPS: usize = 20;
pub const MAX_APPROVER_SPECS: usize = 20;
const MAX_OPTIONS: usize = 50;
const DEFAULT_TEXT_MAX: i64 = 1000;
const TEXT_MAX_LIMIT: i64 = 10_000;
const DEFAULT_ATTACHMENTS_MAX: i64 = 9;
const ATTACHMENTS_MAX_LIMIT: i64 = 50;
/// 999,999,999,999.99: twelve integer digits.
const MONEY_MAX_CENTS: i64 = 99_999_999_999_999;

/// The type of a form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// A string; `min`/`max` bound its length in characters (default at most 1000).
    Text,
    /// A JSON number; `min`/`max` bound its value.
    Number,
    /// An amount of money as a decimal string with at most two decimals (`"1234.5"`,
    /// `"1234.50"`), stored as `"1234.50"`; JSON numbers are refused (floating point).
    /// `min`/`max` are amounts (string or number).
    Money,
    /// `{"start":"2026-12-01","end":"2026-12-03"}`: RFC 3339 full dates, start <= end.
    DateRange,
    /// One of `options`.
    Choice,
    /// A list of file ids or http(s) URLs (the files API does not exist yet, so they are stored
    /// as given); `min`/`max` bound the count (default at most 9).
    Attachments,
}

/// One field of a template's form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The key of the value in the submitted form: `a-z`, `0-9` and `_`, starting with a letter.
    pub key: String,
    /// What the mini-program shows.
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// A required field must be present, not null, and not empty.
    #[serde(default)]
    pub required: bool,
    /// Lower bound: characters (text), value (number), amount (money), count (attachments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub min: Option<Value>,
    /// Upper bound, like `min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub max: Option<Value>,
    /// The allowed values of a choice field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
}

/// How the approvers of a step decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepMode {
    /// One approver.
    Single,
    /// Countersign (会签): every approver must approve.
    All,
    /// Any of them (或签): the first approval completes the step.
    Any,
}

impl StepMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::All => "all",
            Self::Any => "any",
        }
    }
}

/// Who approves: a named user, everyone holding a role, the applicant's manager, or the head of
/// a department (the applicant's own when `department_id` is omitted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ApproverSpec {
    User {
        user_id: i64,
    },
    Role {
        role: Role,
    },
    Manager,
    DepartmentHead {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        department_id: Option<i64>,
    },
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum CompareOp {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl CompareOp {
    fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Self::Gt => ordering == Greater,
            Self::Ge => ordering != Less,
            Self::Lt => ordering == Less,
            Self::Le => ordering != Greater,
            Self::Eq => ordering == Equal,
            Self::Ne => ordering != Equal,
        }
    }
}

/// When a step applies: a comparison of a required number or money field with a constant
/// (`>`, `>=`, `<`, `<=`, `==`, `!=`), or (in)equality of a required choice field with one of
/// its options (`==`, `!=`). A step without a condition always applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub op: CompareOp,
    #[schema(value_type = Object)]
    pub value: Value,
}

/// One step of the flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    pub name: String,
    pub mode: StepMode,
    pub approvers: Vec<ApproverSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
}

/// The form and the flow of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Definition {
    pub fields: Vec<FieldDef>,
    pub steps: Vec<StepDef>,
}

/// What a request keeps of its template: the definition as it was when it was submitted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TemplateSnapshot {
    pub id: i64,
    pub version: i32,
    pub name: String,
    pub fields: Vec<FieldDef>,
    pub steps: Vec<StepDef>,
}

fn invalid(path: &str, problem: impl std::fmt::Display) -> AppError {
    AppError::validation(path, problem)
}

fn is_key(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && text.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_label(path: &str, text: &str, max: usize) -> AppResult<()> {
    let count = text.trim().chars().count();
    if count == 0 || text.chars().count() > max {
        return Err(invalid(path, format!("length must be between 1 and {max}")));
    }
    Ok(())
}

/// An integer bound (text length, attachment count).
fn count_bound(path: &str, value: Option<&Value>, limit: i64) -> AppResult<Option<i64>> {
    match value {
        None => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if (0..=limit).contains(&n) => Ok(Some(n)),
            _ => Err(invalid(
                path,
                format!("must be an integer between 0 and {limit}"),
            )),
        },
    }
}

fn number_bound(path: &str, value: Option<&Value>) -> AppResult<Option<f64>> {
    match value {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| invalid(path, "must be a number")),
    }
}

fn money_bound(path: &str, value: Option<&Value>) -> AppResult<Option<i64>> {
    match value {
        None => Ok(None),
        Some(v) => money_constant(v)
            .map(Some)
            .ok_or_else(|| invalid(path, "must be an amount like \"5000.00\" or 5000")),
    }
}

/// Parse "1234", "1234.5" or "1234.56" into cents; None for anything else (signs, exponents,
/// three decimals, more than twelve integer digits).
pub fn parse_money(text: &str) -> Option<i64> {
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || whole.len() > 12 || fraction.len() > 2 {
        return None;
    }
    if text.contains('.') && !digits(fraction) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut cents = whole.checked_mul(100)?;
    match fraction.len() {
        1 => cents += fraction.parse::<i64>().ok()? * 10,
        2 => cents += fraction.parse::<i64>().ok()?,
        _ => {}
    }
    (cents <= MONEY_MAX_CENTS).then_some(cents)
}

pub fn format_money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A money constant in a template (bounds, conditions): a decimal string or a JSON number.
fn money_constant(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => parse_money(s),
        Value::Number(n) => parse_money(&n.to_string()),
        _ => None,
    }
}

/// Check a template's form and flow. Existence of the users and departments it names is
/// checked by the caller (it needs the database).
pub fn check_definition(definition: &Definition) -> AppResult<()> {
    let fields = &definition.fields;
    if fields.is_empty() || fields.len() > MAX_FIELDS {
        return Err(invalid(
            "fields",
            format!("a template has 1 to {MAX_FIELDS} fields"),
        ));
    }
    let mut keys = HashSet::new();
    for (i, field) in fields.iter().enumerate() {
        let path = |name: &str| format!("fields[{i}].{name}");
        if !is_key(&field.key) {
            return Err(invalid(
                &path("key"),
                "must be 1-32 characters of a-z, 0-9 or '_', starting with a letter",
            ));
        }
        if !keys.insert(field.key.as_str()) {
            return Err(invalid(
                &path("key"),
                format!("'{}' is used by another field", field.key),
            ));
        }
        check_label(&path("label"), &field.label, 64)?;
        let (min, max) = (field.min.as_ref(), field.max.as_ref());
        if field.kind != FieldType::Choice && field.options.is_some() {
            return Err(invalid(&path("options"), "only choice fields have options"));
        }
        match field.kind {
            FieldType::Text => {
                let lo = count_bound(&path("min"), min, TEXT_MAX_LIMIT)?;
                let hi = count_bound(&path("max"), max, TEXT_MAX_LIMIT)?;
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    if lo > hi {
                        return Err(invalid(&path("min"), "must not exceed max"));
                    }
                }
            }
            FieldType::Attachments => {
                let lo = count_bound(&path("min"), min, ATTACHMENTS_MAX_LIMIT)?;
                let hi = count_bound(&path("max"), max, ATTACHMENTS_MAX_LIMIT)?;
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    if lo > hi {
                        return Err(invalid(&path("min"), "must not exceed max"));
                    }
                }
            }
            FieldType::Number => {
                let lo = number_bound(&path("min"), min)?;
                let hi = number_bound(&path("max"), max)?;
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    if lo > hi {
                        return Err(invalid(&path("min"), "must not exceed max"));
                    }
                }
            }
            FieldType::Money => {
                let lo = money_bound(&path("min"), min)?;
                let hi = money_bound(&path("max"), max)?;
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    if lo > hi {
                        return Err(invalid(&path("min"), "must not exceed max"));
                    }
                }
            }
            FieldType::DateRange => {
                if min.is_some() || max.is_some() {
                    return Err(invalid(
                        &path(if min.is_some() { "min" } else { "max" }),
                        "date_range fields take no bounds",
                    ));
                }
            }
            FieldType::Choice => {
                if min.is_some() || max.is_some() {
                    return Err(invalid(
                        &path(if min.is_some() { "min" } else { "max" }),
                        "choice fields take no bounds",
                    ));
                }
                let options = field.options.as_deref().unwrap_or_default();
                if options.is_empty() || options.len() > MAX_OPTIONS {
                    return Err(invalid(
                        &path("options"),
                        format!("a choice field has 1 to {MAX_OPTIONS} options"),
                    ));
                }
                let mut seen = HashSet::new();
                for (j, option) in options.iter().enumerate() {
                    check_label(&format!("fields[{i}].options[{j}]"), option, 64)?;
                    if !seen.insert(option.as_str()) {
                        return Err(invalid(
                            &format!("fields[{i}].options[{j}]"),
                            format!("'{option}' is listed twice"),
                        ));
                    }
                }
            }
        }
    }

    let steps = &definition.steps;
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err(invalid(
            "steps",
            format!("a template has 1 to {MAX_STEPS} steps"),
        ));
    }
    for (i, step) in steps.iter().enumerate() {
        let path = |name: &str| format!("steps[{i}].{name}");
        check_label(&path("name"), &step.name, 64)?;
        if step.approvers.is_empty() || step.approvers.len() > MAX_APPROVER_SPECS {
            return Err(invalid(
                &path("approvers"),
                format!("a step has 1 to {MAX_APPROVER_SPECS} approvers"),
            ));
        }
        if step.mode == StepMode::Single {
            if step.approvers.len() != 1 {
                return Err(invalid(
                    &path("approvers"),
                    "a single step has exactly one approver; use mode all or any for several",
                ));
            }
            if matches!(step.approvers[0], ApproverSpec::Role { .. }) {
                return Err(invalid(
                    &format!("steps[{i}].approvers[0]"),
                    "a role can name several people; use mode all or any",
                ));
            }
        }
        let mut seen = HashSet::new();
        for (j, approver) in step.approvers.iter().enumerate() {
            let at = format!("steps[{i}].approvers[{j}]");
            if !seen.insert(approver) {
                return Err(invalid(&at, "is listed twice"));
            }
            match approver {
                ApproverSpec::Role { role: Role::User } => {
                    return Err(invalid(
                        &format!("{at}.role"),
                        "every user holds the role user; name moderator or admin",
                    ))
                }
                ApproverSpec::User { user_id }
                | ApproverSpec::DepartmentHead {
                    department_id: Some(user_id),
                } if *user_id <= 0 => return Err(invalid(&at, "ids are positive")),
                _ => {}
            }
        }
        if let Some(condition) = &step.condition {
            check_condition(i, condition, fields)?;
        }
    }
    Ok(())
}

fn check_condition(step: usize, condition: &Condition, fields: &[FieldDef]) -> AppResult<()> {
    let path = |name: &str| format!("steps[{step}].condition.{name}");
    let Some(field) = fields.iter().find(|f| f.key == condition.field) else {
        return Err(invalid(
            &path("field"),
            format!("no field '{}' in the form", condition.field),
        ));
    };
    if !field.required {
        return Err(invalid(
            &path("field"),
            format!("'{}' must be a required field to decide a step", field.key),
        ));
    }
    match field.kind {
        FieldType::Number => {
            if condition.value.as_f64().is_none_or(|f| !f.is_finite()) {
                return Err(invalid(&path("value"), "must be a number"));
            }
        }
        FieldType::Money => {
            if money_constant(&condition.value).is_none() {
                return Err(invalid(
                    &path("value"),
                    "must be an amount like \"5000.00\" or 5000",
                ));
            }
        }
        FieldType::Choice => {
            if !matches!(condition.op, CompareOp::Eq | CompareOp::Ne) {
                return Err(invalid(
                    &path("op"),
                    "a choice field is compared with == or !=",
                ));
            }
            let options = field.options.as_deref().unwrap_or_default();
            match condition.value.as_str() {
                Some(v) if options.iter().any(|o| o == v) => {}
                _ => {
                    return Err(invalid(
                        &path("value"),
                        format!("must be one of the options of '{}'", field.key),
                    ))
                }
            }
        }
        _ => {
            return Err(invalid(
                &path("field"),
                "conditions compare number, money or choice fields",
            ))
        }
    }
    Ok(())
}

/// Does the step apply to this (validated) form?
pub fn condition_met(
    condition: &Condition,
    fields: &[FieldDef],
    form: &Map<String, Value>,
) -> bool {
    let Some(field) = fields.iter().find(|f| f.key == condition.field) else {
        return false;
    };
    let Some(value) = form.get(&field.key) else {
        return false;
    };
    let ordering = match field.kind {
        FieldType::Number => match (value.as_f64(), condition.value.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => None,
        },
        FieldType::Money => match (money_constant(value), money_constant(&condition.value)) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => None,
        },
        FieldType::Choice => match (value.as_str(), condition.value.as_str()) {
            (Some(a), Some(b)) => Some(if a == b {
                std::cmp::Ordering::Equal
            } else {
                std::cmp::Ordering::Less
            }),
            _ => None,
        },
        _ => None,
    };
    ordering.is_some_and(|o| condition.op.holds(o))
}

/// Check a submitted form against the fields; returns the values to store (money normalised to
/// two decimals, absent optional fields left out). Unknown keys are refused.
pub fn check_form(fields: &[FieldDef], form: &Value) -> AppResult<Map<String, Value>> {
    let Some(given) = form.as_object() else {
        return Err(invalid("form", "must be an object of field values"));
    };
    if let Some(unknown) = given.keys().find(|k| !fields.iter().any(|f| &f.key == *k)) {
        return Err(invalid(
            &format!("form.{unknown}"),
            "is not a field of this template",
        ));
    }
    let mut out = Map::new();
    for field in fields {
        let path = format!("form.{}", field.key);
        let value = given.get(&field.key).filter(|v| !v.is_null());
        let Some(value) = value else {
            if field.required {
                return Err(invalid(&path, "is required"));
            }
            continue;
        };
        if let Some(checked) = check_value(field, &path, value)? {
            out.insert(field.key.clone(), checked);
        } else if field.required {
            return Err(invalid(&path, "is required"));
        }
    }
    Ok(out)
}

/// One value; Ok(None) for an empty value (empty text, empty list) of any field.
fn check_value(field: &FieldDef, path: &str, value: &Value) -> AppResult<Option<Value>> {
    let bound_i = |v: &Option<Value>| v.as_ref().and_then(Value::as_i64);
    match field.kind {
        FieldType::Text => {
            let Some(text) = value.as_str() else {
                return Err(invalid(path, "must be a string"));
            };
            if text.trim().is_empty() {
                return Ok(None);
            }
            let count = text.chars().count() as i64;
            let min = bound_i(&field.min).unwrap_or(0);
            let max = bound_i(&field.max).unwrap_or(DEFAULT_TEXT_MAX);
            if count < min || count > max {
                return Err(invalid(
                    path,
                    format!("length must be between {min} and {max}"),
                ));
            }
            Ok(Some(Value::String(text.to_string())))
        }
        FieldType::Number => {
            let Some(number) = value.as_f64().filter(|f| f.is_finite()) else {
                return Err(invalid(path, "must be a number"));
            };
            if let Some(min) = field.min.as_ref().and_then(Value::as_f64) {
                if number < min {
                    return Err(invalid(path, format!("must be at least {min}")));
                }
            }
            if let Some(max) = field.max.as_ref().and_then(Value::as_f64) {
                if number > max {
                    return Err(invalid(path, format!("must be at most {max}")));
                }
            }
            Ok(Some(value.clone()))
        }
        FieldType::Money => {
            let Some(cents) = value.as_str().and_then(parse_money) else {
                return Err(invalid(
                    path,
                    "must be an amount as a string with at most two decimals, like \"1234.50\"",
                ));
            };
            if let Some(min) = field.min.as_ref().and_then(money_constant) {
                if cents < min {
                    return Err(invalid(
                        path,
                        format!("must be at least {}", format_money(min)),
                    ));
                }
            }
            if let Some(max) = field.max.as_ref().and_then(money_constant) {
                if cents > max {
                    return Err(invalid(
                        path,
                        format!("must be at most {}", format_money(max)),
                    ));
                }
            }
            Ok(Some(Value::String(format_money(cents))))
        }
        FieldType::DateRange => {
            let Some(range) = value.as_object() else {
                return Err(invalid(
                    path,
                    "must be {\"start\":\"YYYY-MM-DD\",\"end\":\"YYYY-MM-DD\"}",
                ));
            };
            if let Some(other) = range.keys().find(|k| *k != "start" && *k != "end") {
                return Err(invalid(&format!("{path}.{other}"), "is not start or end"));
            }
            let date = |name: &str| -> AppResult<NaiveDate> {
                let at = format!("{path}.{name}");
                let text = range
                    .get(name)
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid(&at, "is required, as YYYY-MM-DD"))?;
                if text.len() != 10 {
                    return Err(invalid(&at, "must be a date as YYYY-MM-DD"));
                }
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| invalid(&at, "must be a date as YYYY-MM-DD"))
            };
            let start = date("start")?;
            let end = date("end")?;
            if end < start {
                return Err(invalid(&format!("{path}.end"), "must not be before start"));
            }
            Ok(Some(serde_json::json!({
                "start": start.format("%Y-%m-%d").to_string(),
                "end": end.format("%Y-%m-%d").to_string(),
            })))
        }
        FieldType::Choice => {
            let options = field.options.as_deref().unwrap_or_default();
            match value.as_str() {
                Some(v) if options.iter().any(|o| o == v) => Ok(Some(value.clone())),
                _ => Err(invalid(
                    path,
                    format!("must be one of: {}", options.join(", ")),
                )),
            }
        }
        FieldType::Attachments => {
            let Some(items) = value.as_array() else {
                return Err(invalid(path, "must be a list of file ids or URLs"));
            };
            if items.is_empty() {
                return Ok(None);
            }
            let min = bound_i(&field.min).unwrap_or(0);
            let max = bound_i(&field.max).unwrap_or(DEFAULT_ATTACHMENTS_MAX);
            let count = items.len() as i64;
            if count < min || count > max {
                return Err(invalid(
                    path,
                    format!("must hold between {min} and {max} files"),
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let ok = item.as_str().is_some_and(is_attachment);
                if !ok {
                    return Err(invalid(
                        &format!("{path}[{i}]"),
                        "must be a file id (1-128 of A-Z, a-z, 0-9, '.', '_', '-') or an http(s) URL",
                    ));
                }
            }
            Ok(Some(value.clone()))
        }
    }
}

fn is_attachment(text: &str) -> bool {
    if text.contains("://") {
        return text.len() <= 512
            && url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    }
    (1..=128).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn expense() -> Definition {
        serde_json::from_value(json!({
            "fields": [
                {"key": "amount", "label": "金额", "type": "money", "required": true, "min": "0.01"},
                {"key": "kind", "label": "类别", "type": "choice", "required": true, "options": ["travel", "office"]},
                {"key": "days", "label": "天数", "type": "number", "min": 0, "max": 30},
                {"key": "period", "label": "日期", "type": "date_range"},
                {"key": "reason", "label": "事由", "type": "text", "max": 10},
                {"key": "files", "label": "附件", "type": "attachments", "max": 2}
            ],
            "steps": [
                {"name": "manager", "mode": "single", "approvers": [{"type": "manager"}]},
                {"name": "finance", "mode": "all", "approvers": [{"type": "user", "user_id": 1}, {"type": "role", "role": "admin"}],
                 "condition": {"field": "amount", "op": ">", "value": 5000}}
            ]
        }))
        .unwrap()
    }

    fn message(err: AppError) -> String {
        err.message().to_string()
    }

    #[test]
    fn money_parses_to_cents_and_back() {
        assert_eq!(parse_money("5000"), Some(500_000));
        assert_eq!(parse_money("5000.5"), Some(500_050));
        assert_eq!(parse_money("0.01"), Some(1));
        for bad in [
            "",
            "-1",
            "1.234",
            "1e3",
            ".5",
            "5.",
            "1,000",
            " 1",
            "1234567890123",
        ] {
            assert_eq!(parse_money(bad), None, "{bad:?}");
        }
        assert_eq!(format_money(500_050), "5000.50");
        assert_eq!(format_money(7), "0.07");
    }

    #[test]
    fn a_good_template_passes_and_bad_ones_name_the_problem() {
        check_definition(&expense()).unwrap();
        let mut d = expense();
        d.steps[1].condition.as_mut().unwrap().field = "nope".into();
        assert!(message(check_definition(&d).unwrap_err()).starts_with("steps[1].condition.field"));
        let mut d = expense();
        d.steps[1].condition.as_mut().unwrap().field = "days".into();
        assert!(message(check_definition(&d).unwrap_err()).contains("required"));
        let mut d = expense();
        d.steps[0].approvers = vec![ApproverSpec::Role { role: Role::Admin }];
        assert!(message(check_definition(&d).unwrap_err()).starts_with("steps[0].approvers[0]"));
        let mut d = expense();
        d.fields[1].options = Some(vec![]);
        assert!(message(check_definition(&d).unwrap_err()).starts_with("fields[1].options"));
        let mut d = expense();
        d.fields[1].key = "amount".into();
        assert!(message(check_definition(&d).unwrap_err()).starts_with("fields[1].key"));
        let mut d = expense();
        d.steps[1].condition = Some(Condition {
            field: "kind".into(),
            op: CompareOp::Gt,
            value: json!("travel"),
        });
        assert!(message(check_definition(&d).unwrap_err()).starts_with("steps[1].condition.op"));
    }

    #[test]
    fn forms_are_checked_field_by_field() {
        let d = expense();
        let ok = check_form(
            &d.fields,
            &json!({"amount": "6000.5", "kind": "travel", "period": {"start": "2026-12-01", "end": "2026-12-03"}, "files": ["f_1", "https://x.example/a.pdf"]}),
        )
        .unwrap();
        assert_eq!(ok["amount"], "6000.50");
        assert!(condition_met(
            d.steps[1].condition.as_ref().unwrap(),
            &d.fields,
            &ok
        ));
        let small = check_form(&d.fields, &json!({"amount": "5000", "kind": "office"})).unwrap();
        assert!(!condition_met(
            d.steps[1].condition.as_ref().unwrap(),
            &d.fields,
            &small
        ));
        let cases = [
            (json!({"kind": "travel"}), "form.amount: is required"),
            (json!({"amount": 12, "kind": "travel"}), "form.amount:"),
            (
                json!({"amount": "0.00", "kind": "travel"}),
                "form.amount: must be at least 0.01",
            ),
            (json!({"amount": "1", "kind": "boat"}), "form.kind:"),
            (
                json!({"amount": "1", "kind": "travel", "days": 31}),
                "form.days:",
            ),
            (
                json!({"amount": "1", "kind": "travel", "reason": "x".repeat(11)}),
                "form.reason:",
            ),
            (
                json!({"amount": "1", "kind": "travel", "period": {"start": "2026-12-03", "end": "2026-12-01"}}),
                "form.period.end:",
            ),
            (
                json!({"amount": "1", "kind": "travel", "period": {"start": "2026-13-01", "end": "2026-12-01"}}),
                "form.period.start:",
            ),
            (
                json!({"amount": "1", "kind": "travel", "files": ["a", "b", "c"]}),
                "form.files:",
            ),
            (
                json!({"amount": "1", "kind": "travel", "files": ["ftp://x/y"]}),
                "form.files[0]:",
            ),
            (
                json!({"amount": "1", "kind": "travel", "extra": 1}),
                "form.extra:",
            ),
            (json!([1]), "form:"),
        ];
        for (form, expected) in cases {
            let err = message(check_form(&d.fields, &form).unwrap_err());
            assert!(err.starts_with(expected), "{form}: {err}");
        }
    }
}
