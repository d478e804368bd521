//! The JSON WeChat Pay v3 sends and receives, as far as a JSAPI (mini-program) merchant needs
//! it. Money is always integer fen (分).

use serde::{Deserialize, Serialize};

/// `amount` of a prepay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// Fen (分), at least 1.
    pub total: i64,
    /// `CNY`.
    #[serde(default = "cny")]
    pub currency: String,
}

fn cny() -> String {
    "CNY".into()
}

/// `payer` of a JSAPI prepay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    /// The payer's openid under `appid`.
    pub openid: String,
}

/// What [`super::PayClient::jsapi_prepay`] asks for. `appid`, `mchid` come from the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsapiPrepay {
    /// What the payer sees (at most 127 characters).
    pub description: String,
    /// The merchant's order number: 6-32 of `[0-9A-Za-z_-|*]`, unique per merchant.
    pub out_trade_no: String,
    /// RFC 3339; WeChat Pay refuses to take payment after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<String>,
    /// Echoed in the notification and the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// Where the payment notification goes (https in production, no query string).
    pub notify_url: String,
    /// In fen.
    pub amount: Amount,
    /// Who pays.
    pub payer: Payer,
}

/// The body WeChat Pay receives for a JSAPI prepay.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsapiPrepayBody {
    /// The mini-program's AppID.
    pub appid: String,
    /// The merchant id.
    pub mchid: String,
    /// The rest.
    #[serde(flatten)]
    pub order: JsapiPrepay,
}

/// `amount` of a transaction as WeChat Pay reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionAmount {
    /// Order total, fen.
    #[serde(default)]
    pub total: i64,
    /// What the payer paid, fen (after coupons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// `CNY`.
    #[serde(default)]
    pub currency: String,
    /// The payer's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
}

/// A payment (the query's answer, and the decrypted resource of a `TRANSACTION.*`
/// notification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// The AppID the order was placed under.
    pub appid: String,
    /// The merchant.
    pub mchid: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// WeChat Pay's number; absent before payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// `JSAPI` for mini-programs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// See [`TradeState`].
    pub trade_state: String,
    /// Human text.
    #[serde(default)]
    pub trade_state_desc: String,
    /// RFC 3339, when paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// Echo of the prepay's `attach`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// Who paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<Payer>,
    /// Amounts, fen.
    #[serde(default)]
    pub amount: TransactionAmount,
}

/// The values of `trade_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeState {
    /// Paid.
    Success,
    /// Paid, then (partly) refunded.
    Refund,
    /// Not paid yet.
    NotPay,
    /// Closed unpaid.
    Closed,
    /// Revoked (payment-code orders only).
    Revoked,
    /// The payer is entering a password.
    UserPaying,
    /// Payment failed (e.g. the bank refused).
    PayError,
    /// A value this code does not know.
    Unknown,
}

impl TradeState {
    /// From the wire value.
    pub fn parse(value: &str) -> Self {
        match value {
            "SUCCESS" => Self::Success,
            "REFUND" => Self::Refund,
            "NOTPAY" => Self::NotPay,
            "CLOSED" => Self::Closed,
            "REVOKED" => Self::Revoked,
            "USERPAYING" => Self::UserPaying,
            "PAYERROR" => Self::PayError,
            _ => Self::Unknown,
        }
    }

    /// Whether money was taken (a refunded order was paid first).
    pub fn is_paid(self) -> bool {
        matches!(self, Self::Success | Self::Refund)
    }
}

impl Transaction {
    /// `trade_state`, parsed.
    pub fn state(&self) -> TradeState {
        TradeState::parse(&self.trade_state)
    }
}

/// `amount` of a refund request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmountRequest {
    /// Fen to give back (at most what is left of `total`).
    pub refund: i64,
    /// The original order's total, fen.
    pub total: i64,
    /// `CNY`.
    #[serde(default = "cny")]
    pub currency: String,
}

/// What [`super::PayClient::refund`] asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// The paid order.
    pub out_trade_no: String,
    /// The merchant's refund number, unique per merchant; a retry with the same number is the
    /// same refund.
    pub out_refund_no: String,
    /// Shown to the payer (at most 80 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where the refund notification goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<String>,
    /// Fen.
    pub amount: RefundAmountRequest,
}

/// `amount` of a refund as WeChat Pay reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmount {
    /// The order's total, fen.
    #[serde(default)]
    pub total: i64,
    /// This refund, fen.
    #[serde(default)]
    pub refund: i64,
    /// What the payer paid, fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// What the payer gets back, fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_refund: Option<i64>,
}

/// A refund: the answer of the refund and refund-query calls. The decrypted resource of a
/// `REFUND.*` notification has the same fields with `refund_status` for `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// WeChat Pay's refund number.
    pub refund_id: String,
    /// The merchant's refund number.
    pub out_refund_no: String,
    /// WeChat Pay's order number.
    #[serde(default)]
    pub transaction_id: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// `SUCCESS`, `CLOSED`, `PROCESSING` or `ABNORMAL`.
    #[serde(alias = "refund_status")]
    pub status: String,
    /// RFC 3339, when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// Amounts, fen.
    #[serde(default)]
    pub amount: RefundAmount,
    /// In notifications: the merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
}

/// The encrypted `resource` of a notification (and of a platform certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedResource {
    /// `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// Base64 of ciphertext and tag.
    pub ciphertext: String,
    /// Authenticated, not encrypted (may be empty).
    #[serde(default)]
    pub associated_data: String,
    /// `transaction` or `refund` (none for certificates).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub original_type: String,
    /// 12 characters.
    pub nonce: String,
}

/// A notification as WeChat Pay posts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationBody {
    /// Unique per notification; retries of one notification keep it.
    pub id: String,
    /// RFC 3339.
    #[serde(default)]
    pub create_time: String,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`.
    pub event_type: String,
    /// `encrypt-resource`.
    #[serde(default)]
    pub resource_type: String,
    /// The encrypted payload.
    pub resource: EncryptedResource,
    /// Human text.
    #[serde(default)]
    pub summary: String,
}

/// A verified, decrypted notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Unique per notification (stable across WeChat Pay's retries).
    pub id: String,
    /// E.g. `TRANSACTION.SUCCESS`.
    pub event_type: String,
    /// RFC 3339.
    pub create_time: String,
    /// The decrypted resource, JSON text.
    pub plaintext: String,
}

impl Notification {
    /// The resource as a payment (`TRANSACTION.*` events).
    pub fn transaction(&self) -> Result<Transaction, serde_json::Error> {
        serde_json::from_str(&self.plaintext)
    }

    /// The resource as a refund (`REFUND.*` events).
    pub fn refund(&self) -> Result<Refund, serde_json::Error> {
        serde_json::from_str(&self.plaintext)
    }
}

/// The parameters of `wx.requestPayment`, named as the mini-program API names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestPayment {
    /// Unix seconds, as a string.
    pub time_stamp: String,
    /// Random, at most 32 characters.
    pub nonce_str: String,
    /// `prepay_id=...`.
    pub package: String,
    /// `RSA`.
    pub sign_type: String,
    /// RSA-SHA256 of `appId\ntimeStamp\nnonceStr\npackage\n` with the merchant key.
    pub pay_sign: String,
}
