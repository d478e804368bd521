//! Ending a user's sessions from outside the login flow (a ban, an admin's "revoke sessions", an
//! account deletion). Apart from `service` so that `users`, which `service` calls for logins,
//! can call this without the two files importing each other.

use chrono::Utc;

use super::jwt::SubjectKind;
use super::repo;
use crate::error::AppResult;
use crate::state::AppState;

/// End every session of a user, refresh tokens included (a ban, or an admin's "revoke
/// sessions"). The access tokens die with the user's token version, which the caller bumps.
pub async fn end_user_sessions(state: &AppState, user_id: i64) -> AppResult<()> {
    repo::revoke_user_sessions(&state.db, user_id, Utc::now()).await?;
    super::guard::forget_subject(state, SubjectKind::User, user_id).await;
    crate::realtime::disconnect(state, SubjectKind::User, user_id, None).await;
    Ok(())
}
