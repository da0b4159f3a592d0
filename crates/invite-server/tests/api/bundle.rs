//! The SPA's bundle is sent precompressed (brotli, else gzip) to browsers that accept it, as
//! `cargo xtask spa` wrote it; otherwise as it is. The browser suite loads the SPA through the
//! same path in Chromium, which asks for brotli.

use crate::support::TestApp;

fn dist(file: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../frontend/dist/pkg")
        .join(file);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (cargo xtask spa builds the bundle)",
            path.display()
        )
    })
}

async fn fetch(app: &TestApp, path: &str, accept: Option<&str>) -> reqwest::Response {
    // reqwest decodes nothing here (no compression features): the bytes are as sent.
    let mut request = app.client.get(app.url(path));
    if let Some(accept) = accept {
        request = request.header("Accept-Encoding", accept);
    }
    request.send().await.expect("request")
}

#[tokio::test]
async fn the_bundle_is_sent_precompressed_to_browsers_that_accept_it() {
    let app = TestApp::spawn_sqlite().await;
    for file in ["frontend_bg.wasm", "frontend.js"] {
        let path = format!("/pkg/{file}");
        let brotli = fetch(&app, &path, Some("gzip, deflate, br, zstd")).await;
        assert_eq!(brotli.status(), 200);
        assert_eq!(brotli.headers()["content-encoding"], "br", "{file}");
        assert_eq!(brotli.headers()["vary"], "Accept-Encoding");
        let etag = brotli.headers()["etag"].to_str().expect("etag").to_owned();
        let expected_type = if file.ends_with(".wasm") {
            "application/wasm"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(brotli.headers()["content-type"], expected_type);
        assert_eq!(
            brotli.bytes().await.expect("body"),
            dist(&format!("{file}.br"))
        );

        let gzip = fetch(&app, &path, Some("gzip, br;q=0")).await;
        assert_eq!(gzip.headers()["content-encoding"], "gzip", "{file}");
        assert_eq!(
            gzip.bytes().await.expect("body"),
            dist(&format!("{file}.gz"))
        );

        let plain = fetch(&app, &path, None).await;
        assert_eq!(plain.status(), 200);
        assert!(plain.headers().get("content-encoding").is_none(), "{file}");
        assert_eq!(plain.bytes().await.expect("body"), dist(file));

        // A browser that has it already is told so.
        let again = app
            .client
            .get(app.url(&path))
            .header("Accept-Encoding", "br")
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("request");
        assert_eq!(again.status(), 304);
    }
    // A file that is not there is 404, and no path leaves the bundle's directory.
    assert_eq!(
        fetch(&app, "/pkg/nothing.wasm", Some("br")).await.status(),
        404
    );
    assert_eq!(
        fetch(&app, "/pkg/..%2F..%2FCargo.toml", Some("br"))
            .await
            .status(),
        404
    );
}
