//! Checks a verified token against live state: the subject's token version, ban and role, and
//! whether the login session was revoked. Answers are cached briefly so a hot path costs no
//! query; the node that changes a subject forgets its entry at once, other nodes within
//! `LIVE_TTL`.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::jwt::{Claims, SubjectKind};
use super::repo;
use crate::error::{AppError, ErrorCode};
use crate::users::model::Role;

/// How long another node may keep honouring a token after a ban, role change or logout.
pub const LIVE_TTL: Duration = Duration::from_secs(5);

/// The authenticated caller, as handlers see it.
#[derive(Clone, Debug)]
pub struct Principal {
    pub kind: SubjectKind,
    pub id: i64,
    /// The live role (not the one written in the token).
    pub role: Role,
    pub session_id: Option<String>,
}

#[derive(Debug)]
pub struct LiveSubject {
    pub role: Role,
    pub token_version: i32,
    pub blocked: bool,
}

pub struct SessionGuard {
    subjects: moka::future::Cache<(SubjectKind, i64), Option<Arc<LiveSubject>>>,
    revoked_sessions: moka::future::Cache<String, bool>,
}

impl Default for SessionGuard {
    fn default() -> Self {
        Self {
            subjects: moka::future::Cache::builder()
                .max_capacity(200_000)
                .time_to_live(LIVE_TTL)
                .build(),
            revoked_sessions: moka::future::Cache::builder()
                .max_capacity(200_000)
                .time_to_live(LIVE_TTL)
                .build(),
        }
    }
}

impl SessionGuard {
    pub async fn authenticate(
        &self,
        db: &DatabaseConnection,
        claims: &Claims,
    ) -> Result<Principal, AppError> {
        let id: i64 = claims
            .sub
            .parse()
            .map_err(|_| AppError::new(ErrorCode::TokenInvalid, "token subject is not valid"))?;
        let kind = claims.knd;
        let live = self
            .subjects
            .try_get_with((kind, id), async {
                repo::live_subject(db, kind, id)
                    .await
                    .map(|s| s.map(Arc::new))
            })
            .await
            .map_err(|err| AppError::internal(anyhow::anyhow!("loading live subject: {err}")))?;
        let Some(live) = live else {
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
            let revoked = self
                .revoked_sessions
                .try_get_with(sid.clone(), async { repo::session_revoked(db, sid).await })
                .await
                .map_err(|err| AppError::internal(anyhow::anyhow!("loading session: {err}")))?;
            if revoked {
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
    pub async fn forget_subject(&self, kind: SubjectKind, id: i64) {
        self.subjects.invalidate(&(kind, id)).await;
    }

    /// After a logout or a refresh-token reuse.
    pub async fn forget_session(&self, sid: &str) {
        self.revoked_sessions.invalidate(sid).await;
    }
}
