//! The WeChat Pay client every node keeps (the configured merchant, or in dev mode a merchant
//! of the in-process mock), and how WeChat Pay's errors read to a caller.

use std::sync::{Arc, OnceLock};

use minibase_wechat::mock::MockWechat;
use minibase_wechat::pay::mock::{MockMerchant, MOCK_API_V3_KEY, MOCK_MCHID};
use minibase_wechat::pay::{KeyMode, PayClient, PayConfig, PayError, PrivateKey};

use crate::error::{AppError, AppResult, ErrorCode};

/// The serial the dev merchant signs with (the mock checks it).
const DEV_MERCHANT_SERIAL: &str = "MOCK0000000000000000000000000000000000001";

/// The dev merchant's key: one per process (key generation takes a while in debug builds).
static DEV_MERCHANT_KEY: OnceLock<PrivateKey> = OnceLock::new();

/// A merchant of the in-process mock: its key is made (once per process) and registered there.
async fn dev_mock_merchant(mock: &MockWechat, base: &str) -> AppResult<PayConfig> {
    let pay = mock.pay().clone();
    let (merchant_key, platform_key) = tokio::task::spawn_blocking(move || {
        let key = match DEV_MERCHANT_KEY.get() {
            Some(key) => key.clone(),
            None => {
                let key = PrivateKey::generate()?;
                DEV_MERCHANT_KEY.get_or_init(|| key).clone()
            }
        };
        Ok::<_, minibase_wechat::pay::PayError>((key, pay.public_key()))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    mock.pay().register_merchant(MockMerchant {
        mchid: MOCK_MCHID.into(),
        appid: crate::wechat::MOCK_APPID.into(),
        serial_no: DEV_MERCHANT_SERIAL.into(),
        public_key: merchant_key.public_key(),
        api_v3_key: MOCK_API_V3_KEY.into(),
        platform_certificates: false,
    });
    tracing::warn!(
        "!!! DEV MODE: payments go to the built-in MOCK WeChat Pay; no money moves. !!!"
    );
    Ok(PayConfig::new(
        MOCK_MCHID,
        crate::wechat::MOCK_APPID,
        DEV_MERCHANT_SERIAL,
        merchant_key,
        MOCK_API_V3_KEY,
        mock.pay().public_key_id(),
        platform_key,
    )
    .map_err(AppError::internal)?
    .with_api_base(base))
}

/// The state every node keeps for payments: the pay client (built at first use).
pub struct PaymentsState {
    merchant: Option<minibase_wechat::pay::PayConfig>,
    dev_mock: Option<(minibase_wechat::mock::MockWechat, String)>,
    client: tokio::sync::OnceCell<PayClient>,
    notify_base: String,
    /// Certificate mode: the task that downloads the platform certificates again.
    certificate_refresh: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for PaymentsState {
    fn drop(&mut self) {
        if let Some(task) = self
            .certificate_refresh
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }
}

impl PaymentsState {
    pub fn new(config: &crate::config::Config, wechat: &crate::wechat::Wechat) -> Arc<Self> {
        let dev_mock = match (&config.pay.merchant, wechat.mock(), wechat.mock_api_base()) {
            (None, Some(mock), Some(base)) if config.mode == crate::config::Mode::Dev => {
                Some((mock.clone(), base.to_string()))
            }
            _ => None,
        };
        Arc::new(Self {
            merchant: config.pay.merchant.clone(),
            dev_mock,
            client: tokio::sync::OnceCell::new(),
            notify_base: config
                .pay
                .notify_base
                .clone()
                .unwrap_or_else(|| config.public_url.clone()),
            certificate_refresh: std::sync::Mutex::new(None),
        })
    }

    pub fn notify_url(&self) -> String {
        format!("{}/api/v1/payments/wechat/notify", self.notify_base)
    }

    pub fn refund_notify_url(&self) -> String {
        format!("{}/api/v1/payments/wechat/refund-notify", self.notify_base)
    }

    /// [`Self::client`] for a job, whose error is retried.
    pub(super) async fn job_client(&self) -> anyhow::Result<&PayClient> {
        self.client().await.map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The pay client: the configured merchant, or in dev mode a merchant of the in-process mock
    /// (keys made at first use). 503 when payments are not configured. In certificate mode the
    /// platform certificates are downloaded first (502 50210 while WeChat Pay cannot be reached:
    /// the next call tries again) and then kept fresh by a background task.
    pub async fn client(&self) -> AppResult<&PayClient> {
        self.client
            .get_or_try_init(|| async {
                let config = match (&self.merchant, &self.dev_mock) {
                    (Some(config), _) => config.clone(),
                    (None, Some((mock, base))) => dev_mock_merchant(mock, base).await?,
                    (None, None) => {
                        return Err(AppError::new(
                            ErrorCode::PaymentsDisabled,
                            "payments are not configured on this server",
                        ))
                    }
                };
                let client = PayClient::new(PayConfig {
                    observer: Some(crate::observability::wechat_observer()),
                    ..config
                })
                .map_err(AppError::internal)?;
                if let KeyMode::PlatformCertificates { .. } = client.config().key_mode {
                    let serials = client.download_certificates().await.map_err(pay_error)?;
                    tracing::info!(?serials, "WeChat Pay platform certificates downloaded");
                    *self
                        .certificate_refresh
                        .lock()
                        .unwrap_or_else(|e| e.into_inner()) = client.spawn_certificate_refresh();
                }
                Ok(client)
            })
            .await
    }
}

pub(super) fn pay_error(err: PayError) -> AppError {
    let error = match &err {
        e if e.is_retryable() => AppError::new(
            ErrorCode::PaymentUnavailable,
            "WeChat Pay is unavailable; try again",
        ),
        PayError::SignError { .. } => {
            tracing::error!(error = %err, "WeChat Pay refused the merchant signature: check wechat_pay_serial_no and the private key");
            AppError::new(
                ErrorCode::PaymentRejected,
                "WeChat Pay refused the merchant's credentials",
            )
        }
        PayError::Decrypt(_) => {
            tracing::error!(error = %err, "WeChat Pay's platform certificates do not decrypt: check wechat_pay_api_v3_key");
            AppError::new(
                ErrorCode::PaymentRejected,
                "WeChat Pay's platform certificates could not be read with the merchant's APIv3 key",
            )
        }
        PayError::Api { code, .. } => AppError::new(
            ErrorCode::PaymentRejected,
            format!("WeChat Pay refused the request ({code})"),
        ),
        _ => AppError::new(ErrorCode::PaymentRejected, "WeChat Pay refused the request"),
    };
    error.with_source(anyhow::anyhow!(err))
}
