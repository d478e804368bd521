use super::*;
use crate::pay::{
    Amount, JsapiPrepay, PayClient, PayConfig, PayError, Payer, RefundAmountRequest, RefundRequest,
    Signed,
};

fn setup() -> (PayMock, PayClient, PrivateKey) {
    let merchant_key = crate::pay::crypto::tests::test_key().clone();
    let mock = PayMock::new();
    mock.register_merchant(MockMerchant {
        mchid: MOCK_MCHID.into(),
        appid: "wx-mock-appid".into(),
        serial_no: "MERCHANT-SERIAL".into(),
        public_key: merchant_key.public_key(),
        api_v3_key: MOCK_API_V3_KEY.into(),
        platform_certificates: false,
    });
    let config = PayConfig::new(
        MOCK_MCHID,
        "wx-mock-appid",
        "MERCHANT-SERIAL",
        merchant_key.clone(),
        MOCK_API_V3_KEY,
        mock.public_key_id(),
        mock.public_key(),
    )
    .unwrap();
    (mock, PayClient::new(config).unwrap(), merchant_key)
}

fn order(no: &str, total: i64) -> JsapiPrepay {
    JsapiPrepay {
        description: "test".into(),
        out_trade_no: no.into(),
        time_expire: None,
        attach: None,
        notify_url: "http://127.0.0.1:9/notify".into(),
        amount: Amount {
            total,
            currency: "CNY".into(),
        },
        payer: Payer {
            openid: "o-1".into(),
        },
    }
}

#[tokio::test]
async fn the_client_and_the_mock_agree_end_to_end() {
    let (mock, client, _) = setup();
    let (addr, _server) = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = mock.router();
        (
            addr,
            tokio::spawn(async move { axum::serve(listener, router).await }),
        )
    };
    let client = PayClient::new(
        client
            .config()
            .clone()
            .with_api_base(format!("http://{addr}")),
    )
    .unwrap();

    let prepay_id = client
        .jsapi_prepay(&order("ORDER-0001", 1999))
        .await
        .unwrap();
    // Same order again: same prepay id; another amount: refused.
    assert_eq!(
        client
            .jsapi_prepay(&order("ORDER-0001", 1999))
            .await
            .unwrap(),
        prepay_id
    );
    assert!(
        matches!(client.jsapi_prepay(&order("ORDER-0001", 1)).await, Err(PayError::Api { code, .. }) if code == "INVALID_REQUEST")
    );
    let found = client.query_by_out_trade_no("ORDER-0001").await.unwrap();
    assert_eq!(found.trade_state, "NOTPAY");
    assert!(matches!(
        client.query_by_out_trade_no("ORDER-none").await,
        Err(PayError::NotFound { .. })
    ));

    mock.pay(
        MOCK_MCHID,
        "ORDER-0001",
        NotifyOptions {
            times: 0,
            ..NotifyOptions::default()
        },
    )
    .await
    .unwrap();
    let paid = client.query_by_out_trade_no("ORDER-0001").await.unwrap();
    assert!(paid.state().is_paid());
    assert_eq!(paid.amount.total, 1999);
    assert!(matches!(
        client.close("ORDER-0001").await,
        Err(PayError::OrderPaid { .. })
    ));

    // Partial refunds, then over the rest.
    let refund = client
        .refund(&RefundRequest {
            out_trade_no: "ORDER-0001".into(),
            out_refund_no: "R-1".into(),
            reason: Some("test".into()),
            notify_url: None,
            amount: RefundAmountRequest {
                refund: 999,
                total: 1999,
                currency: "CNY".into(),
            },
        })
        .await
        .unwrap();
    assert_eq!(refund.status, "PROCESSING");
    assert!(matches!(
        client
            .refund(&RefundRequest {
                out_trade_no: "ORDER-0001".into(),
                out_refund_no: "R-2".into(),
                reason: None,
                notify_url: None,
                amount: RefundAmountRequest {
                    refund: 1001,
                    total: 1999,
                    currency: "CNY".into()
                },
            })
            .await,
        Err(PayError::Api { .. })
    ));
    tokio::time::sleep(REFUND_DELAY * 3).await;
    assert_eq!(client.query_refund("R-1").await.unwrap().status, "SUCCESS");

    client.jsapi_prepay(&order("ORDER-0002", 5)).await.unwrap();
    client.close("ORDER-0002").await.unwrap();
    client.close("ORDER-0002").await.unwrap();
    assert_eq!(
        client
            .query_by_out_trade_no("ORDER-0002")
            .await
            .unwrap()
            .trade_state,
        "CLOSED"
    );

    // Faults: 5xx becomes a retryable error.
    mock.fail_next(1, 503);
    let err = client
        .query_by_out_trade_no("ORDER-0002")
        .await
        .unwrap_err();
    assert!(matches!(err, PayError::SystemError { status: 503, .. }) && err.is_retryable());

    // Another merchant key: SIGN_ERROR. Another WeChat Pay key: the answer is refused.
    let stranger = PrivateKey::generate().unwrap();
    let mut wrong = client.config().clone();
    wrong.private_key = stranger.clone();
    let wrong = PayClient::new(wrong).unwrap();
    assert!(matches!(
        wrong.query_by_out_trade_no("ORDER-0002").await,
        Err(PayError::SignError { .. })
    ));
    let mut distrust = client.config().clone();
    distrust.verifier = crate::pay::Verifier::new(mock.public_key_id(), stranger.public_key());
    let distrust = PayClient::new(distrust).unwrap();
    assert!(matches!(
        distrust.query_by_out_trade_no("ORDER-0002").await,
        Err(PayError::BadSignature(_))
    ));
}

