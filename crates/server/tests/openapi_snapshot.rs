//! The OpenAPI document is the contract clients and the SDK are generated from: any change to
//! it shows up in review as a change to `docs/openapi.json`. After an intended change, run
//! `MINIBASE_UPDATE_OPENAPI=1 cargo test -p minibase --test openapi_snapshot` and commit the file.

use std::path::PathBuf;

#[test]
fn openapi_document_matches_the_committed_snapshot() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    // Pretty-printed, so that a review shows the change line by line.
    let served = minibase::app::openapi_json().expect("the OpenAPI document");
    let document: serde_json::Value = serde_json::from_slice(&served).expect("JSON");
    let mut current = serde_json::to_vec_pretty(&document).expect("JSON");
    current.push(b'\n');
    if std::env::var_os("MINIBASE_UPDATE_OPENAPI").is_some_and(|v| v != "0") {
        std::fs::write(&path, &current).expect("write docs/openapi.json");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    if committed != current {
        let committed = String::from_utf8_lossy(&committed);
        let current = String::from_utf8_lossy(&current);
        let first_difference = committed
            .lines()
            .zip(current.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(current.lines().count()));
        panic!(
            "docs/openapi.json differs from the document the server serves (first at line {}):\n  committed: {}\n  served:    {}\nIf the change is intended, rerun with MINIBASE_UPDATE_OPENAPI=1 and commit the file.",
            first_difference + 1,
            committed.lines().nth(first_difference).unwrap_or("<end>"),
            current.lines().nth(first_difference).unwrap_or("<end>"),
        );
    }
}
