//! Batch uploads as a client sends them: committed spreadsheet fixtures and the multipart
//! upload.

use std::path::PathBuf;

use serde_json::Value;

use super::{TestApp, json_of};

/// A committed spreadsheet of `invite-sheets`' fixtures.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../invite-sheets/tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    app.client
        .post(app.url("/api/v1/batches"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("request")
}

/// Uploads a committed fixture as `filename` and returns the staged batch.
pub async fn stage(app: &TestApp, token: &str, filename: &str, name: &str) -> Value {
    json_of(upload(app, token, filename, fixture(name)).await).await
}
