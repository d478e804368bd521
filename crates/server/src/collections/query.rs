//! Turning rules and filters into SQL: an [`Expr`] becomes a WHERE fragment with bound values,
//! CloudBase-style JSON conditions become an [`Expr`], and sorts become keyset conditions.
//!
//! What the caller is (`auth.id`, `auth.role`) and what it sent (`@request.body`) are known when
//! the request runs, so they are folded into constants here: a rule such as
//! `record.owner == auth.id` becomes `"owner" = $1` with the caller's id bound, and a rule that
//! only looks at the caller (`auth.role == "admin"`) becomes `1=1` or `1=0`.

use chrono::{DateTime, Utc};
use sea_orm::Value as SqlValue;
use serde_json::{Map, Value};

use super::expr::{field_kind, CmpOp, Expr, ExprError, Kind, Literal, Operand};
use super::model::CollectionSpec;
use super::sql::{Ident, Sql};

/// Who is asking, as rules see it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Caller {
    /// The user's id; None when anonymous or an admin-console account (not a user).
    pub id: Option<i64>,
    /// `user`, `moderator` or `admin`; None when anonymous.
    pub role: Option<String>,
    /// Admins bypass rules.
    pub admin: bool,
}

pub struct Ctx<'a> {
    pub spec: &'a CollectionSpec,
    pub caller: &'a Caller,
    pub body: Option<&'a Map<String, Value>>,
}

#[derive(Clone, Debug, PartialEq)]
enum Const {
    Null,
    Bool(bool),
    Num(f64),
    Text(String),
    Date(DateTime<Utc>),
}

enum Side {
    Col(Ident, Kind),
    Const(Const),
}

fn fail<T>(message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        pos: 0,
        message: message.into(),
    })
}

/// The column of a record field (system fields included).
pub fn column(spec: &CollectionSpec, name: &str) -> Result<(Ident, Kind), ExprError> {
    let kind = match field_kind(spec, name) {
        Ok(Some(kind)) => kind,
        Ok(None) => return fail(format!("unknown field '{name}'")),
        Err(message) => return fail(message),
    };
    let ident = match name {
        "id" => Ident::system("id"),
        "created_at" => Ident::system("created_at"),
        "updated_at" => Ident::system("updated_at"),
        other => match Ident::column(other) {
            Some(ident) => ident,
            None => return fail(format!("unknown field '{name}'")),
        },
    };
    Ok((ident, kind))
}

fn literal(lit: &Literal) -> Const {
    match lit {
        Literal::Null => Const::Null,
        Literal::Bool(b) => Const::Bool(*b),
        Literal::Num(n) => Const::Num(*n),
        Literal::Str(s) => Const::Text(s.clone()),
    }
}

fn side(operand: &Operand, ctx: &Ctx<'_>) -> Result<Side, ExprError> {
    Ok(match operand {
        Operand::Lit(lit) => Side::Const(literal(lit)),
        Operand::AuthId => Side::Const(
            ctx.caller
                .id
                .map_or(Const::Null, |id| Const::Num(id as f64)),
        ),
        Operand::AuthRole => Side::Const(ctx.caller.role.clone().map_or(Const::Null, Const::Text)),
        Operand::Field(name) => {
            let (ident, kind) = column(ctx.spec, name)?;
            Side::Col(ident, kind)
        }
        Operand::Body(name) => {
            let kind = field_kind(ctx.spec, name).ok().flatten();
            let value = ctx.body.and_then(|b| b.get(name));
            Side::Const(match (kind, value) {
                (_, None | Some(Value::Null)) | (None, _) => Const::Null,
                (Some(Kind::Bool), Some(Value::Bool(b))) => Const::Bool(*b),
                (Some(Kind::Num | Kind::Id), Some(Value::Number(n))) => {
                    n.as_f64().map_or(Const::Null, Const::Num)
                }
                (Some(Kind::Text), Some(Value::String(s))) => Const::Text(s.clone()),
                (Some(Kind::Date), Some(Value::String(s))) => {
                    parse_date(s).map_or(Const::Null, Const::Date)
                }
                _ => Const::Null,
            })
        }
    })
}

pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Compare two constants the way SQL would compare the column (null equals only null).
fn eval(op: CmpOp, a: &Const, b: &Const) -> bool {
    use std::cmp::Ordering;
    let as_date = |c: &Const| match c {
        Const::Date(d) => Some(*d),
        Const::Text(s) => parse_date(s),
        _ => None,
    };
    if matches!(a, Const::Null) || matches!(b, Const::Null) {
        let both = matches!(a, Const::Null) && matches!(b, Const::Null);
        return match op {
            CmpOp::Eq => both,
            CmpOp::Ne => !both,
            _ => false,
        };
    }
    if let (CmpOp::Contains | CmpOp::NotContains, Const::Text(x), Const::Text(y)) = (op, a, b) {
        let found = x.to_lowercase().contains(&y.to_lowercase());
        return (op == CmpOp::Contains) == found;
    }
    let ordering = match (a, b) {
        (Const::Bool(x), Const::Bool(y)) => x.partial_cmp(y),
        (Const::Num(x), Const::Num(y)) => x.partial_cmp(y),
        (Const::Text(x), Const::Text(y)) => Some(x.cmp(y)),
        _ => match (as_date(a), as_date(b)) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => None,
        },
    };
    let Some(ordering) = ordering else {
        return op == CmpOp::Ne;
    };
    match op {
        CmpOp::Eq => ordering == Ordering::Equal,
        CmpOp::Ne => ordering != Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
        CmpOp::Contains | CmpOp::NotContains => false,
    }
}

/// The SQL value of a constant compared with a column of `kind`.
fn bind_for(kind: Kind, value: &Const) -> Result<SqlValue, ExprError> {
    Ok(match (kind, value) {
        (Kind::Text, Const::Text(s)) => s.clone().into(),
        (Kind::Num, Const::Num(n)) => (*n).into(),
        (Kind::Id, Const::Num(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => (*n as i64).into(),
        (Kind::Id, Const::Num(n)) => (*n).into(),
        (Kind::Bool, Const::Bool(b)) => (*b).into(),
        (Kind::Date, Const::Date(d)) => (*d).into(),
        (Kind::Date, Const::Text(s)) => match parse_date(s) {
            Some(d) => d.into(),
            None => return fail(format!("'{s}' is not an RFC 3339 date")),
        },
        (kind, other) => return fail(format!("cannot compare {kind:?} with {other:?}")),
    })
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

fn sql_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => " = ",
        CmpOp::Ne => " <> ",
        CmpOp::Lt => " < ",
        CmpOp::Le => " <= ",
        CmpOp::Gt => " > ",
        CmpOp::Ge => " >= ",
        CmpOp::Contains | CmpOp::NotContains => " LIKE ",
    }
}

const TRUE: &str = "1=1";
const FALSE: &str = "1=0";

/// `%text%` for LIKE, with `!` escaping the pattern characters (`ESCAPE '!'` works the same on
/// every backend, unlike a backslash).
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Write `expr` as a SQL condition.
pub fn compile(expr: &Expr, ctx: &Ctx<'_>, sql: &mut Sql) -> Result<(), ExprError> {
    match expr {
        Expr::Or(a, b) | Expr::And(a, b) => {
            sql.push("(");
            compile(a, ctx, sql)?;
            sql.push(if matches!(expr, Expr::Or(..)) {
                " OR "
            } else {
                " AND "
            });
            compile(b, ctx, sql)?;
            sql.push(")");
        }
        Expr::Not(inner) => {
            // COALESCE: a comparison with a null column is unknown in SQL, and NOT unknown is
            // still unknown; here it is false, so its negation is true.
            sql.push("NOT COALESCE((");
            compile(inner, ctx, sql)?;
            sql.push("), ").push(FALSE).push(")");
        }
        Expr::Truthy(operand, _) => match side(operand, ctx)? {
            Side::Const(c) => {
                sql.push(if c == Const::Bool(true) { TRUE } else { FALSE });
            }
            Side::Col(ident, _) => {
                sql.push("(").ident(&ident).push(" = ").bind(true).push(")");
            }
        },
        Expr::In {
            field,
            values,
            negated,
        } => {
            let (ident, kind) = column(ctx.spec, field)?;
            if values.is_empty() {
                sql.push(if *negated { TRUE } else { FALSE });
                return Ok(());
            }
            if *negated {
                sql.push("NOT COALESCE(");
            }
            sql.push("(").ident(&ident).push(" IN (");
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(bind_for(kind, &literal(value))?);
            }
            sql.push("))");
            if *negated {
                sql.push(", ").push(FALSE).push(")");
            }
        }
        Expr::Cmp {
            op, left, right, ..
        } => {
            let (l, r) = (side(left, ctx)?, side(right, ctx)?);
            match (l, r) {
                (Side::Const(a), Side::Const(b)) => {
                    sql.push(if eval(*op, &a, &b) { TRUE } else { FALSE });
                }
                (Side::Col(a, _), Side::Col(b, _)) => {
                    sql.push("(")
                        .ident(&a)
                        .push(sql_op(*op))
                        .ident(&b)
                        .push(")");
                }
                (Side::Col(col, kind), Side::Const(c)) => compare_const(sql, *op, &col, kind, &c)?,
                (Side::Const(c), Side::Col(col, kind)) => {
                    compare_const(sql, flip(*op), &col, kind, &c)?
                }
            }
        }
    }
    Ok(())
}

