//! The error type shared by every call in this crate.

/// Generates the API-error variants together with the number <-> variant
/// mapping, so the two can never drift apart.
macro_rules! api_errors {
    ($( $(#[doc = $doc:literal])* $code:literal => $variant:ident, $desc:literal; )*) => {
        /// Everything that can go wrong talking to WeChat or decrypting its data.
        ///
        /// Documented `errcode`s get their own variant (each keeps WeChat's
        /// `errmsg`, which carries the `rid` WeChat support asks for); unknown
        /// codes land in [`WechatError::Api`] with number and message intact.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[non_exhaustive]
        pub enum WechatError {
            $(
                $(#[doc = $doc])*
                #[error("WeChat errcode {code} ({desc}): {errmsg}", code = $code, desc = $desc)]
                $variant {
                    /// The `errmsg` WeChat sent.
                    errmsg: String,
                },
            )*
            /// An errcode this crate has no dedicated variant for.
            #[error("WeChat errcode {errcode}: {errmsg}")]
            Api {
                /// WeChat's `errcode`.
                errcode: i64,
                /// WeChat's `errmsg`.
                errmsg: String,
            },
            /// The request could not be sent or the response not read
            /// (connection refused, reset, DNS...). Retryable.
            #[error("HTTP transport error talking to WeChat: {0}")]
            Http(String),
            /// The request did not finish within the configured timeout. Retryable.
            #[error("request to WeChat timed out")]
            Timeout,
            /// WeChat answered with an HTTP status other than 2xx and no errcode.
            /// Retryable for 5xx.
            #[error("WeChat answered HTTP status {0}")]
            HttpStatus(u16),
            /// The body was not the JSON shape the API documents.
            #[error("could not decode WeChat response: {0}")]
            Decode(String),
            /// The body was well-formed but semantically unusable
            /// (e.g. an image endpoint answering something that is not an image).
            #[error("invalid response from WeChat: {0}")]
            InvalidResponse(String),
            /// Open-data decryption failed: bad base64, key/iv length, padding or
            /// plaintext that is not JSON.
            #[error("could not decrypt WeChat open data: {0}")]
            Decrypt(String),
            /// Decrypted data (or a phone number) carries a watermark for another app.
            #[error("watermark appid does not match this app")]
            WatermarkMismatch,
        }

        impl WechatError {
            /// Maps a WeChat `errcode`/`errmsg` pair to its typed variant.
            pub fn from_code(errcode: i64, errmsg: impl Into<String>) -> Self {
                let errmsg = errmsg.into();
                match errcode {
                    $( $code => Self::$variant { errmsg }, )*
                    _ => Self::Api { errcode, errmsg },
                }
            }

            /// The WeChat `errcode` behind this error, if it came from WeChat.
            pub fn errcode(&self) -> Option<i64> {
                match self {
                    $( Self::$variant { .. } => Some($code), )*
                    Self::Api { errcode, .. } => Some(*errcode),
                    _ => None,
                }
            }
        }
    };
}

api_errors! {
    /// -1: WeChat is busy; retrying later may succeed.
    -1 => SystemBusy, "system busy";
    /// 40001: the access token (or, for token calls, the secret) is invalid
    /// or no longer the latest.
    40001 => InvalidCredential, "invalid credential";
    /// 40002: invalid grant_type.
    40002 => InvalidGrantType, "invalid grant_type";
    /// 40003: invalid openid (not a user of this app).
    40003 => InvalidOpenid, "invalid openid";
    /// 40013: invalid appid.
    40013 => InvalidAppId, "invalid appid";
    /// 40014: invalid access_token.
    40014 => InvalidAccessToken, "invalid access_token";
    /// 40029: invalid code (login or phone-number code).
    40029 => InvalidCode, "invalid code";
    /// 40037: invalid template_id.
    40037 => InvalidTemplateId, "invalid template_id";
    /// 40097: invalid arguments.
    40097 => InvalidArgs, "invalid args";
    /// 40125: invalid appsecret.
    40125 => InvalidAppSecret, "invalid appsecret";
    /// 40129: invalid scene.
    40129 => InvalidScene, "invalid scene";
    /// 40159: invalid length for path.
    40159 => InvalidPathLength, "invalid path length";
    /// 40163: the login code has already been used.
    40163 => CodeBeenUsed, "code been used";
    /// 40164: the calling IP is not in the app's whitelist.
    40164 => IpNotWhitelisted, "ip not in whitelist";
    /// 40169: invalid length for scene (empty, over 32 chars or bad characters).
    40169 => InvalidSceneLength, "invalid length for scene";
    /// 40226: high-risk user; login blocked by WeChat's risk control.
    40226 => HighRiskUser, "high risk user";
    /// 40243: the AppSecret is frozen.
    40243 => AppSecretFrozen, "appsecret frozen";
    /// 41001: access_token missing.
    41001 => MissingAccessToken, "access_token missing";
    /// 41002: appid missing.
    41002 => MissingAppId, "appid missing";
    /// 41004: appsecret missing.
    41004 => MissingAppSecret, "appsecret missing";
    /// 41008: code missing.
    41008 => MissingCode, "code missing";
    /// 41030: invalid page (missing from the released app, leading `/`, or with a query).
    41030 => InvalidPage, "invalid page";
    /// 42001: access_token expired.
    42001 => AccessTokenExpired, "access_token expired";
    /// 43002: the API requires POST.
    43002 => RequirePost, "require POST method";
    /// 43101: the user refused (or has not accepted) this subscription message.
    43101 => SubscriptionRefused, "user refused subscription message";
    /// 44002: empty POST body.
    44002 => EmptyPostData, "empty post data";
    /// 45009: daily API quota reached.
    45009 => DailyQuotaReached, "daily api quota reached";
    /// 45011: per-minute API quota reached; slow down and retry next minute.
    45011 => MinuteQuotaReached, "api minute-quota reached";
    /// 47001: request body is not in the required format.
    47001 => DataFormatError, "data format error";
    /// 47003: template argument error; errmsg names the offending field.
    47003 => TemplateArgumentError, "template argument error";
    /// 61010: the user has not visited the app recently (content security checks).
    61010 => UserAccessExpired, "user has not visited recently";
    /// 61024: a third-party platform must use its own component token.
    61024 => ThirdPartyTokenRequired, "third-party platform token required";
    /// 85064: template (or draft) not found, from the code-template APIs.
    85064 => TemplateNotFound, "template not found";
    /// 85096: `scancode_time` is reserved and must not be passed.
    85096 => ReservedScancodeTime, "scancode_time not allowed";
    /// 87014: risky content.
    87014 => RiskyContent, "risky content";
    /// 89503: the call needs administrator confirmation.
    89503 => AdminConfirmationRequired, "administrator confirmation required";
    /// 89506: the administrator refused calls from this IP; retry in 24 hours.
    89506 => IpRefusedForDay, "ip refused by administrator (24h)";
    /// 89507: the administrator refused calls from this IP; retry in 1 hour.
    89507 => IpRefusedForHour, "ip refused by administrator (1h)";
}

impl WechatError {
    /// Whether retrying the same request may help: WeChat being busy, the
    /// network failing, or a 5xx. Errors about the request itself (bad code,
    /// used code, quotas, ...) are never retryable.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::SystemBusy { .. } | Self::Http(_) | Self::Timeout => true,
            Self::HttpStatus(status) => *status >= 500,
            _ => false,
        }
    }

    /// Whether WeChat rejected the access token used for the call (40001,
    /// 42001, 40014): the client answers these with one forced refresh.
    pub fn is_access_token_rejection(&self) -> bool {
        matches!(
            self,
            Self::InvalidCredential { .. }
                | Self::AccessTokenExpired { .. }
                | Self::InvalidAccessToken { .. }
        )
    }

    /// How a call ended, as an [`Observer`](crate::observe::Observer) is told: the errcode, or
    /// `timeout`, `network`, `http_<status>`, `decode` (a few distinct values: a metrics label).
    pub fn outcome(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Self::Timeout => "timeout".into(),
            Self::Http(_) => "network".into(),
            Self::HttpStatus(status) => format!("http_{status}").into(),
            Self::Decode(_) | Self::InvalidResponse(_) => "decode".into(),
            Self::Decrypt(_) => "decrypt".into(),
            Self::WatermarkMismatch => "watermark".into(),
            other => match other.errcode() {
                Some(code) => code.to_string().into(),
                None => "error".into(),
            },
        }
    }

    pub(crate) fn from_reqwest(err: reqwest::Error) -> Self {
        if err.is_timeout() {
            return Self::Timeout;
        }
        // The URL can carry the app secret or access token in its query.
        let err = err.without_url();
        if err.is_decode() {
            Self::Decode(err.to_string())
        } else {
            Self::Http(err.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in [
            -1, 40001, 40002, 40003, 40013, 40014, 40029, 40037, 40125, 40163, 40169, 40226, 41002,
            41004, 41030, 42001, 43101, 45009, 45011, 47001, 47003, 61024, 85064, 87014, 89503,
            89506, 89507,
        ] {
            let err = WechatError::from_code(code, "msg");
            assert!(!matches!(err, WechatError::Api { .. }), "{code} untyped");
            assert_eq!(err.errcode(), Some(code));
        }
        let unknown = WechatError::from_code(12345, "odd");
        assert_eq!(
            unknown,
            WechatError::Api {
                errcode: 12345,
                errmsg: "odd".into()
            }
        );
        assert_eq!(unknown.errcode(), Some(12345));
    }

    #[test]
    fn retry_classification() {
        assert!(WechatError::from_code(-1, "busy").is_retryable());
        assert!(WechatError::Timeout.is_retryable());
        assert!(WechatError::Http("reset".into()).is_retryable());
        assert!(WechatError::HttpStatus(502).is_retryable());
        assert!(!WechatError::HttpStatus(404).is_retryable());
        for code in [40029, 40163, 45011, 40001, 40226] {
            assert!(!WechatError::from_code(code, "x").is_retryable(), "{code}");
        }
        assert!(WechatError::from_code(42001, "x").is_access_token_rejection());
        assert!(!WechatError::from_code(40029, "x").is_access_token_rejection());
    }

    #[test]
    fn display_keeps_message() {
        let text = WechatError::from_code(40029, "invalid code, rid: abc").to_string();
        assert!(
            text.contains("40029") && text.contains("rid: abc"),
            "{text}"
        );
    }
}
