//! Reusable pieces of the pages: form fields, error summary, notifications, dialog, menus, tags,
//! the brand, and the parts of the Batch upload page (upload form, rows table, pager, row dialog).

pub mod batch_rows;
pub mod brand;
pub mod copy;
pub mod device_rule;
pub mod dialog;
pub mod field;
pub mod history_dialog;
pub mod invitation_form;
pub mod menu;
pub mod notification;
pub mod pager;
pub mod row_dialog;
pub mod status_tag;
pub mod upload_form;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Moves focus to the element with this id.
pub fn focus_id(id: &str) {
    if let Some(element) = document().get_element_by_id(id) {
        focus(&element);
    }
}

/// Moves focus to a node once the pending render has happened (a node shown by the same update
/// that asks for focus is not in the document yet).
pub fn focus_node<E>(node: NodeRef<E>)
where
    E: leptos::tachys::html::element::ElementType + 'static,
    E::Output: JsCast + Clone + 'static,
{
    request_animation_frame(move || {
        if let Some(element) = node.try_get_untracked().flatten() {
            focus(element.unchecked_ref());
        }
    });
}

pub fn focus(element: &web_sys::Element) {
    if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
        let _ = element.focus();
    }
}

static POINTER_DOWN: AtomicBool = AtomicBool::new(false);

/// Starts noting whether a mouse button or a finger is down, for [`after_pointer_release`].
pub fn track_pointer() {
    // The listeners last as long as the page.
    window_event_listener(leptos::ev::pointerdown, |_| {
        POINTER_DOWN.store(true, Ordering::Relaxed)
    });
    window_event_listener(leptos::ev::pointerup, |_| {
        POINTER_DOWN.store(false, Ordering::Relaxed)
    });
    window_event_listener(leptos::ev::pointercancel, |_| {
        POINTER_DOWN.store(false, Ordering::Relaxed)
    });
}

/// Runs `f` now or, when a press is under way, once it is released and its click has landed.
///
/// A field checked when it is left shows or hides its error message, moving what is below it.
/// Left by a press on something below (a radio, a button), that thing would move between the
/// press and the release, and the click would land beside it.
pub fn after_pointer_release(f: impl FnOnce() + 'static) {
    if !POINTER_DOWN.load(Ordering::Relaxed) {
        return f();
    }
    let run = Closure::once_into_js(move || set_timeout(f, Duration::ZERO));
    let options = web_sys::AddEventListenerOptions::new();
    options.set_once(true);
    let _ = window().add_event_listener_with_callback_and_add_event_listener_options(
        "pointerup",
        run.unchecked_ref(),
        &options,
    );
}

/// Sets the browser tab's title for a page.
pub fn set_title(page: &str) {
    document().set_title(&format!("{page} – Invite Users"));
}

/// Waits `duration` without blocking the page.
pub async fn sleep(duration: Duration) {
    let (tx, rx) = futures_channel_oneshot();
    set_timeout(tx, duration);
    rx.await;
}

/// A one-shot signal from a timer callback to the task awaiting it.
fn futures_channel_oneshot() -> (impl FnOnce(), impl std::future::Future<Output = ()>) {
    let promise_resolve = std::rc::Rc::new(std::cell::RefCell::new(None::<js_sys::Function>));
    let stored = promise_resolve.clone();
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        *stored.borrow_mut() = Some(resolve);
    });
    let fire = move || {
        if let Some(resolve) = promise_resolve.borrow_mut().take() {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    };
    let wait = async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    };
    (fire, wait)
}