fn compare_const(
    sql: &mut Sql,
    op: CmpOp,
    col: &Ident,
    kind: Kind,
    value: &Const,
) -> Result<(), ExprError> {
    if *value == Const::Null {
        match op {
            CmpOp::Eq => sql.push("(").ident(col).push(" IS NULL)"),
            CmpOp::Ne => sql.push("(").ident(col).push(" IS NOT NULL)"),
            _ => sql.push(FALSE),
        };
        return Ok(());
    }
    match op {
        CmpOp::Contains | CmpOp::NotContains => {
            let Const::Text(text) = value else {
                return fail("~ compares text");
            };
            if op == CmpOp::NotContains {
                sql.push("NOT COALESCE(");
            }
            sql.push("(LOWER(")
                .ident(col)
                .push(") LIKE ")
                .bind(like_pattern(text))
                .push(" ESCAPE '!')");
            if op == CmpOp::NotContains {
                sql.push(", ").push(FALSE).push(")");
            }
        }
        // A record without a value differs from any value.
        CmpOp::Ne => {
            sql.push("(")
                .ident(col)
                .push(" <> ")
                .bind(bind_for(kind, value)?)
                .push(" OR ")
                .ident(col)
                .push(" IS NULL)");
        }
        _ => {
            sql.push("(")
                .ident(col)
                .push(sql_op(op))
                .bind(bind_for(kind, value)?)
                .push(")");
        }
    }
    Ok(())
}

/// CloudBase-style JSON conditions (`{"price": {"$gt": 3}, "done": false, "$or": [...]}`) as an
/// expression. Errors name the JSON path.
pub fn from_json(value: &Value) -> Result<Expr, String> {
    object_expr(value, "where", 0)
}

fn object_expr(value: &Value, path: &str, depth: usize) -> Result<Expr, String> {
    if depth > 8 {
        return Err(format!("{path}: nested too deeply"));
    }
    let Value::Object(map) = value else {
        return Err(format!("{path}: expected an object"));
    };
    let mut parts = Vec::new();
    for (key, value) in map {
        let here = format!("{path}.{key}");
        match key.as_str() {
            "$and" | "$or" => {
                let Value::Array(items) = value else {
                    return Err(format!("{here}: expected an array of conditions"));
                };
                if items.is_empty() {
                    return Err(format!("{here}: empty"));
                }
                let mut exprs = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    exprs.push(object_expr(item, &format!("{here}[{i}]"), depth + 1)?);
                }
                parts.push(join(exprs, key == "$or"));
            }
            "$nor" | "$not" => return Err(format!("{here}: not supported")),
            field => parts.push(field_expr(field, value, &here)?),
        }
    }
    if parts.is_empty() {
        return Ok(Expr::Truthy(Operand::Lit(Literal::Bool(true)), 0));
    }
    Ok(join(parts, false))
}

fn join(mut exprs: Vec<Expr>, or: bool) -> Expr {
    let first = exprs.remove(0);
    exprs.into_iter().fold(first, |acc, e| {
        if or {
            Expr::Or(Box::new(acc), Box::new(e))
        } else {
            Expr::And(Box::new(acc), Box::new(e))
        }
    })
}

fn json_literal(value: &Value, path: &str) -> Result<Literal, String> {
    Ok(match value {
        Value::Null => Literal::Null,
        Value::Bool(b) => Literal::Bool(*b),
        Value::Number(n) => Literal::Num(
            n.as_f64()
                .filter(|f| f.is_finite())
                .ok_or_else(|| format!("{path}: number out of range"))?,
        ),
        Value::String(s) => Literal::Str(s.clone()),
        Value::Object(o) if o.len() == 1 && o.contains_key("$date") => match &o["$date"] {
            Value::String(s) => Literal::Str(s.clone()),
            Value::Number(ms) => {
                let ms = ms.as_i64().ok_or_else(|| format!("{path}: bad $date"))?;
                let date = DateTime::<Utc>::from_timestamp_millis(ms)
                    .ok_or_else(|| format!("{path}: bad $date"))?;
                Literal::Str(date.to_rfc3339())
            }
            _ => return Err(format!("{path}: bad $date")),
        },
        _ => return Err(format!("{path}: expected a string, number, bool or null")),
    })
}

