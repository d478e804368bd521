//! Uploads stored in S3-compatible object storage, against a local S3 server
//! (`MINIBASE_TEST_S3_ENDPOINT`, e.g. moto's server; `.ci/run` starts one).

mod common;

use common::{Backend, TestApp};
use serde_json::json;

#[tokio::test]
async fn images_go_to_s3_and_are_served_back() {
    let test = "images_go_to_s3_and_are_served_back";
    let endpoint = match std::env::var("MINIBASE_TEST_S3_ENDPOINT") {
        Ok(url) if !url.is_empty() => url.trim_end_matches('/').to_string(),
        _ => {
            common::say_skipped(test, "MINIBASE_TEST_S3_ENDPOINT is not set");
            return;
        }
    };
    let bucket = format!(
        "mb-test-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("create bucket");
    assert!(
        created.status().is_success(),
        "create bucket: {}",
        created.status()
    );
    let app = TestApp::spawn_with(Backend::Sqlite, test, |raw| {
        raw.files.files_store = "s3".into();
        raw.files.s3_bucket = Some(bucket.clone());
        raw.files.s3_endpoint = Some(endpoint.clone());
        raw.files.s3_region = Some("us-east-1".into());
        raw.files.s3_access_key_id = Some("test".into());
        raw.files.s3_secret_access_key = Some("test".into());
    })
    .await
    .unwrap();
    let login = app
        .post_json("/api/v1/auth/login", &json!({"code": "s3-user"}))
        .await;
    let token = login.assert_ok(200)["token"].as_str().unwrap().to_string();

    // A 2x3 GIF header is enough for the sniffer and the pixel reader.
    let gif = b"GIF89a\x02\x00\x03\x00\x00\x00\x00;".to_vec();
    let boundary = "b0undary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.gif\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&gif);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let uploaded = app
        .send(
            app.client
                .post(app.url("/api/v1/files"))
                .bearer_auth(&token)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body),
        )
        .await;
    let file = uploaded.assert_ok(201).clone();
    assert_eq!(file["content_type"], "image/gif");
    assert_eq!(
        (file["width"].as_i64(), file["height"].as_i64()),
        (Some(2), Some(3))
    );
    let url = file["url"].as_str().unwrap();
    let key = url.rsplit('/').next().unwrap();

    // The object is in the bucket (read with a signed request of our own), and the server
    // serves it back.
    use object_store::ObjectStoreExt;
    let s3 = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&bucket)
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .build()
        .unwrap();
    let stored = s3
        .get(&object_store::path::Path::from(key))
        .await
        .expect("object in the bucket");
    assert_eq!(stored.bytes().await.unwrap().as_ref(), gif.as_slice());
    let served = app.client.get(url).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/gif");
    assert_eq!(served.bytes().await.unwrap().as_ref(), gif.as_slice());
    app.get("/files/20260101-missing.gif")
        .await
        .assert_error(404, 40401);
}
