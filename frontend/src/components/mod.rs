//! Reusable pieces of the pages: form fields, error summary, notifications, dialog, menus, tags.

pub mod dialog;
pub mod field;
pub mod invitation_form;
pub mod menu;
pub mod notification;
pub mod status_tag;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Moves focus to the element with this id, once the pending render has happened.
pub fn focus_id(id: String) {
    request_animation_frame(move || {
        if let Some(element) = document().get_element_by_id(&id) {
            focus(&element);
        }
    });
}

/// Moves focus to a node once the pending render has happened (a node shown by the same update
/// that asks for focus is not in the document yet).
pub fn focus_node<E>(node: NodeRef<E>)
where
    E: leptos::tachys::html::element::ElementType + 'static,
    E::Output: JsCast + Clone + 'static,
{
    request_animation_frame(move || {
        if let Some(element) = node.get_untracked() {
            focus(element.unchecked_ref());
        }
    });
}

pub fn focus(element: &web_sys::Element) {
    if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
        let _ = element.focus();
    }
}

/// Sets the browser tab's title for a page.
pub fn set_title(page: &str) {
    document().set_title(&format!("{page} – Invite Users"));
}
