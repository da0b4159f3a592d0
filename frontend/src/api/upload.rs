//! `POST /batches`: a multipart upload through `XMLHttpRequest`, the one browser API that
//! reports upload progress.

use invite_core::api::Problem;

use super::Raw;
#[cfg(target_arch = "wasm32")]
use super::problems::browser_problem;
use super::problems::unreachable_server;

#[cfg(target_arch = "wasm32")]
pub(super) async fn upload(
    url: &str,
    token: Option<String>,
    form: &web_sys::FormData,
    on_progress: impl Fn(u8) + 'static,
) -> Result<Raw, Problem> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{ProgressEvent, XmlHttpRequest};

    /// Detaches the progress handler when the upload ends or its future is dropped, so the
    /// browser never calls a freed closure.
    struct Progress {
        target: web_sys::XmlHttpRequestUpload,
        _handler: Closure<dyn FnMut(ProgressEvent)>,
    }
    impl Drop for Progress {
        fn drop(&mut self) {
            self.target.set_onprogress(None);
        }
    }

    let xhr = XmlHttpRequest::new().map_err(browser_problem)?;
    xhr.open("POST", url).map_err(browser_problem)?;
    if let Some(token) = token {
        xhr.set_request_header("Authorization", &format!("Bearer {token}"))
            .map_err(browser_problem)?;
    }
    let handler = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() && event.total() > 0.0 {
            on_progress((event.loaded() / event.total() * 100.0).clamp(0.0, 100.0) as u8);
        }
    });
    let target = xhr.upload().map_err(browser_problem)?;
    target.set_onprogress(Some(handler.as_ref().unchecked_ref()));
    let _progress = Progress {
        target,
        _handler: handler,
    };

    let finished = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
        xhr.set_ontimeout(Some(&reject));
    });
    xhr.send_with_opt_form_data(Some(form))
        .map_err(browser_problem)?;
    wasm_bindgen_futures::JsFuture::from(finished)
        .await
        .map_err(|_| unreachable_server())?;

    Ok(Raw {
        status: xhr.status().unwrap_or(0),
        status_text: xhr.status_text().unwrap_or_default(),
        content_type: xhr
            .get_response_header("content-type")
            .ok()
            .flatten()
            .unwrap_or_default(),
        trace_id: xhr.get_response_header("x-trace-id").ok().flatten(),
        body: xhr.response_text().ok().flatten().unwrap_or_default(),
    })
}

/// Uploads need a browser; natively (where only `cargo test` builds this crate) there is none.
#[cfg(not(target_arch = "wasm32"))]
pub(super) async fn upload(
    _url: &str,
    _token: Option<String>,
    _form: &web_sys::FormData,
    _on_progress: impl Fn(u8) + 'static,
) -> Result<Raw, Problem> {
    Err(unreachable_server())
}
