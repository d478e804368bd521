//! WeChat subscribe messages (订阅消息): a user accepts one-time templates in the mini-program
//! (`wx.requestSubscribeMessage`) and reports them; features enqueue a message for a user, and a
//! durable job spends one acceptance and sends it, retrying while WeChat is busy. A failed or
//! refused send never blocks the feature that asked for it.

use chrono::Utc;
use futures::future::BoxFuture;
use minibase_wechat::{SubscribeMessage, WechatError};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::repo;
use crate::auth::guard::Principal;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::jobs::{self, Handler, JobSpec};
use crate::users::service as users;

pub const SEND_JOB: &str = "wechat.subscribe_message";

/// The job handlers of this feature.
pub fn jobs() -> Vec<(&'static str, Handler)> {
    vec![(SEND_JOB, send_job as Handler)]
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SendRequest {
    pub user_id: i64,
    pub template_id: String,
    pub page: Option<String>,
    /// `{"thing1":{"value":"..."}, ...}` as the template wants.
    pub data: Value,
}

/// Queue a subscribe message, inside the caller's transaction; wake the worker after commit.
pub async fn enqueue(db: &impl ConnectionTrait, request: &SendRequest) -> AppResult<()> {
    jobs::enqueue(db, JobSpec::now(SEND_JOB), request).await
}

fn send_job(state: AppState, payload: Value) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let request: SendRequest = serde_json::from_value(payload)?;
        let Some(user) = users::find(&state.db, request.user_id).await? else {
            return Ok(());
        };
        let now = Utc::now();
        if !repo::take_quota(&state.db, user.id, &request.template_id, now).await? {
            tracing::info!(user = user.id, template = %request.template_id, "subscribe message skipped: the user has not accepted this template");
            return Ok(());
        }
        let message = SubscribeMessage {
            touser: user.openid.clone(),
            template_id: request.template_id.clone(),
            page: request.page.clone(),
            data: request.data.clone(),
            miniprogram_state: None,
            lang: None,
        };
        match state.wechat.client().send_subscribe_message(&message).await {
            Ok(()) => Ok(()),
            Err(err) if err.is_retryable() => {
                // Not spent: give the acceptance back before retrying.
                repo::give_back_quota(&state.db, user.id, &request.template_id, Utc::now()).await?;
                Err(anyhow::anyhow!(err))
            }
            Err(WechatError::SubscriptionRefused { .. }) => {
                tracing::info!(user = user.id, "subscribe message refused by the user");
                Ok(())
            }
            Err(err) => {
                tracing::warn!(user = user.id, error = %err, "subscribe message not sent");
                Ok(())
            }
        }
    })
}

#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
pub struct Accepted {
    /// Template ids the user accepted in `wx.requestSubscribeMessage` (each allows one message).
    #[validate(length(min = 1, max = 20))]
    #[schema(min_items = 1, max_items = 20)]
    pub template_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Quota {
    pub template_id: String,
    pub remaining: i32,
}

pub async fn accept(
    state: &AppState,
    user: &Principal,
    accepted: &Accepted,
) -> AppResult<Vec<Quota>> {
    for template in &accepted.template_ids {
        if template.is_empty() || template.len() > 128 {
            return Err(crate::error::AppError::validation(
                "template_ids",
                "each id must be 1-128 characters",
            ));
        }
    }
    let now = Utc::now();
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    for template in &accepted.template_ids {
        repo::add_quota(&txn, user.id, template, 1, now).await?;
    }
    txn.commit().await?;
    quotas(state, user).await
}

pub async fn quotas(state: &AppState, user: &Principal) -> AppResult<Vec<Quota>> {
    Ok(repo::quotas(&state.db, user.id)
        .await?
        .into_iter()
        .map(|q| Quota {
            template_id: q.template_id,
            remaining: q.remaining,
        })
        .collect())
}
