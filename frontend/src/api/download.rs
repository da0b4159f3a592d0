//! Handing a downloaded file to the browser: a Blob, an object URL, a click on a hidden link.

/// The file name a `Content-Disposition` header gives: `filename*` (UTF-8) when present, else
/// `filename`.
pub(super) fn filename(header: &str) -> Option<String> {
    let mut plain = None;
    for part in header.split(';').map(str::trim) {
        if let Some(value) = part.strip_prefix("filename*=") {
            let encoded = value
                .strip_prefix("UTF-8''")
                .or_else(|| value.strip_prefix("utf-8''"))?;
            return percent_decode(encoded);
        }
        if let Some(value) = part.strip_prefix("filename=") {
            plain = Some(value.trim_matches('"').to_owned());
        }
    }
    plain.filter(|name| !name.is_empty())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(target_arch = "wasm32")]
pub(super) fn save(bytes: &[u8], name: &str) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes).into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = leptos::prelude::document();
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.set_hidden(true);
    let body = document.body().ok_or("no document body")?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    web_sys::Url::revoke_object_url(&url)
}

/// Natively (only `cargo test` builds this crate there) there is no browser to save into.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn save(_bytes: &[u8], _name: &str) -> Result<(), wasm_bindgen::JsValue> {
    Err(wasm_bindgen::JsValue::from_str("no browser"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_utf8_name_wins_over_the_ascii_one() {
        assert_eq!(
            filename("attachment; filename=\"r_sum_.xlsx\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%2D%201.xlsx")
                .as_deref(),
            Some("résumé - 1.xlsx")
        );
        assert_eq!(
            filename("attachment; filename=\"invitations-2026-12-03.xlsx\"").as_deref(),
            Some("invitations-2026-12-03.xlsx")
        );
        assert_eq!(filename("attachment"), None);
        assert_eq!(filename("attachment; filename*=UTF-8''bad%zz"), None);
    }
}
