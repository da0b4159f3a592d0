//! A modal dialog: `role="dialog"`, `aria-modal`, labelled by its title. Focus moves into it
//! when it opens, Tab and Shift+Tab stay inside, Escape closes it, and focus goes back to the
//! control that opened it.

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::focus;

const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
     select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// The first control of the body is where focus starts (not the Close button of the header).
fn body_focusable() -> String {
    FOCUSABLE
        .split(", ")
        .map(|s| format!(".modal-body {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Render it while it is open (inside `<Show>`); `on_close` is asked to close it.
#[component]
pub fn Dialog(
    /// Unique on the page; the title's id derives from it.
    id: &'static str,
    #[prop(into)] title: Signal<String>,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<Div>::new();
    let title_id = format!("{id}-title");
    let opener = document().active_element();

    panel.on_load(|panel| {
        // Wait for the dialog to be in the document before focusing into it.
        request_animation_frame(move || {
            let first = panel.query_selector(&body_focusable()).ok().flatten();
            match first {
                Some(element) => focus(&element),
                None => {
                    let _ = panel.focus();
                }
            }
        });
    });
    if let Some(opener) = opener {
        // Cleanups run before the owner's values are dropped, so the element is still there.
        let opener = StoredValue::new_local(opener);
        on_cleanup(move || {
            if let Some(opener) = opener.try_get_value() {
                request_animation_frame(move || focus(&opener));
            }
        });
    }

    let keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.stop_propagation();
            on_close.run(());
        }
        "Tab" => {
            let Some(panel) = panel.get_untracked() else {
                return;
            };
            let Ok(nodes) = panel.query_selector_all(FOCUSABLE) else {
                return;
            };
            let (Some(first), Some(last)) = (
                nodes.item(0),
                nodes.length().checked_sub(1).and_then(|i| nodes.item(i)),
            ) else {
                ev.prevent_default();
                return;
            };
            let active = document()
                .active_element()
                .map(JsCast::unchecked_into::<web_sys::Node>);
            let at = |node: &web_sys::Node| active.as_ref() == Some(node);
            let outside = !active.as_ref().is_some_and(|a| panel.contains(Some(a)));
            if ev.shift_key() && (at(&first) || outside) {
                ev.prevent_default();
                focus(last.unchecked_ref());
            } else if !ev.shift_key() && (at(&last) || outside) {
                ev.prevent_default();
                focus(first.unchecked_ref());
            }
        }
        _ => {}
    };

    view! {
        <div class="modal-backdrop">
            <div
                id=id
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id.clone()
                tabindex="-1"
                node_ref=panel
                on:keydown=keydown
            >
                <div class="modal-header">
                    <h2 id=title_id.clone() class="modal-title">
                        {move || title.get()}
                    </h2>
                    <button
                        type="button"
                        class="modal-close"
                        aria-label="Close"
                        on:click=move |_| on_close.run(())
                    >
                        <span aria-hidden="true">"×"</span>
                    </button>
                </div>
                <div class="modal-body">{children()}</div>
            </div>
        </div>
    }
}
