//! The product name in the header of every page (the shell's and the sign-in and not-found
//! pages', which have no shell), linking home.

use leptos::prelude::*;

use crate::routes::AppRoute;

/// The product name, linking home.
#[component]
pub fn Brand() -> impl IntoView {
    view! {
        <a class="brand" href=AppRoute::Home.path()>
            <span class="brand-mark" aria-hidden="true">
                "IU"
            </span>
            "Invite Users"
        </a>
    }
}
