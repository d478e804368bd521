//! Who may do what to a collection's records: the caller a principal stands for, and the
//! rule (if any) that decides each action.

use super::expr::{self, Expr, ExprError, Mode};
use super::model::{Action, CollectionSpec};
use super::query::{self, Caller, Ctx};
use super::sql::Sql;
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::error::{AppError, AppResult};
use crate::users::model::Role;

pub(super) fn caller_of(principal: Option<&Principal>) -> Caller {
    match principal {
        None => Caller::default(),
        Some(p) => Caller {
            // Console accounts are not users: their ids would collide with users' ids.
            id: (p.kind == SubjectKind::User).then_some(p.id),
            role: Some(p.role.as_str().to_string()),
            admin: p.role == Role::Admin,
        },
    }
}

pub(super) enum Access {
    All,
    Denied,
    Rule(Expr),
}

pub(super) fn access(spec: &CollectionSpec, action: Action, caller: &Caller) -> AppResult<Access> {
    if caller.admin {
        return Ok(Access::All);
    }
    match spec.rules.get(action) {
        None => Ok(Access::Denied),
        Some(text) if text.trim().is_empty() => Ok(Access::All),
        Some(text) => expr::parse(text, Mode::Rule)
            .map(Access::Rule)
            .map_err(|e| AppError::internal(anyhow::anyhow!("stored rule does not parse: {e}"))),
    }
}

pub(super) fn denied(action: Action, name: &str) -> AppError {
    AppError::forbidden(format!(
        "the {} rule of '{name}' does not allow this",
        action.as_str()
    ))
}

impl Access {
    /// The rule that decides, when one does.
    pub(super) fn rule(&self) -> Option<&Expr> {
        match self {
            Access::Rule(rule) => Some(rule),
            Access::All | Access::Denied => None,
        }
    }
}

/// Write the SQL condition of `expr`, or one that always holds when there is none.
pub(super) fn condition(
    expr: Option<&Expr>,
    ctx: &Ctx<'_>,
    sql: &mut Sql,
) -> Result<(), ExprError> {
    match expr {
        Some(expr) => query::compile(expr, ctx, sql),
        None => {
            sql.push("1=1");
            Ok(())
        }
    }
}
