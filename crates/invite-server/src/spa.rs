//! The built SPA: its files, `index.html` for every client-side route, and the bundle served
//! precompressed.
//!
//! `cargo xtask spa` writes a brotli (`.br`) and a gzip (`.gz`) copy of each file under `pkg/`
//! (the wasm and its JS glue) at the best ratio, once, at build time. They are loaded here at
//! start-up and sent to browsers that accept them, as they are: brotli takes the wasm from
//! 1.2 MB to about a third of its gzip-on-the-fly size class, and nothing is compressed per
//! request. Without the copies (a bundle built otherwise), the files are served as they are
//! and `Compress` gzips them on the fly.

use std::collections::HashMap;
use std::path::Path;

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

/// The files of `pkg/` that have compressed copies, by name.
#[derive(Default)]
pub struct Precompressed(HashMap<String, Variants>);

struct Variants {
    content_type: &'static str,
    brotli: Option<Encoded>,
    gzip: Option<Encoded>,
}

struct Encoded {
    body: Bytes,
    etag: String,
}

impl Encoded {
    fn read(path: &Path) -> Option<Encoded> {
        let body = std::fs::read(path).ok()?;
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
        Some(Encoded {
            body: body.into(),
            etag,
        })
    }
}

impl Precompressed {
    /// The compressed copies under `dir/pkg` (none when there are none).
    pub fn load(dir: &Path) -> Precompressed {
        let Ok(entries) = std::fs::read_dir(dir.join("pkg")) else {
            return Precompressed::default();
        };
        let mut files = HashMap::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let content_type = match path.extension().and_then(|e| e.to_str()) {
                Some("wasm") => "application/wasm",
                Some("js") => "text/javascript; charset=utf-8",
                _ => continue,
            };
            let brotli = Encoded::read(&path.with_file_name(format!("{name}.br")));
            let gzip = Encoded::read(&path.with_file_name(format!("{name}.gz")));
            if brotli.is_some() || gzip.is_some() {
                files.insert(
                    name.to_owned(),
                    Variants {
                        content_type,
                        brotli,
                        gzip,
                    },
                );
            }
        }
        Precompressed(files)
    }
}

/// `GET /pkg/{file}`: the brotli or gzip copy when the browser takes it, else the file.
pub async fn bundle_file(
    req: HttpRequest,
    file: web::Path<String>,
    precompressed: web::Data<Precompressed>,
    dir: web::Data<SpaDir>,
) -> actix_web::Result<HttpResponse> {
    let name = file.into_inner();
    // A bundle file's name, nothing that could leave the directory.
    let plain_name = !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !plain_name {
        return Err(actix_web::error::ErrorNotFound("no such file"));
    }
    if let Some(variants) = precompressed.0.get(&name) {
        let accepted = accepted_encodings(&req);
        let chosen = [("br", &variants.brotli), ("gzip", &variants.gzip)]
            .into_iter()
            .find_map(|(coding, encoded)| {
                encoded
                    .as_ref()
                    .filter(|_| accepted.iter().any(|a| a == coding))
                    .map(|e| (coding, e))
            });
        if let Some((coding, encoded)) = chosen {
            let unchanged = req
                .headers()
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|tags| tags.split(',').any(|t| t.trim() == encoded.etag));
            let mut response = if unchanged {
                HttpResponse::NotModified()
            } else {
                HttpResponse::Ok()
            };
            response
                .insert_header((header::CONTENT_TYPE, variants.content_type))
                .insert_header((header::CONTENT_ENCODING, coding))
                .insert_header((header::VARY, "Accept-Encoding"))
                .insert_header((header::ETAG, encoded.etag.as_str()))
                .insert_header((header::CACHE_CONTROL, "no-cache"));
            return Ok(if unchanged {
                response.finish()
            } else {
                response.body(encoded.body.clone())
            });
        }
    }
    // Not precompressed, or not accepted so: the file itself (`Compress` may gzip it).
    let path = dir.0.join("pkg").join(&name);
    Ok(NamedFile::open_async(&path)
        .await
        .map_err(|_| actix_web::error::ErrorNotFound("no such file"))?
        .into_response(&req))
}

/// The content codings `Accept-Encoding` accepts (q above 0), lower-cased.
fn accepted_encodings(req: &HttpRequest) -> Vec<String> {
    let Some(header) = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v: &HeaderValue| v.to_str().ok())
    else {
        return Vec::new();
    };
    header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let coding = parts.next()?.trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (!coding.is_empty() && !refused).then_some(coding)
        })
        .collect()
}

/// Where the built SPA is.
pub struct SpaDir(pub std::path::PathBuf);

/// The built SPA: static files, and `index.html` for every other path (client-side routes).
pub fn files(dir: &Path) -> Files {
    let index = dir.join("index.html");
    Files::new("/", dir)
        .index_file("index.html")
        .default_handler(fn_service(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                match NamedFile::open_async(&index).await {
                    Ok(file) => {
                        let res = file.into_response(&req);
                        Ok(ServiceResponse::new(req, res))
                    }
                    Err(_) => Ok(ServiceResponse::new(
                        req,
                        actix_web::HttpResponse::NotFound().finish(),
                    )),
                }
            }
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let req = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, "gzip, deflate, BR;q=0.5, zstd;q=0"))
            .to_http_request();
        assert_eq!(accepted_encodings(&req), ["gzip", "deflate", "br"]);
        let none = TestRequest::default().to_http_request();
        assert!(accepted_encodings(&none).is_empty());
    }
}
