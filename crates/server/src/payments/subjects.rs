//! What a payment pays for. A feature that takes payments describes its subject here, and
//! start-up registers it, so that payments never names the features it serves (and they may call
//! payments without a circle).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sea_orm::DatabaseTransaction;

use crate::error::AppResult;
use crate::state::AppState;

/// A kind of thing a payment pays for (`payments.subject`), and what becomes of it once paid.
#[derive(Clone, Copy)]
pub struct PaySubject {
    /// Stored in `payments.subject`; never change it once payments exist.
    pub name: &'static str,
    /// The subject's own move to paid, inside the payment's transaction. False when the subject
    /// can no longer be paid (closed meanwhile): the money is then recorded for a refund.
    pub fulfil:
        for<'a> fn(&'a DatabaseTransaction, i64, DateTime<Utc>) -> BoxFuture<'a, AppResult<bool>>,
    /// Tell the subject's watchers it is paid, after the commit (best effort).
    pub announce: for<'a> fn(&'a AppState, i64) -> BoxFuture<'a, AppResult<()>>,
}

/// Every subject this node knows, by name; built once at start-up.
pub struct PaySubjects(HashMap<&'static str, PaySubject>);

impl PaySubjects {
    pub fn new(subjects: impl IntoIterator<Item = PaySubject>) -> Self {
        Self(subjects.into_iter().map(|s| (s.name, s)).collect())
    }

    pub fn get(&self, name: &str) -> Option<&PaySubject> {
        self.0.get(name)
    }
}
