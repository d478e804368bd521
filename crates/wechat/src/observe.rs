//! Hooks for the application's telemetry. The crate depends on no tracing backend and no
//! metrics library: every HTTP call to WeChat or WeChat Pay runs in a `tracing` span named
//! `wechat.call`, and an [`Observer`], when configured, may add headers to the request (a W3C
//! `traceparent`) and is told how each attempt ended.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;

/// Told about every HTTP call the clients make.
pub trait CallObserver: Send + Sync + 'static {
    /// Add headers to an outgoing request (for example W3C `traceparent`). Called inside the
    /// call's span.
    fn inject(&self, _headers: &mut HeaderMap) {}

    /// One attempt ended. `api` is the endpoint's path template (`/sns/jscode2session`,
    /// `/v3/pay/transactions/out-trade-no/{out_trade_no}`); `outcome` is `0` on success,
    /// WeChat's errcode or WeChat Pay's error code, or one of `timeout`, `network`,
    /// `http_<status>`, `decode`.
    fn finished(&self, _api: &'static str, _outcome: &str, _elapsed: Duration) {}
}

/// A shared [`CallObserver`], as the clients' settings hold it.
#[derive(Clone)]
pub struct Observer(pub Arc<dyn CallObserver>);

impl Observer {
    /// Wrap `observer`.
    pub fn new(observer: impl CallObserver) -> Self {
        Self(Arc::new(observer))
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer")
    }
}

/// The span every attempt runs in. `otel.*` fields name and classify it for OpenTelemetry
/// bridges; `wechat.outcome` is recorded when the attempt ends.
pub(crate) fn call_span(method: &'static str, api: &'static str) -> tracing::Span {
    tracing::info_span!(
        "wechat.call",
        otel.name = %format_args!("wechat {api}"),
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        http.request.method = method,
        wechat.api = api,
        wechat.outcome = tracing::field::Empty,
    )
}

/// Record how an attempt ended, on its span and with the observer.
pub(crate) fn finish(
    observer: Option<&Observer>,
    span: &tracing::Span,
    api: &'static str,
    outcome: &str,
    elapsed: Duration,
) {
    span.record("wechat.outcome", outcome);
    if outcome != "0" {
        span.record("otel.status_code", "error");
    }
    if let Some(observer) = observer {
        observer.0.finished(api, outcome, elapsed);
    }
}

/// The headers an observer adds, made inside `span` (empty without an observer: no allocation).
pub(crate) fn injected(observer: Option<&Observer>, span: &tracing::Span) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(observer) = observer {
        span.in_scope(|| observer.0.inject(&mut headers));
    }
    headers
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use axum::extract::Request;
    use axum::middleware::Next;
    use reqwest::header::HeaderValue;

    use super::*;
    use crate::mock::{MockConfig, MockWechat};
    use crate::pay::mock::{MockMerchant, PayMock, MOCK_API_V3_KEY, MOCK_MCHID};
    use crate::pay::{Amount, JsapiPrepay, PayClient, PayConfig, Payer};
    use crate::{WechatClient, WechatError};

    /// Adds a header to every call and keeps every outcome.
    #[derive(Default)]
    struct Recorder {
        finished: Mutex<Vec<(&'static str, String)>>,
    }

    impl CallObserver for Arc<Recorder> {
        fn inject(&self, headers: &mut HeaderMap) {
            headers.insert("traceparent", HeaderValue::from_static("00-test-01"));
        }

        fn finished(&self, api: &'static str, outcome: &str, _elapsed: Duration) {
            self.finished
                .lock()
                .unwrap()
                .push((api, outcome.to_string()));
        }
    }

    /// Serve `router`, keeping the `traceparent` of every request it receives.
    async fn serve(router: axum::Router) -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let keep = seen.clone();
        let router = router.layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let keep = keep.clone();
                async move {
                    let header = request
                        .headers()
                        .get("traceparent")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("(none)")
                        .to_string();
                    keep.lock().unwrap().push(header);
                    next.run(request).await
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        (addr, seen)
    }

    #[tokio::test]
    async fn wechat_calls_carry_the_observers_headers_and_report_their_errcode() {
        let mock = MockWechat::new(MockConfig::default());
        let (addr, seen) = serve(mock.router()).await;
        let recorder = Arc::new(Recorder::default());
        let client = WechatClient::new(crate::WechatConfig {
            observer: Some(Observer::new(recorder.clone())),
            ..mock.client_config(addr)
        })
        .unwrap();
        client.code2session("alice:1").await.unwrap();
        let refused = client.code2session("invalid").await.unwrap_err();
        assert!(matches!(refused, WechatError::InvalidCode { .. }));
        assert_eq!(
            *recorder.finished.lock().unwrap(),
            [
                ("/sns/jscode2session", "0".to_string()),
                ("/sns/jscode2session", "40029".to_string())
            ]
        );
        assert_eq!(*seen.lock().unwrap(), ["00-test-01", "00-test-01"]);
    }

    #[tokio::test]
    async fn pay_calls_carry_the_observers_headers_and_report_their_code() {
        let merchant_key = crate::pay::crypto::tests::test_key().clone();
        let pay = PayMock::new();
        pay.register_merchant(MockMerchant {
            mchid: MOCK_MCHID.into(),
            appid: "wx-mock-appid".into(),
            serial_no: "MERCHANT-SERIAL".into(),
            public_key: merchant_key.public_key(),
            api_v3_key: MOCK_API_V3_KEY.into(),
            platform_certificates: false,
        });
        let (addr, seen) = serve(pay.router()).await;
        let recorder = Arc::new(Recorder::default());
        let config = PayConfig::new(
            MOCK_MCHID,
            "wx-mock-appid",
            "MERCHANT-SERIAL",
            merchant_key,
            MOCK_API_V3_KEY,
            pay.public_key_id(),
            pay.public_key(),
        )
        .unwrap()
        .with_api_base(format!("http://{addr}"));
        let client = PayClient::new(PayConfig {
            observer: Some(Observer::new(recorder.clone())),
            ..config
        })
        .unwrap();
        client
            .jsapi_prepay(&JsapiPrepay {
                description: "test".into(),
                out_trade_no: "OBSERVED-1".into(),
                time_expire: None,
                attach: None,
                notify_url: "http://127.0.0.1:9/notify".into(),
                amount: Amount {
                    total: 100,
                    currency: "CNY".into(),
                },
                payer: Payer {
                    openid: "o-1".into(),
                },
            })
            .await
            .unwrap();
        assert!(client.query_by_out_trade_no("NO-SUCH-ORDER").await.is_err());
        assert_eq!(
            *recorder.finished.lock().unwrap(),
            [
                ("/v3/pay/transactions/jsapi", "0".to_string()),
                (
                    "/v3/pay/transactions/out-trade-no/{out_trade_no}",
                    "ORDER_NOT_EXIST".to_string()
                )
            ]
        );
        assert_eq!(*seen.lock().unwrap(), ["00-test-01", "00-test-01"]);
    }
}