fn cmp(field: &str, op: CmpOp, lit: Literal) -> Expr {
    Expr::Cmp {
        op,
        left: Operand::Field(field.to_string()),
        right: Operand::Lit(lit),
        pos: 0,
    }
}

fn field_expr(field: &str, value: &Value, path: &str) -> Result<Expr, String> {
    let Value::Object(ops) = value else {
        return Ok(cmp(field, CmpOp::Eq, json_literal(value, path)?));
    };
    if ops.contains_key("$date") {
        return Ok(cmp(field, CmpOp::Eq, json_literal(value, path)?));
    }
    if ops.is_empty() {
        return Err(format!("{path}: no operator"));
    }
    let mut parts = Vec::new();
    for (op, operand) in ops {
        let here = format!("{path}.{op}");
        let simple =
            |op| -> Result<Expr, String> { Ok(cmp(field, op, json_literal(operand, &here)?)) };
        parts.push(match op.as_str() {
            "$eq" => simple(CmpOp::Eq)?,
            "$ne" | "$neq" => simple(CmpOp::Ne)?,
            "$gt" => simple(CmpOp::Gt)?,
            "$gte" => simple(CmpOp::Ge)?,
            "$lt" => simple(CmpOp::Lt)?,
            "$lte" => simple(CmpOp::Le)?,
            "$contains" => simple(CmpOp::Contains)?,
            "$exists" => {
                let Value::Bool(exists) = operand else {
                    return Err(format!("{here}: expected true or false"));
                };
                cmp(
                    field,
                    if *exists { CmpOp::Ne } else { CmpOp::Eq },
                    Literal::Null,
                )
            }
            "$in" | "$nin" => {
                let Value::Array(items) = operand else {
                    return Err(format!("{here}: expected an array"));
                };
                if items.len() > MAX_IN {
                    return Err(format!("{here}: more than {MAX_IN} values"));
                }
                let values = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| json_literal(v, &format!("{here}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                Expr::In {
                    field: field.to_string(),
                    values,
                    negated: op == "$nin",
                }
            }
            other => return Err(format!("{path}: unknown operator '{other}'")),
        });
    }
    Ok(join(parts, false))
}

/// The most values in one `$in`.
pub const MAX_IN: usize = 100;

/// One key of a sort.
#[derive(Clone, Debug)]
pub struct SortKey {
    pub field: String,
    pub ident: Ident,
    pub kind: Kind,
    pub desc: bool,
}

pub const MAX_SORT_KEYS: usize = 3;

/// `-price,title` as sort keys, ending in `id` (the tie-breaker that makes keyset pages exact).
/// Only fields every record has a value in can be sorted on (nulls would break the keyset).
pub fn parse_sort(text: Option<&str>, spec: &CollectionSpec) -> Result<Vec<SortKey>, String> {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("-id");
    let mut keys: Vec<SortKey> = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let (desc, name) = match part.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, part.strip_prefix('+').unwrap_or(part)),
        };
        let required = matches!(name, "id" | "created_at" | "updated_at")
            || spec.field(name).is_some_and(|f| f.required);
        let (ident, kind) = column(spec, name).map_err(|e| format!("sort: {}", e.message))?;
        if !required {
            return Err(format!(
                "sort: '{name}' is not a required field (records without a value cannot be paged in order)"
            ));
        }
        if keys.iter().any(|k| k.field == name) {
            return Err(format!("sort: '{name}' twice"));
        }
        keys.push(SortKey {
            field: name.to_string(),
            ident,
            kind,
            desc,
        });
        if name == "id" {
            break;
        }
    }
    if keys.len() > MAX_SORT_KEYS + 1 {
        return Err(format!("sort: at most {MAX_SORT_KEYS} fields"));
    }
    if keys.last().map(|k| k.field.as_str()) != Some("id") {
        let desc = keys.last().is_some_and(|k| k.desc);
        keys.push(SortKey {
            field: "id".into(),
            ident: Ident::system("id"),
            kind: Kind::Id,
            desc,
        });
    }
    Ok(keys)
}

