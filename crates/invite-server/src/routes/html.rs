//! Small server-rendered pages (the invitation link, the stand-ins' pages): plain HTML with
//! an inline stylesheet, readable without the SPA or JavaScript.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;

use crate::delivery::email::escape;

/// The pages' one stylesheet, inline; the Content-Security-Policy allows it by its hash
/// (`security::headers`).
pub const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:34rem;\
    margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}.banner{background:#fff4ce;\
    padding:.5rem .75rem;border-radius:4px}label{display:block;margin-top:1rem;font-weight:600}\
    input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}button{margin-top:1.5rem;\
    font:inherit;padding:.6rem 1.2rem;background:#5925dc;color:#fff;border:0;border-radius:6px;\
    cursor:pointer}button:focus-visible,input:focus-visible{outline:3px solid #ffbf47}";

/// A page titled `heading`, with `body` (already HTML, its values escaped by the caller) and an
/// optional `banner` (plain text).
pub fn html_page(
    status: StatusCode,
    document_title: &str,
    banner: Option<&str>,
    heading: &str,
    body: &str,
) -> HttpResponse {
    let banner = banner
        .map(|b| format!("<p class=\"banner\" role=\"note\">{}</p>", escape(b)))
        .unwrap_or_default();
    HttpResponse::build(status)
        .content_type(ContentType::html())
        .insert_header(("Cache-Control", "no-store"))
        .body(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"referrer\" content=\"no-referrer\">\
             <title>{title}</title><style>{PAGE_STYLE}</style></head>\
             <body>{banner}<main><h1>{heading}</h1>{body}</main></body></html>",
            title = escape(document_title),
            heading = escape(heading),
        ))
}
