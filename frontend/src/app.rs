//! The router and the shell: header with the product name and the signed-in officer, the
//! "Invite users" side navigation, and the page. Pages other than sign-in need a session.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;

use crate::api::Api;
use crate::components::notification::{Notifications, Notifier, use_notifier};
use crate::pages::batch_upload::BatchUploadPage;
use crate::pages::create_account::CreateAccountPage;
use crate::pages::email_invitation::EmailInvitationPage;
use crate::pages::invite_status::InviteStatusPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::sign_in::SignInPage;
use crate::routes::AppRoute;
use crate::session::{SessionState, use_session};

#[component]
pub fn App() -> impl IntoView {
    let session = SessionState::restore();
    session.watch_expiry();
    crate::components::track_pointer();
    provide_context(session);
    provide_context(Api::new(session));
    provide_context(Notifier::new());

    view! {
        <Router>
            <a class="skip-link" href="#main" on:click=skip_to_main>
                "Skip to main content"
            </a>
            <Masthead />
            <Routes fallback=|| view! { <NotFoundPage /> }>
                <Route path=AppRoute::SignIn.matcher() view=SignInPage />
                <ParentRoute path=() view=SignedIn>
                    <Route
                        path=AppRoute::Home.matcher()
                        view=|| view! { <Redirect path=AppRoute::EmailInvitation.path() options=replace() /> }
                    />
                    <Route path=AppRoute::EmailInvitation.matcher() view=EmailInvitationPage />
                    <Route path=AppRoute::CreateAccount.matcher() view=CreateAccountPage />
                    <Route path=AppRoute::BatchUpload.matcher() view=BatchUploadPage />
                    <Route path=AppRoute::InviteStatus.matcher() view=InviteStatusPage />
                </ParentRoute>
            </Routes>
        </Router>
        <Notifications />
    }
}

/// Navigation that replaces the current history entry (redirects).
pub fn replace() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        ..Default::default()
    }
}

fn skip_to_main(ev: leptos::ev::MouseEvent) {
    ev.prevent_default();
    crate::components::focus_id("main");
}

/// The government masthead every Singapore Government site carries.
#[component]
fn Masthead() -> impl IntoView {
    view! {
        <section class="masthead" aria-label="Government website notice">
            <div class="masthead-inner">"A Singapore Government Agency Website"</div>
        </section>
    }
}

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

/// The shell of every signed-in page; sends signed-out visitors to sign in first.
#[component]
fn SignedIn() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let signed_in = Memo::new(move |_| session.is_signed_in());
    move || {
        if signed_in.get() {
            view! { <Shell /> }.into_any()
        } else {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.with_untracked(|s| if s.is_empty() {
                    String::new()
                } else {
                    format!("?{s}")
                })
            );
            view! { <Redirect path=AppRoute::sign_in_then(&here) options=replace() /> }.into_any()
        }
    }
}

#[component]
fn Shell() -> impl IntoView {
    let session = use_session();
    let notifier = use_notifier();
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        notifier.clear();
    });
    let officer = move || session.officer().map(|o| o.email).unwrap_or_default();
    view! {
        <header class="app-header">
            <Brand />
            <div class="account">
                <span class="account-name">
                    <span class="visually-hidden">"Signed in as "</span>
                    <span data-testid="signed-in-officer">{officer}</span>
                </span>
                <button type="button" class="btn btn-secondary btn-small" on:click=move |_| session.end()>
                    "Sign out"
                </button>
            </div>
        </header>
        <div class="layout">
            <nav class="sidebar" aria-labelledby="sidebar-title">
                <h2 id="sidebar-title" class="sidebar-title">
                    "Invite users"
                </h2>
                <ul class="sidebar-list">
                    {AppRoute::INVITE_USERS
                        .into_iter()
                        .map(|route| {
                            view! {
                                <li>
                                    <A href=route.path()>{route.title()}</A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
            <main id="main" class="main" tabindex="-1">
                <Outlet />
            </main>
        </div>
    }
}
