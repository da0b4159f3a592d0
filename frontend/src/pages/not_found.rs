//! The page for any path the SPA does not know.

use leptos::prelude::*;

use crate::components::brand::Brand;
use crate::components::set_title;
use crate::routes::AppRoute;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_title("Page not found");
    view! {
        <header class="app-header">
            <Brand />
        </header>
        <main id="main" class="main main-narrow" tabindex="-1">
            <h1>"Page not found"</h1>
            <p>"If you typed the web address, check it is correct."</p>
            <p>
                "Go to " <a href=AppRoute::EmailInvitation.path()>
                    {AppRoute::EmailInvitation.title()}
                </a> " to invite users."
            </p>
        </main>
    }
}