async fn serve(mock: &PayMock) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = mock.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn certificate_mode_downloads_verifies_and_follows_a_rotation() {
    let merchant_key = crate::pay::crypto::tests::test_key().clone();
    let mock = PayMock::new();
    mock.register_merchant(MockMerchant {
        mchid: MOCK_MCHID.into(),
        appid: "wx-mock-appid".into(),
        serial_no: "MERCHANT-SERIAL".into(),
        public_key: merchant_key.public_key(),
        api_v3_key: MOCK_API_V3_KEY.into(),
        platform_certificates: true,
    });
    let base = serve(&mock).await;
    let config = |api_v3_key: &str| {
        PayConfig::with_platform_certificates(
            MOCK_MCHID,
            "wx-mock-appid",
            "MERCHANT-SERIAL",
            merchant_key.clone(),
            api_v3_key,
        )
        .unwrap()
        .with_api_base(base.clone())
    };
    let client = PayClient::new(config(MOCK_API_V3_KEY)).unwrap();
    assert!(client.verifier().serials().is_empty());
    let first = mock.certificate_serials();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].len(), 40, "{first:?}");
    // The download: decrypted with the APIv3 key, its answer verified with what it brought.
    assert_eq!(client.download_certificates().await.unwrap(), first);
    assert_eq!(client.verifier().serials(), first);
    client
        .jsapi_prepay(&order("ORDER-CERT-1", 100))
        .await
        .unwrap();

    // Another APIv3 key cannot open the list: nothing is trusted.
    let stranger = PayClient::new(config("another-apiv3-key-0123456789abcd")).unwrap();
    assert!(matches!(
        stranger.download_certificates().await,
        Err(PayError::Decrypt(_))
    ));
    assert!(stranger.verifier().serials().is_empty());

    // What the first certificate signed (a notification sent before the rotation).
    let before = {
        let ts = unix_now().to_string();
        let body = "{\"id\":\"EV-1\"}".to_string();
        let signature = mock
            .current_certificate()
            .unwrap()
            .key
            .sign(&crypto::response_message(&ts, "N", &body));
        (ts, body, signature)
    };
    let signed_before = Signed {
        serial: &first[0],
        timestamp: &before.0,
        nonce: "N",
        signature: &before.2,
        body: &before.1,
    };

    // Rotation: WeChat Pay signs with a new certificate. The client learns it at the first
    // answer under the unknown serial (one download), and trusts both during the overlap.
    let second = mock
        .rotate_certificate(Some(PrivateKey::generate().unwrap()))
        .unwrap();
    assert_ne!(second, first[0]);
    let answer = client.query_by_out_trade_no("ORDER-CERT-1").await.unwrap();
    assert_eq!(answer.trade_state, "NOTPAY");
    let mut both = vec![first[0].clone(), second.clone()];
    both.sort();
    assert_eq!(client.verifier().serials(), both);
    client
        .config()
        .verifier
        .verify(&signed_before, unix_now())
        .unwrap();

    // A notification under a serial WeChat Pay never used: one download, still unknown,
    // refused; a second one within the cooldown is refused without another download.
    let forged = |serial: &'static str| {
        let ts = unix_now().to_string();
        let body = "{}".to_string();
        let signature = merchant_key.sign(&crypto::response_message(&ts, "N", &body));
        (serial, ts, body, signature)
    };
    let downloads = mock.certificate_downloads();
    for (serial, ts, body, signature) in [forged("FORGED-1"), forged("FORGED-2")] {
        let signed = Signed {
            serial,
            timestamp: &ts,
            nonce: "N",
            signature: &signature,
            body: &body,
        };
        assert!(matches!(
            client.parse_notification(&signed).await,
            Err(PayError::UnknownSerial(_))
        ));
    }
    assert_eq!(mock.certificate_downloads(), downloads + 1);

    // The end of the overlap: the next download drops the withdrawn certificate.
    assert!(
        mock.withdraw_certificate(&second).is_err(),
        "the signing one stays"
    );
    mock.withdraw_certificate(&first[0]).unwrap();
    assert_eq!(
        client.download_certificates().await.unwrap(),
        vec![second.clone()]
    );
    assert!(matches!(
        client.config().verifier.verify(&signed_before, unix_now()),
        Err(PayError::UnknownSerial(_))
    ));

    // In the background: with a short refresh period, a new certificate is known before
    // anything signed with it arrives.
    let mut quick = config(MOCK_API_V3_KEY);
    quick.key_mode = crate::pay::KeyMode::PlatformCertificates {
        refresh_every: Duration::from_millis(200),
    };
    let quick = PayClient::new(quick).unwrap();
    quick.download_certificates().await.unwrap();
    let task = quick.spawn_certificate_refresh().expect("certificate mode");
    let third = mock
        .rotate_certificate(Some(crate::pay::crypto::tests::test_key().clone()))
        .unwrap();
    let started = std::time::Instant::now();
    while !quick.verifier().serials().contains(&third) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "refreshed in time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();

    // A switch to the public key: named in `Wechatpay-Serial`, it signs the answers, and no
    // certificate is needed.
    let mut switching = config(MOCK_API_V3_KEY);
    switching.verifier = crate::pay::Verifier::new(mock.public_key_id(), mock.public_key());
    let switching = PayClient::new(switching).unwrap();
    let downloads = mock.certificate_downloads();
    switching
        .query_by_out_trade_no("ORDER-CERT-1")
        .await
        .unwrap();
    assert_eq!(mock.certificate_downloads(), downloads);
    // Public-key mode has no such task.
    assert!(setup().1.spawn_certificate_refresh().is_none());
}
