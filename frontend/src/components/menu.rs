//! The ellipsis menu of a table row (menu button pattern): Enter, Space or ArrowDown open it
//! with focus on the first item, arrows move, Escape closes it and returns to the button.

use leptos::html::{Button, Ul};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{focus, focus_node};

/// One entry of the menu.
#[derive(Clone, Copy)]
pub struct MenuItem {
    pub label: &'static str,
    pub on_select: Callback<()>,
}

#[component]
pub fn RowMenu(
    /// Unique on the page.
    #[prop(into)]
    id: String,
    /// The button's accessible name, e.g. "Actions for row 7".
    #[prop(into)]
    label: String,
    items: Vec<MenuItem>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let button = NodeRef::<Button>::new();
    let list = NodeRef::<Ul>::new();
    let menu_id = format!("{id}-menu");

    let menu_items = move || -> Vec<web_sys::Element> {
        let Some(list) = list.try_get_untracked().flatten() else {
            return Vec::new();
        };
        let Ok(nodes) = list.query_selector_all("[role=menuitem]") else {
            return Vec::new();
        };
        (0..nodes.length())
            .filter_map(|i| nodes.item(i)?.dyn_into().ok())
            .collect()
    };
    let show = move |focus_last: bool| {
        open.set(true);
        // Unhide now rather than at the next render, so that focus can move in at once and the
        // next key press already reaches the menu.
        if let Some(list) = list.get_untracked() {
            list.set_hidden(false);
        }
        let items = menu_items();
        if let Some(item) = if focus_last {
            items.last()
        } else {
            items.first()
        } {
            focus(item);
        }
    };
    let close = move |return_focus: bool| {
        open.set(false);
        if return_focus {
            focus_node(button);
        }
    };

    let on_button_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" => {
            ev.prevent_default();
            show(false);
        }
        "ArrowUp" => {
            ev.prevent_default();
            show(true);
        }
        _ => {}
    };
    let on_menu_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let items = menu_items();
        let active = document().active_element();
        let current = items.iter().position(|item| Some(item) == active.as_ref());
        let last = items.len().saturating_sub(1);
        let next = match ev.key().as_str() {
            "ArrowDown" => Some(current.map_or(0, |i| if i >= last { 0 } else { i + 1 })),
            "ArrowUp" => Some(current.map_or(last, |i| if i == 0 { last } else { i - 1 })),
            "Home" => Some(0),
            "End" => Some(last),
            "Escape" => {
                ev.prevent_default();
                ev.stop_propagation();
                close(true);
                None
            }
            "Tab" => {
                close(false);
                None
            }
            _ => None,
        };
        if let Some(item) = next.and_then(|i| items.get(i)) {
            ev.prevent_default();
            focus(item);
        }
    };
    // Closes when focus leaves the menu (a click elsewhere, or Tab).
    let on_focusout = move |ev: leptos::ev::FocusEvent| {
        let inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .zip(
                ev.current_target()
                    .and_then(|t| t.dyn_into::<web_sys::Node>().ok()),
            )
            .is_some_and(|(to, wrapper)| wrapper.contains(Some(&to)));
        if !inside {
            open.set(false);
        }
    };

    view! {
        <div class="menu" on:focusout=on_focusout>
            <button
                type="button"
                class="btn btn-icon"
                id=format!("{id}-button")
                aria-haspopup="menu"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls=menu_id.clone()
                aria-label=label.clone()
                node_ref=button
                on:click=move |_| if open.get_untracked() { close(false) } else { show(false) }
                on:keydown=on_button_keydown
            >
                <span aria-hidden="true">"⋯"</span>
            </button>
            <ul
                id=menu_id
                class="menu-list"
                role="menu"
                aria-label=label
                node_ref=list
                hidden=move || !open.get()
                on:keydown=on_menu_keydown
            >
                {items
                    .into_iter()
                    .map(|item| {
                        view! {
                            <li role="none">
                                <button
                                    type="button"
                                    role="menuitem"
                                    tabindex="-1"
                                    class="menu-item"
                                    // Keep focus put on mouse down, so focusout does not close
                                    // the menu before the click lands (Safari does not focus buttons).
                                    on:mousedown=|ev| ev.prevent_default()
                                    on:click=move |_| {
                                        // Focus the button first: a dialog opened by the item
                                        // returns focus to it when it closes.
                                        if let Some(button) = button.get_untracked() {
                                            let _ = button.focus();
                                        }
                                        open.set(false);
                                        item.on_select.run(());
                                    }
                                >
                                    {item.label}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}