/// The value of a sort key as a cursor holds it.
pub fn cursor_value(kind: Kind, value: &Value) -> Option<SqlValue> {
    Some(match (kind, value) {
        (Kind::Id, Value::Number(n)) => n.as_i64()?.into(),
        (Kind::Num, Value::Number(n)) => n.as_f64()?.into(),
        (Kind::Text, Value::String(s)) => s.clone().into(),
        (Kind::Bool, Value::Bool(b)) => (*b).into(),
        (Kind::Date, Value::String(s)) => parse_date(s)?.into(),
        _ => return None,
    })
}

/// `WHERE` part for "after this row" in the order of `keys`:
/// `(k1 > v1) OR (k1 = v1 AND k2 > v2) OR ...` (`<` for descending keys).
pub fn after(sql: &mut Sql, keys: &[SortKey], values: &[SqlValue]) {
    sql.push("(");
    for i in 0..keys.len() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(");
        for j in 0..i {
            sql.ident(&keys[j].ident)
                .push(" = ")
                .bind(values[j].clone())
                .push(" AND ");
        }
        sql.ident(&keys[i].ident)
            .push(if keys[i].desc { " < " } else { " > " })
            .bind(values[i].clone())
            .push(")");
    }
    sql.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collections::expr::{check, parse, Mode};
    use crate::collections::model::{FieldDef, FieldType, Rules};
    use sea_orm::DatabaseBackend;

    fn spec() -> CollectionSpec {
        let field = |name: &str, t: FieldType, required: bool| FieldDef {
            name: name.into(),
            field_type: t,
            required,
            unique: false,
            default: None,
            max_length: None,
            target: None,
        };
        CollectionSpec {
            name: "todos".into(),
            fields: vec![
                field("title", FieldType::Text, true),
                field("done", FieldType::Bool, false),
                field("owner", FieldType::Relation, false),
            ],
            indexes: vec![],
            owner_field: None,
            rules: Rules::default(),
            scan_limit: None,
        }
    }

    fn sql_of(text: &str, caller: &Caller) -> Sql {
        let spec = spec();
        let expr = parse(text, Mode::Rule).unwrap();
        check(&expr, &spec).unwrap();
        let mut sql = Sql::new(DatabaseBackend::Postgres);
        compile(
            &expr,
            &Ctx {
                spec: &spec,
                caller,
                body: None,
            },
            &mut sql,
        )
        .unwrap();
        sql
    }

    #[test]
    fn caller_values_are_bound_or_folded() {
        let user = Caller {
            id: Some(7),
            role: Some("user".into()),
            admin: false,
        };
        let sql = sql_of("record.owner == auth.id", &user);
        assert_eq!(sql.text, "(\"owner\" = $1)");
        assert_eq!(sql.values, vec![SqlValue::from(7i64)]);
        let anonymous = Caller::default();
        assert_eq!(
            sql_of("record.owner == auth.id", &anonymous).text,
            "(\"owner\" IS NULL)"
        );
        assert_eq!(sql_of("auth.role == 'admin'", &user).text, "1=0");
        assert_eq!(sql_of("auth.id != null", &user).text, "1=1");
        assert_eq!(sql_of("auth.id != null", &anonymous).text, "1=0");
    }

    #[test]
    fn values_never_reach_the_text() {
        let sql = sql_of(
            "record.title == \"x'); DROP TABLE users; --\"",
            &Caller::default(),
        );
        assert_eq!(sql.text, "(\"title\" = $1)");
        let sql = sql_of("record.title ~ '50%_!'", &Caller::default());
        assert_eq!(sql.values, vec![SqlValue::from("%50!%!_!!%".to_string())]);
    }

    #[test]
    fn json_conditions() {
        let expr = from_json(&serde_json::json!({
            "done": false,
            "title": {"$in": ["a", "b"], "$ne": "c"},
            "$or": [{"owner": 1}, {"owner": {"$exists": false}}]
        }))
        .unwrap();
        check(&expr, &spec()).unwrap();
        assert!(from_json(&serde_json::json!({"title": {"$regex": "x"}}))
            .unwrap_err()
            .contains("where.title: unknown operator '$regex'"));
        assert!(from_json(&serde_json::json!({"$or": {}}))
            .unwrap_err()
            .contains("where.$or"));
    }

    #[test]
    fn sorts_end_in_id() {
        let keys = parse_sort(Some("-title"), &spec()).unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys[1].desc && keys[1].field == "id");
        assert!(parse_sort(Some("done"), &spec())
            .unwrap_err()
            .contains("not a required"));
        assert!(parse_sort(Some("nope"), &spec())
            .unwrap_err()
            .contains("unknown"));
    }
}
