//! The client's requests: each signed with the merchant key, sent, its answer verified and read
//! (or its error answer turned into a [`PayError`]), inside a `wechat.call` span.

use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tracing::Instrument;

use super::{
    crypto, headers, unix_now, JsapiPrepay, JsapiPrepayBody, PayClient, PayError, Refund,
    RefundRequest, RequestPayment, Signed, Transaction,
};

#[derive(Deserialize)]
struct ErrorAnswer {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct PrepayAnswer {
    prepay_id: String,
}

impl PayClient {
    /// Send a signed request; verify and return the answer's body (empty for 204). `api` is the
    /// path's template, for the call's span and the observer. Runs in a `wechat.call` span.
    async fn call(
        &self,
        method: Method,
        api: &'static str,
        path: &str,
        body: Option<String>,
    ) -> Result<String, PayError> {
        let observer = self.config.observer.as_ref();
        let method_name = if method == Method::GET { "GET" } else { "POST" };
        let span = crate::observe::call_span(method_name, api);
        let started = std::time::Instant::now();
        let headers = crate::observe::injected(observer, &span);
        let result: Result<String, PayError> = async {
            let (answer_headers, text) = self.send(method, path, body, headers).await?;
            let signed = Signed::from_headers(&answer_headers, &text)?;
            self.verify_signed(&signed).await?;
            Ok(text)
        }
        .instrument(span.clone())
        .await;
        let outcome = match &result {
            Ok(_) => "0".into(),
            Err(err) => err.outcome(),
        };
        crate::observe::finish(observer, &span, api, &outcome, started.elapsed());
        result
    }

    /// Send a signed request; the headers and body of a 2xx answer (not verified yet), or the
    /// error answer as a [`PayError`].
    pub(super) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        extra_headers: HeaderMap,
    ) -> Result<(HeaderMap, String), PayError> {
        let body = body.unwrap_or_default();
        let timestamp = unix_now();
        let nonce = crypto::nonce();
        let authorization = crypto::authorization(
            &self.config.private_key,
            &self.config.mchid,
            &self.config.serial_no,
            method.as_str(),
            path,
            timestamp,
            &nonce,
            &body,
        );
        let mut request = self
            .http
            .request(method.clone(), format!("{}{}", self.config.api_base, path))
            .header(AUTHORIZATION, authorization)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, "minibase-wechat-pay/0.1")
            .headers(extra_headers);
        let public_key_ids = self.config.verifier.public_key_ids();
        if !public_key_ids.is_empty() {
            // Tells WeChat Pay to sign its answer with its public key (public-key mode, and a
            // switch to it). Certificate serials are not sent: WeChat Pay reads this header as
            // the certificate that encrypted sensitive fields, which these requests have none of.
            request = request.header(headers::SERIAL, public_key_ids.join(","));
        }
        if method != Method::GET {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let response = request.send().await.map_err(network_error)?;
        let status = response.status().as_u16();
        let answer_headers = response.headers().clone();
        let text = response.text().await.map_err(network_error)?;
        if !(200..300).contains(&status) {
            // Error answers carry no money state; they are read but not trusted for any.
            let answer: ErrorAnswer = serde_json::from_str(&text).unwrap_or(ErrorAnswer {
                code: String::new(),
                message: text.chars().take(200).collect(),
            });
            return Err(PayError::from_answer(status, &answer.code, answer.message));
        }
        Ok((answer_headers, text))
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        method: Method,
        api: &'static str,
        path: &str,
        body: Option<String>,
    ) -> Result<T, PayError> {
        let text = self.call(method, api, path, body).await?;
        serde_json::from_str(&text).map_err(|err| PayError::BadResponse(err.to_string()))
    }

    fn to_json(value: &impl serde::Serialize) -> Result<String, PayError> {
        serde_json::to_string(value).map_err(|err| PayError::BadResponse(err.to_string()))
    }

    /// `POST /v3/pay/transactions/jsapi`: the `prepay_id` (valid for 2 hours). Repeating it with
    /// the same `out_trade_no` and parameters gives the same order.
    pub async fn jsapi_prepay(&self, order: &JsapiPrepay) -> Result<String, PayError> {
        let body = JsapiPrepayBody {
            appid: self.config.appid.clone(),
            mchid: self.config.mchid.clone(),
            order: order.clone(),
        };
        let answer: PrepayAnswer = self
            .call_json(
                Method::POST,
                "/v3/pay/transactions/jsapi",
                "/v3/pay/transactions/jsapi",
                Some(Self::to_json(&body)?),
            )
            .await?;
        Ok(answer.prepay_id)
    }

    /// `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=...`.
    pub async fn query_by_out_trade_no(&self, out_trade_no: &str) -> Result<Transaction, PayError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}?mchid={}",
            encode(out_trade_no),
            encode(&self.config.mchid)
        );
        self.call_json(
            Method::GET,
            "/v3/pay/transactions/out-trade-no/{out_trade_no}",
            &path,
            None,
        )
        .await
    }

    /// `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close`: after it, the order cannot
    /// be paid. Closing a closed order succeeds again.
    pub async fn close(&self, out_trade_no: &str) -> Result<(), PayError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}/close",
            encode(out_trade_no)
        );
        let body = serde_json::json!({ "mchid": self.config.mchid }).to_string();
        self.call(
            Method::POST,
            "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            &path,
            Some(body),
        )
        .await
        .map(|_| ())
    }

    /// `POST /v3/refund/domestic/refunds` (partial refunds: `amount.refund < amount.total`).
    pub async fn refund(&self, refund: &RefundRequest) -> Result<Refund, PayError> {
        self.call_json(
            Method::POST,
            "/v3/refund/domestic/refunds",
            "/v3/refund/domestic/refunds",
            Some(Self::to_json(refund)?),
        )
        .await
    }

    /// `GET /v3/refund/domestic/refunds/{out_refund_no}`.
    pub async fn query_refund(&self, out_refund_no: &str) -> Result<Refund, PayError> {
        let path = format!("/v3/refund/domestic/refunds/{}", encode(out_refund_no));
        self.call_json(
            Method::GET,
            "/v3/refund/domestic/refunds/{out_refund_no}",
            &path,
            None,
        )
        .await
    }

    /// The parameters of `wx.requestPayment` for `prepay_id`, signed with the merchant key.
    pub fn request_payment(&self, prepay_id: &str) -> RequestPayment {
        let time_stamp = unix_now().to_string();
        let nonce_str = crypto::nonce();
        let package = format!("prepay_id={prepay_id}");
        let pay_sign = crypto::pay_sign(
            &self.config.private_key,
            &self.config.appid,
            &time_stamp,
            &nonce_str,
            &package,
        );
        RequestPayment {
            time_stamp,
            nonce_str,
            package,
            sign_type: "RSA".into(),
            pay_sign,
        }
    }
}

fn network_error(err: reqwest::Error) -> PayError {
    if err.is_timeout() {
        PayError::Timeout
    } else {
        PayError::Http(err.to_string())
    }
}

/// Percent-encode a path segment or query value (out_trade_no is `[0-9A-Za-z_-|*]`, so this is
/// for `|` and `*` and for safety).
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
