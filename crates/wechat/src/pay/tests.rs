use super::*;

fn client() -> (PayClient, PrivateKey) {
    let merchant = crypto::tests::test_key().clone();
    // The same key plays WeChat Pay here; the mock tests use two.
    let platform = merchant.clone();
    let config = PayConfig::new(
        "1900009191",
        "wxd678efh567hg6787",
        "SERIAL1",
        merchant,
        "0123456789abcdef0123456789abcdef",
        "PUB_KEY_ID_1",
        platform.public_key(),
    )
    .unwrap();
    (PayClient::new(config).unwrap(), platform)
}

fn notification(
    platform: &PrivateKey,
    key: &ApiV3Key,
    plaintext: &str,
    ts: i64,
) -> (String, String, String) {
    let ciphertext = key
        .encrypt("transaction", "0123456789ab", plaintext.as_bytes())
        .unwrap();
    let body = serde_json::json!({
        "id": "EV-2018022511223320873",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": ciphertext,
            "associated_data": "transaction",
            "nonce": "0123456789ab"
        }
    })
    .to_string();
    let ts = ts.to_string();
    let signature = platform.sign(&crypto::response_message(&ts, "NONCE", &body));
    (body, ts, signature)
}

#[test]
fn notifications_verify_then_decrypt() {
    let (client, platform) = client();
    let key = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
    let plaintext = r#"{"appid":"wxd678efh567hg6787","mchid":"1900009191","out_trade_no":"FS1","transaction_id":"4200","trade_state":"SUCCESS","amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}"#;
    let now = 1_700_000_000;
    let (body, ts, signature) = notification(&platform, &key, plaintext, now);
    let signed = Signed {
        serial: "PUB_KEY_ID_1",
        timestamp: &ts,
        nonce: "NONCE",
        signature: &signature,
        body: &body,
    };
    let parsed = client.parse_notification_at(&signed, now + 10).unwrap();
    assert_eq!(parsed.id, "EV-2018022511223320873");
    let transaction = parsed.transaction().unwrap();
    assert_eq!(transaction.amount.total, 100);
    assert!(transaction.state().is_paid());

    // Unknown serial, stale, altered body, wrong signature.
    let other_serial = Signed {
        serial: "PUB_KEY_ID_2",
        ..signed
    };
    assert!(matches!(
        client.parse_notification_at(&other_serial, now),
        Err(PayError::UnknownSerial(_))
    ));
    assert!(matches!(
        client.parse_notification_at(&signed, now + 301),
        Err(PayError::StaleTimestamp(_))
    ));
    assert!(matches!(
        client.parse_notification_at(&signed, now - 301),
        Err(PayError::StaleTimestamp(_))
    ));
    let altered = body.replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS ");
    let forged = Signed {
        body: &altered,
        ..signed
    };
    assert!(matches!(
        client.parse_notification_at(&forged, now),
        Err(PayError::BadSignature(_))
    ));
    // Re-encrypted with another APIv3 key and signed properly: the signature is right, the
    // decryption is not.
    let other_key = ApiV3Key::new("fedcba9876543210fedcba9876543210").unwrap();
    let (body2, ts2, sig2) = notification(&platform, &other_key, plaintext, now);
    let signed2 = Signed {
        serial: "PUB_KEY_ID_1",
        timestamp: &ts2,
        nonce: "NONCE",
        signature: &sig2,
        body: &body2,
    };
    assert!(matches!(
        client.parse_notification_at(&signed2, now),
        Err(PayError::Decrypt(_))
    ));
}

#[test]
fn certificates_verify_only_within_their_validity() {
    let key = crypto::tests::test_key();
    let pem =
        certificates::self_signed_pem(key, &[0x42], 1_700_000_000, 1_800_000_000, "t").unwrap();
    let verifier = Verifier::default();
    verifier.set_certificates(vec![PlatformCertificate::from_pem(&pem).unwrap()]);
    let at = |now: i64| {
        let ts = now.to_string();
        let signature = key.sign(&crypto::response_message(&ts, "N", "{}"));
        verifier.verify(
            &Signed {
                serial: "42",
                timestamp: &ts,
                nonce: "N",
                signature: &signature,
                body: "{}",
            },
            now,
        )
    };
    assert!(at(1_750_000_000).is_ok());
    assert!(matches!(at(1_800_000_001), Err(PayError::UnknownSerial(_))));
    assert!(matches!(at(1_699_999_999), Err(PayError::UnknownSerial(_))));
    assert_eq!(verifier.earliest_expiry(), Some(1_800_000_000));
    // A new download replaces the set.
    verifier.set_certificates(Vec::new());
    assert!(verifier.serials().is_empty());
}

#[test]
fn request_payment_is_signed_for_the_app() {
    let (client, platform) = client();
    let params = client.request_payment("wx201410272009395522657a690389285100");
    assert_eq!(
        params.package,
        "prepay_id=wx201410272009395522657a690389285100"
    );
    assert_eq!(params.sign_type, "RSA");
    let message = format!(
        "wxd678efh567hg6787\n{}\n{}\n{}\n",
        params.time_stamp, params.nonce_str, params.package
    );
    assert!(platform.public_key().verify(&message, &params.pay_sign));
    let json = serde_json::to_value(&params).unwrap();
    for field in ["timeStamp", "nonceStr", "package", "signType", "paySign"] {
        assert!(json.get(field).is_some(), "{field}");
    }
}

#[test]
fn error_answers_become_typed_errors() {
    assert!(matches!(
        PayError::from_answer(404, "ORDER_NOT_EXIST", "x".into()),
        PayError::NotFound { .. }
    ));
    assert!(matches!(
        PayError::from_answer(400, "ORDERPAID", "x".into()),
        PayError::OrderPaid { .. }
    ));
    assert!(matches!(
        PayError::from_answer(401, "SIGN_ERROR", "x".into()),
        PayError::SignError { .. }
    ));
    assert!(matches!(
        PayError::from_answer(502, "", "x".into()),
        PayError::SystemError { status: 502, .. }
    ));
    assert!(matches!(
        PayError::from_answer(400, "PARAM_ERROR", "x".into()),
        PayError::Api { .. }
    ));
    assert!(PayError::from_answer(500, "SYSTEM_ERROR", "x".into()).is_retryable());
    assert!(!PayError::from_answer(400, "PARAM_ERROR", "x".into()).is_retryable());
}
