//! The audit trail: every action on a request is an event, appended and never changed. Each event
//! stores `hash = SHA-256(prev_hash || "\n" || content)`, where `content` is a fixed JSON
//! rendering of the event's fields and `prev_hash` is the previous event's hash (64 zeros for
//! the first). The request row keeps the chain's length and last hash, so editing, reordering,
//! inserting or deleting an event (even the last one) breaks verification.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::model::{event, request};
use super::repo;
use crate::error::{AppError, AppResult};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Event actions.
pub const SUBMIT: &str = "submit";
pub const STEP_STARTED: &str = "step_started";
pub const STEP_SKIPPED: &str = "step_skipped";
pub const APPROVE: &str = "approve";
pub const REJECT: &str = "reject";
pub const TRANSFER: &str = "transfer";
pub const WITHDRAW: &str = "withdraw";
pub const COMMENT: &str = "comment";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";

/// Timestamps are kept to the microsecond, what every backend stores exactly.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hashed fields, in a fixed order.
#[derive(Serialize)]
struct Content<'a> {
    request_id: i64,
    seq: i32,
    actor_id: Option<i64>,
    action: &'a str,
    step_index: Option<i32>,
    comment: Option<&'a str>,
    detail: &'a str,
    form_sha256: &'a str,
    created_at: String,
}

pub fn event_hash(row: &event::Model) -> String {
    let content = Content {
        request_id: row.request_id,
        seq: row.seq,
        actor_id: row.actor_id,
        action: &row.action,
        step_index: row.step_index,
        comment: row.comment.as_deref(),
        detail: &row.detail,
        form_sha256: &row.form_sha256,
        created_at: row.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
    };
    let mut hasher = Sha256::new();
    hasher.update(row.prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(serde_json::to_vec(&content).unwrap_or_default());
    hex::encode(hasher.finalize())
}

/// What happened, before it is chained.
pub struct NewEvent<'a> {
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub step_index: Option<i32>,
    pub comment: Option<&'a str>,
    pub detail: Value,
}

/// Appends events to a request inside the transaction that holds its lock, and remembers the
/// new chain head for the request row.
pub struct Chain {
    request_id: i64,
    form_sha256: String,
    count: i32,
    head: String,
}

impl Chain {
    pub fn of(request: &request::Model) -> Self {
        Self {
            request_id: request.id,
            form_sha256: request.form_sha256.clone(),
            count: request.event_count,
            head: request.head_hash.clone(),
        }
    }

    pub async fn append(
        &mut self,
        db: &impl sea_orm::ConnectionTrait,
        event: NewEvent<'_>,
        at: DateTime<Utc>,
    ) -> AppResult<()> {
        let mut row = event::Model {
            id: 0,
            request_id: self.request_id,
            seq: self.count + 1,
            actor_id: event.actor_id,
            action: event.action.to_string(),
            step_index: event.step_index,
            comment: event.comment.map(String::from),
            detail: serde_json::to_string(&event.detail).map_err(AppError::internal)?,
            form_sha256: self.form_sha256.clone(),
            prev_hash: self.head.clone(),
            hash: String::new(),
            created_at: at,
        };
        row.hash = event_hash(&row);
        let hash = row.hash.clone();
        repo::insert_event(db, row).await?;
        self.count += 1;
        self.head = hash;
        Ok(())
    }

    /// Write the head into the request row (the caller saves it).
    pub fn finish(&self, request: &mut request::Model) {
        request.event_count = self.count;
        request.head_hash = self.head.clone();
    }
}

/// The outcome of checking a request's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub valid: bool,
    /// The first event that does not verify (or the position where one is missing).
    pub broken_at_seq: Option<i32>,
    pub problem: Option<String>,
}

/// Recompute every hash and check the links, the sequence, the form and the head the request
/// row remembers.
pub fn verify(request: &request::Model, events: &[event::Model]) -> Verification {
    let broken = |seq: i32, problem: String| Verification {
        valid: false,
        broken_at_seq: Some(seq),
        problem: Some(problem),
    };
    let form_hash = sha256_hex(request.form.as_bytes());
    if form_hash != request.form_sha256 {
        return broken(
            1,
            "the request's form does not match its recorded hash".into(),
        );
    }
    let mut previous = GENESIS.to_string();
    for (i, row) in events.iter().enumerate() {
        let expected_seq = i as i32 + 1;
        if row.seq != expected_seq {
            return broken(expected_seq, format!("event {expected_seq} is missing"));
        }
        if row.prev_hash != previous {
            return broken(row.seq, "does not link to the previous event".into());
        }
        if event_hash(row) != row.hash {
            return broken(row.seq, "its content does not match its hash".into());
        }
        if row.form_sha256 != request.form_sha256 {
            return broken(row.seq, "was recorded for another form".into());
        }
        previous = row.hash.clone();
    }
    let count = events.len() as i32;
    if count != request.event_count || previous != request.head_hash {
        return broken(
            count.min(request.event_count) + 1,
            format!(
                "the request records {} events ending in {}, the trail has {count}",
                request.event_count,
                &request.head_hash.get(..12).unwrap_or("")
            ),
        );
    }
    Verification {
        valid: true,
        broken_at_seq: None,
        problem: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::model::RequestStatus;

    fn request() -> request::Model {
        let form = "{\"amount\":\"1.00\"}".to_string();
        request::Model {
            id: 7,
            template_id: 1,
            template_version: 1,
            template_snapshot: "{}".into(),
            applicant_id: 1,
            title: "t".into(),
            form_sha256: sha256_hex(form.as_bytes()),
            form,
            status: RequestStatus::Pending,
            current_step: Some(0),
            version: 1,
            event_count: 0,
            head_hash: GENESIS.into(),
            created_at: now(),
            updated_at: now(),
            finished_at: None,
        }
    }

    fn chain(request: &mut request::Model, n: i32) -> Vec<event::Model> {
        let mut head = GENESIS.to_string();
        let mut rows = Vec::new();
        for seq in 1..=n {
            let mut row = event::Model {
                id: seq as i64,
                request_id: request.id,
                seq,
                actor_id: Some(1),
                action: COMMENT.into(),
                step_index: None,
                comment: Some(format!("c{seq}")),
                detail: "{}".into(),
                form_sha256: request.form_sha256.clone(),
                prev_hash: head.clone(),
                hash: String::new(),
                created_at: now(),
            };
            row.hash = event_hash(&row);
            head = row.hash.clone();
            rows.push(row);
        }
        request.event_count = n;
        request.head_hash = head;
        rows
    }

    #[test]
    fn an_untouched_chain_verifies_and_any_change_breaks_it() {
        let mut req = request();
        let rows = chain(&mut req, 4);
        assert!(verify(&req, &rows).valid);

        let mut edited = rows.clone();
        edited[1].comment = Some("edited".into());
        assert_eq!(verify(&req, &edited).broken_at_seq, Some(2));

        let mut rehashed = rows.clone();
        rehashed[1].comment = Some("edited".into());
        rehashed[1].hash = event_hash(&rehashed[1]);
        assert_eq!(
            verify(&req, &rehashed).broken_at_seq,
            Some(3),
            "the next link breaks"
        );

        let truncated = &rows[..3];
        assert!(!verify(&req, truncated).valid, "a removed tail is noticed");

        let mut removed = rows.clone();
        removed.remove(1);
        assert_eq!(verify(&req, &removed).broken_at_seq, Some(2));

        let mut other_form = req.clone();
        other_form.form = "{\"amount\":\"9.00\"}".into();
        assert!(!verify(&other_form, &rows).valid);
    }
}
