//! The approval workflow's settings: the WeChat subscribe message approvals are announced with.

use serde::{Deserialize, Serialize};

use crate::config::values::ConfigError;

/// The mini-program page an approval's subscribe message opens (`?id=<request id>` is added).
pub const DEFAULT_APPROVALS_PAGE: &str = "pages/approvals/detail";

/// The raw keys (`MINIBASE_` + the name in capitals).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawApprovalsSettings {
    pub approvals_subscribe_template_id: Option<String>,
    pub approvals_subscribe_page: String,
}

impl Default for RawApprovalsSettings {
    fn default() -> Self {
        Self {
            approvals_subscribe_template_id: None,
            approvals_subscribe_page: DEFAULT_APPROVALS_PAGE.into(),
        }
    }
}

/// Settings of the approval workflow.
#[derive(Debug, Clone)]
pub struct ApprovalsConfig {
    /// The WeChat subscribe-message template approvals are announced with; None sends none.
    pub subscribe_template_id: Option<String>,
    /// The mini-program page the message opens, without `?id=`.
    pub subscribe_page: String,
}

impl RawApprovalsSettings {
    pub fn validate(&self) -> Result<ApprovalsConfig, ConfigError> {
        let subscribe_template_id = match self
            .approvals_subscribe_template_id
            .as_deref()
            .map(str::trim)
        {
            None | Some("") => None,
            Some(id) if id.len() > 128 || id.chars().any(char::is_whitespace) => {
                return Err(ConfigError::new(
                    "approvals_subscribe_template_id",
                    "must be a WeChat template id (at most 128 characters, no spaces)",
                ))
            }
            Some(id) => Some(id.to_string()),
        };
        let page = self.approvals_subscribe_page.trim();
        if page.is_empty() || page.starts_with('/') || page.contains('?') || page.len() > 128 {
            return Err(ConfigError::new(
                "approvals_subscribe_page",
                "must be a mini-program page path like pages/approvals/detail (no leading '/', no query)",
            ));
        }
        Ok(ApprovalsConfig {
            subscribe_template_id,
            subscribe_page: page.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::assert_refused;

    #[test]
    fn bad_values_name_their_key() {
        assert_refused(
            |r| r.approvals.approvals_subscribe_page = "/pages/x?id=1".into(),
            "MINIBASE_APPROVALS_SUBSCRIBE_PAGE",
        );
        assert_refused(
            |r| r.approvals.approvals_subscribe_template_id = Some("a b".into()),
            "MINIBASE_APPROVALS_SUBSCRIBE_TEMPLATE_ID",
        );
    }
}
