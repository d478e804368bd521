//! What can go wrong in a pay call, with WeChat Pay's error answers by their `code`.

/// Errors of the pay client; the variants for WeChat Pay's error answers follow its `code`.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// A key could not be read.
    #[error("key: {0}")]
    Key(String),
    /// An encrypted resource did not decrypt (wrong key, altered or cut data).
    #[error("decrypt: {0}")]
    Decrypt(String),
    /// The request did not reach WeChat Pay or its answer was cut.
    #[error("network: {0}")]
    Http(String),
    /// No answer within the timeout.
    #[error("timed out")]
    Timeout,
    /// An answer or notification whose signature is missing or wrong: never trust its body.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// Signed by a key this client does not know.
    #[error("unknown WeChat Pay key serial '{0}'")]
    UnknownSerial(String),
    /// Timestamp more than [`MAX_CLOCK_SKEW_SECS`] from now (replayed or stale).
    #[error("timestamp {0} is too far from now")]
    StaleTimestamp(String),
    /// A signed answer whose body is not what the API documents.
    #[error("unexpected answer: {0}")]
    BadResponse(String),
    /// `ORDER_NOT_EXIST` / `RESOURCE_NOT_EXISTS` (404).
    #[error("not found: {message}")]
    NotFound {
        /// WeChat Pay's text.
        message: String,
    },
    /// `ORDERPAID`: the order is paid (a close or a second prepay).
    #[error("order already paid: {message}")]
    OrderPaid {
        /// WeChat Pay's text.
        message: String,
    },
    /// `ORDER_CLOSED`: the order was closed.
    #[error("order closed: {message}")]
    OrderClosed {
        /// WeChat Pay's text.
        message: String,
    },
    /// `SIGN_ERROR` (401): WeChat Pay refused our signature (wrong key or serial).
    #[error("WeChat Pay refused the merchant signature: {message}")]
    SignError {
        /// WeChat Pay's text.
        message: String,
    },
    /// `NOTENOUGH`: the merchant balance cannot cover a refund.
    #[error("not enough balance: {message}")]
    NotEnough {
        /// WeChat Pay's text.
        message: String,
    },
    /// `FREQUENCY_LIMITED` (429).
    #[error("rate limited: {message}")]
    FrequencyLimited {
        /// WeChat Pay's text.
        message: String,
    },
    /// `SYSTEM_ERROR`, `BANKERROR` or any 5xx: try again (same parameters).
    #[error("WeChat Pay is unavailable ({status}): {message}")]
    SystemError {
        /// HTTP status.
        status: u16,
        /// WeChat Pay's text.
        message: String,
    },
    /// Any other error answer (`PARAM_ERROR`, `INVALID_REQUEST`, `APPID_MCHID_NOT_MATCH`, ...).
    #[error("WeChat Pay answered {status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// WeChat Pay's `code`.
        code: String,
        /// WeChat Pay's text.
        message: String,
    },
}

impl PayError {
    /// Whether repeating the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Http(_)
                | Self::Timeout
                | Self::SystemError { .. }
                | Self::FrequencyLimited { .. }
                | Self::NotEnough { .. }
                | Self::BadSignature(_)
                | Self::UnknownSerial(_)
        )
    }

    /// How a call ended, as an [`Observer`](crate::observe::Observer) is told: WeChat Pay's
    /// error code, or `timeout`, `network`, `signature`, `decode`.
    pub fn outcome(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Self::Timeout => "timeout".into(),
            Self::Http(_) => "network".into(),
            Self::BadSignature(_) | Self::UnknownSerial(_) | Self::StaleTimestamp(_) => {
                "signature".into()
            }
            Self::BadResponse(_) | Self::Decrypt(_) | Self::Key(_) => "decode".into(),
            Self::NotFound { .. } => "ORDER_NOT_EXIST".into(),
            Self::OrderPaid { .. } => "ORDERPAID".into(),
            Self::OrderClosed { .. } => "ORDER_CLOSED".into(),
            Self::SignError { .. } => "SIGN_ERROR".into(),
            Self::NotEnough { .. } => "NOTENOUGH".into(),
            Self::FrequencyLimited { .. } => "FREQUENCY_LIMITED".into(),
            Self::SystemError { status, .. } => format!("SYSTEM_ERROR_{status}").into(),
            Self::Api { code, .. } if !code.is_empty() && code.len() <= 40 => code.clone().into(),
            Self::Api { status, .. } => format!("http_{status}").into(),
        }
    }

    pub(super) fn from_answer(status: u16, code: &str, message: String) -> Self {
        match code {
            "ORDER_NOT_EXIST" | "RESOURCE_NOT_EXISTS" => Self::NotFound { message },
            "ORDERPAID" | "ORDER_PAID" => Self::OrderPaid { message },
            "ORDER_CLOSED" | "ORDERCLOSED" => Self::OrderClosed { message },
            "SIGN_ERROR" => Self::SignError { message },
            "NOTENOUGH" => Self::NotEnough { message },
            "FREQUENCY_LIMITED" => Self::FrequencyLimited { message },
            "SYSTEM_ERROR" | "SYSTEMERROR" | "BANKERROR" => Self::SystemError { status, message },
            _ if status >= 500 => Self::SystemError { status, message },
            _ => Self::Api {
                status,
                code: code.to_string(),
                message,
            },
        }
    }
}
