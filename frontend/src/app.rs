//! The router and the shell: header with the product name and the signed-in officer, the
//! "Invite users" side navigation, and the page. Pages other than sign-in need a session.

use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;
use leptos_router::components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;

use crate::api::{Api, use_api};
use crate::components::brand::Brand;
use crate::components::notification::{Notifications, Notifier, use_notifier};
use crate::pages::batch_upload::BatchUploadPage;
use crate::pages::batches::BatchesPage;
use crate::pages::create_account::CreateAccountPage;
use crate::pages::email_invitation::EmailInvitationPage;
use crate::pages::integrations::IntegrationsPage;
use crate::pages::invite_status::InviteStatusPage;
use crate::pages::mailbox::MailboxPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::sign_in::SignInPage;
use crate::routes::{AppRoute, replace};
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
            <FocusAfterNavigation />
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
                    <Route path=AppRoute::Batches.matcher() view=BatchesPage />
                    <Route path=AppRoute::Integrations.matcher() view=IntegrationsPage />
                    <Route path=AppRoute::Mailbox.matcher() view=MailboxPage />
                </ParentRoute>
            </Routes>
        </Router>
        <Notifications />
    }
}

/// Whether anything had focus yet since the page loaded.
static HAD_FOCUS: AtomicBool = AtomicBool::new(false);

/// A client-side navigation that takes away the focused element (signing in or out, a link in
/// content that is replaced) leaves focus on the document body, and the next Tab starts from
/// nowhere in particular: move it to the new page's main content then. The first load is left
/// alone, as is focus that survived the navigation (a side navigation link).
#[component]
fn FocusAfterNavigation() -> impl IntoView {
    window_event_listener(leptos::ev::focusin, |_| {
        HAD_FOCUS.store(true, Ordering::Relaxed)
    });
    let location = use_location();
    Effect::new(move |ran: Option<()>| {
        // Read, not only tracked: a memo nobody has read yet does not notify.
        location.pathname.with(|_| ());
        if ran.is_some() && HAD_FOCUS.load(Ordering::Relaxed) {
            focus_main_if_lost(20);
        }
    });
}

/// Looks for lost focus for a few frames: the new page may replace the old one a little later.
fn focus_main_if_lost(frames: u8) {
    request_animation_frame(move || {
        let active = document().active_element();
        if active.is_none() || active == document().body().map(web_sys::Element::from) {
            crate::components::focus_id("main");
        } else if frames > 0 {
            focus_main_if_lost(frames - 1);
        }
    });
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
    // The Mailbox entry shows only while the server has a dev mailbox (no SMTP relay).
    let api = use_api();
    let mailbox = LocalResource::new(move || async move { api.dev_mailbox().await });
    let has_mailbox = Signal::derive(move || mailbox.get().map(|m| matches!(m, Ok(Some(_)))));
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
                <h2 class="sidebar-title sidebar-group">"Manage"</h2>
                <ul class="sidebar-list">
                    {AppRoute::MANAGE
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
                {move || {
                    (has_mailbox.get() == Some(true))
                        .then(|| {
                            view! {
                                <h2 class="sidebar-title sidebar-group">"Local development"</h2>
                                <ul class="sidebar-list">
                                    <li>
                                        <A href=AppRoute::Mailbox.path()>{AppRoute::Mailbox.title()}</A>
                                    </li>
                                </ul>
                            }
                        })
                }}
            </nav>
            <main id="main" class="main" tabindex="-1">
                <Outlet />
            </main>
        </div>
    }
}
