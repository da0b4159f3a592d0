//! Mailbox: the emails the server's dev mailbox received, newest first, so that someone running
//! it locally can follow an invitation link. Present only while the server has no SMTP relay;
//! the email's text is shown as text (never as HTML), its links as links.

use invite_core::api::MailboxEmail;
use leptos::prelude::*;

use crate::api::use_api;
use crate::components::notification::use_notifier;
use crate::components::set_title;
use crate::routes::AppRoute;
use crate::time;

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Loading,
    Loaded(Vec<MailboxEmail>),
    /// The server sends email through SMTP: there is no mailbox.
    Absent,
    Failed,
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    set_title(AppRoute::Mailbox.title());
    let api = use_api();
    let notifier = use_notifier();
    let state = RwSignal::new(State::Loading);
    let load = move || {
        state.set(State::Loading);
        leptos::task::spawn_local(async move {
            match api.dev_mailbox().await {
                Ok(Some(mailbox)) => state.set(State::Loaded(mailbox.items)),
                Ok(None) => state.set(State::Absent),
                Err(problem) => {
                    state.set(State::Failed);
                    notifier.show(problem);
                }
            }
        });
    };
    load();

    let content = move || {
        match state.get() {
        State::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
        State::Absent => view! {
            <p class="alert alert-info" role="status">
                "There is no mailbox here: this server sends its emails through an SMTP relay."
            </p>
        }
        .into_any(),
        State::Failed => view! { <p role="status">"The mailbox could not be loaded."</p> }.into_any(),
        State::Loaded(emails) if emails.is_empty() => view! {
            <p class="empty" role="status">"No emails yet. Invite someone, and the email appears here."</p>
        }
        .into_any(),
        State::Loaded(emails) => view! {
            <p class="result-count" role="status">
                {format!("{} email{}, newest first", emails.len(), if emails.len() == 1 { "" } else { "s" })}
            </p>
            <ol class="mailbox" data-testid="mailbox">
                {emails.into_iter().map(|email| view! { <EmailCard email /> }).collect_view()}
            </ol>
        }
        .into_any(),
    }
    };
    view! {
        <h1>{AppRoute::Mailbox.title()}</h1>
        <p class="lead">
            "The emails this server would have sent. It has no SMTP relay, so they stay here (the newest 500, until it restarts)."
        </p>
        <p>
            <button type="button" class="btn btn-secondary" on:click=move |_| load()>
                "Refresh"
            </button>
        </p>
        {content}
    }
}

#[component]
fn EmailCard(email: MailboxEmail) -> impl IntoView {
    let links = email
        .links
        .iter()
        .map(|link| {
            view! {
                <li>
                    // rel=external: a full page load, not a route of this SPA (the router
                    // would otherwise take a same-origin link for one of its own pages).
                    <a href=link.clone() rel="external">
                        {link.clone()}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <li class="card mail">
            <h2 class="mail-subject">{email.subject}</h2>
            <dl class="mail-headers">
                <dt>"To"</dt>
                <dd class="mail-to">{email.to}</dd>
                <dt>"Reply to"</dt>
                <dd>{email.reply_to}</dd>
                <dt>"Received"</dt>
                <dd>
                    <time datetime=email.received_at.to_rfc3339()>{time::date_time(email.received_at)}</time>
                </dd>
            </dl>
            <pre class="mail-text">{email.text}</pre>
            <h3 class="mail-links-title">"Links"</h3>
            <ul class="mail-links">{links}</ul>
        </li>
    }
}
