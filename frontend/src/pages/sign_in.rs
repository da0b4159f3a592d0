//! Sign in: the built-in sign-in (a public officer's email address) or, when the server is
//! configured with an identity provider, OpenID Connect.

use invite_core::api::AuthConfig;
use invite_core::{Field, PublicOfficerEmail};
use leptos::html::Div;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::use_api;
use crate::components::brand::Brand;
use crate::components::field::{ErrorSummary, SelectField, SubmitButton, SummaryItem, TextField};
use crate::components::notification::use_notifier;
use crate::components::{focus_node, set_title};
use crate::oidc::{self, Provider};
use crate::routes::{AppRoute, NEXT_PARAM, replace, safe_next};
use crate::session::{Ended, use_session};

#[component]
pub fn SignInPage() -> impl IntoView {
    set_title(AppRoute::SignIn.title());
    let api = use_api();
    let session = use_session();
    let notifier = use_notifier();
    let query = use_query_map();
    // Where to go once signed in; OpenID Connect brings its own back from the provider.
    let next = RwSignal::new(query.with_untracked(|q| {
        safe_next(q.get_str(NEXT_PARAM))
            .unwrap_or(AppRoute::EmailInvitation.path())
            .to_owned()
    }));
    let config = LocalResource::new(move || async move {
        let config = api.auth_config().await;
        if let Err(problem) = &config {
            notifier.show(problem.clone());
        }
        config
    });

    let ended = move || {
        (session.ended() == Some(Ended::Expired)).then(|| {
            view! {
                <div class="alert alert-info" role="status">
                    <p>"Your session has ended. Sign in again to continue."</p>
                </div>
            }
        })
    };
    let method = move || match config.get() {
        None => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
        Some(Ok(AuthConfig::DevLogin)) => view! { <DevLogin /> }.into_any(),
        Some(Ok(AuthConfig::Oidc {
            authorization_endpoint,
            token_endpoint,
            client_id,
        })) => {
            let provider = Provider {
                authorization_endpoint,
                token_endpoint,
                client_id,
            };
            view! { <OidcSignIn provider next /> }.into_any()
        }
        Some(Err(_)) => view! {
            <p class="error-message">
                "Sign-in is not available right now. Reload the page to try again."
            </p>
        }
        .into_any(),
    };

    view! {
        {move || {
            session
                .is_signed_in()
                .then(|| view! { <Redirect path=next.get_untracked() options=replace() /> })
        }}
        <header class="app-header">
            <Brand />
        </header>
        <main id="main" class="main main-narrow" tabindex="-1">
            <div class="card sign-in">
                <h1>"Sign in to Invite Users"</h1>
                <p class="lead">
                    "Invite public officers and vendors to TechPass and SEED, and follow their onboarding."
                </p>
                {ended}
                {method}
            </div>
        </main>
    }
}

/// The built-in sign-in: a public officer's email address.
#[component]
fn DevLogin() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let notifier = use_notifier();
    let email = RwSignal::new(String::new());
    // What an identity provider's device claim would say; the server's device rule reads it.
    let device = RwSignal::new(invite_core::device::DEFAULT_DEVICE_TYPE.to_owned());
    let error = RwSignal::new(None::<String>);
    let submitted = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<Div>::new();

    // The same rule as the server's: refuse anything but a public officer's address up front.
    let check = move || {
        let message = PublicOfficerEmail::parse(&email.get_untracked())
            .err()
            .map(|code| code.message(Field::Email));
        error.set(message.clone());
        message.is_none()
    };
    let items = Signal::derive(move || {
        error
            .get()
            .filter(|_| submitted.get())
            .map(|message| SummaryItem {
                target: Some("sign-in-email".into()),
                message,
            })
            .into_iter()
            .collect::<Vec<_>>()
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        submitted.set(true);
        if !check() {
            focus_node(summary);
            return;
        }
        pending.set(true);
        let address = email.get_untracked();
        let device_type = device.get_untracked();
        leptos::task::spawn_local(async move {
            match api.dev_login(address.trim(), &device_type).await {
                Ok(sign_in) => session.start(sign_in.into()),
                Err(problem) => {
                    let field_error = problem
                        .errors
                        .iter()
                        .find(|e| e.field == Field::Email.as_str())
                        .map(|e| e.message.clone());
                    match field_error {
                        Some(message) => {
                            error.set(Some(message));
                            focus_node(summary);
                        }
                        None => notifier.show(problem),
                    }
                }
            }
            pending.set(false);
        });
    };

    view! {
        <form novalidate on:submit=on_submit>
            <ErrorSummary items node_ref=summary />
            <TextField
                id="sign-in-email"
                label="Email address"
                hint="Your Whole of Government email address, like jane_tan@tech.gov.sg."
                input_type="email"
                autocomplete="email"
                value=email
                error=error
                on_blur=Some(Callback::new(move |()| {
                    check();
                }))
            />
            <SelectField
                id="sign-in-device"
                label="Device you sign in from"
                value=device
                options=invite_core::device::DEVICE_TYPES.to_vec()
            />
            <SubmitButton pending label="Sign in" pending_label="Signing in…" />
        </form>
    }
}

/// Sign-in with the identity provider; finishes it when the provider has sent the officer back.
#[component]
fn OidcSignIn(provider: Provider, next: RwSignal<String>) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let notifier = use_notifier();
    let query = use_query_map();
    let pending = RwSignal::new(false);
    let provider = StoredValue::new(provider);

    let (code, state, denied) = query.with_untracked(|q| {
        (
            q.get("code"),
            q.get("state"),
            q.get("error_description").or_else(|| q.get("error")),
        )
    });
    if let (Some(code), Some(state)) = (code, state) {
        pending.set(true);
        leptos::task::spawn_local(async move {
            let provider = provider.get_value();
            match oidc::finish(api, &provider, &code, &state).await {
                // The page redirects to `next` once the session exists.
                Ok((signed_in, then)) => {
                    if let Some(then) = safe_next(Some(&then)) {
                        next.set(then.to_owned());
                    }
                    session.start(signed_in);
                }
                Err(problem) => notifier.show(problem),
            }
            pending.set(false);
        });
    }
    let start = move |_| {
        pending.set(true);
        leptos::task::spawn_local(async move {
            let provider = provider.get_value();
            if let Err(problem) = oidc::start(&provider, &next.get_untracked()).await {
                notifier.show(problem);
                pending.set(false);
            }
        });
    };

    view! {
        {denied
            .map(|reason| {
                view! {
                    <div class="alert alert-error" role="alert">
                        <p>"Sign-in did not complete: " {reason}</p>
                    </div>
                }
            })}
        <p>"Sign in with your government account."</p>
        <button type="button" class="btn btn-primary" disabled=move || pending.get() on:click=start>
            {move || if pending.get() { "Signing in…" } else { "Sign in" }}
        </button>
    }
}
