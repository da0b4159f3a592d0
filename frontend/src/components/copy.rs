//! A button that copies a text to the clipboard, and says so.

use leptos::prelude::*;

#[component]
pub fn CopyButton(text: String, #[prop(default = "Copy")] label: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let navigator = window().navigator();
        // The Clipboard API exists only in secure contexts (https, localhost).
        if js_sys::Reflect::has(&navigator, &"clipboard".into()) != Ok(true) {
            return;
        }
        let promise = navigator.clipboard().write_text(&text);
        leptos::task::spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                let _ = copied.try_set(true);
            }
        });
    };
    view! {
        <button type="button" class="btn btn-link btn-small" on:click=copy>
            {move || if copied.get() { "Copied" } else { label }}
        </button>
    }
}
