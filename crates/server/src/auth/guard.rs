//! Checks a verified token against live state: the subject's token version, ban and role, and
//! whether the login session was revoked. Answers come through the shared cache, so the hot path
//! costs no query, and a change made on any node reaches every node within the cache's
//! staleness bound (about 1 s; see `store::cache`). The guard keeps no state of its own: the
//! shared cache is all it needs, so it is a set of functions over [`Shared`].

use std::sync::Arc;
use std::time::Duration;

use super::jwt::{Claims, SubjectKind};
use super::model::LiveSubject;
use super::repo;
use crate::error::{AppError, ErrorCode};
use crate::state::Shared;
use crate::store::cache::CacheSpec;
use crate::users::model::Role;

const SUBJECTS: CacheSpec = CacheSpec {
    namespace: "auth-subject",
    ttl: Duration::from_secs(60),
    shared: false,
};

const SESSIONS: CacheSpec = CacheSpec {
    namespace: "auth-session",
    ttl: Duration::from_secs(60),
    shared: false,
};

/// The authenticated caller, as handlers see it.
#[derive(Clone, Debug)]
pub struct Principal {
    pub kind: SubjectKind,
    pub id: i64,
    /// The live role (not the one written in the token).
    pub role: Role,
    pub session_id: Option<String>,
}

fn subject_key(kind: SubjectKind, id: i64) -> String {
    format!("{kind:?}:{id}")
}

/// The caller a verified token stands for, if its subject and session are still live.
pub async fn authenticate(state: &Shared, claims: &Claims) -> Result<Principal, AppError> {
    let id: i64 = claims
        .sub
        .parse()
        .map_err(|_| AppError::new(ErrorCode::TokenInvalid, "token subject is not valid"))?;
    let kind = claims.knd;
    let db = &state.db;
    let live: Arc<Option<LiveSubject>> = state
        .cache
        .get_or_load(&SUBJECTS, &subject_key(kind, id), || async {
            Ok(repo::live_subject(db, kind, id).await?)
        })
        .await?;
    let Some(live) = live.as_ref() else {
        return Err(AppError::new(
            ErrorCode::TokenRevoked,
            "the account no longer exists",
        ));
    };
    if claims.ver != live.token_version {
        return Err(AppError::new(
            ErrorCode::TokenRevoked,
            "the token was revoked",
        ));
    }
    if live.blocked {
        return Err(AppError::new(
            ErrorCode::UserBanned,
            "the account is banned",
        ));
    }
    if let Some(sid) = &claims.sid {
        let revoked: Arc<bool> = state
            .cache
            .get_or_load(&SESSIONS, sid, || async {
                Ok(repo::session_revoked(db, sid).await?)
            })
            .await?;
        if *revoked {
            return Err(AppError::new(
                ErrorCode::TokenRevoked,
                "the session was ended",
            ));
        }
    }
    Ok(Principal {
        kind,
        id,
        role: live.role,
        session_id: claims.sid.clone(),
    })
}

/// After a ban, role change or version bump.
pub async fn forget_subject(state: &Shared, kind: SubjectKind, id: i64) {
    state
        .cache
        .invalidate(&SUBJECTS, &subject_key(kind, id))
        .await;
}

/// After a logout or a refresh-token reuse.
pub async fn forget_session(state: &Shared, sid: &str) {
    state.cache.invalidate(&SESSIONS, sid).await;
}
