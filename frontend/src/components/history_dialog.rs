//! An invitation's history in a dialog: who invited, sent, resent and revoked it, and every
//! status change with its time and source, oldest first.

use invite_core::api::{EventSource, InvitationEvent, InvitationEventType};
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::use_api;
use crate::components::dialog::Dialog;
use crate::components::notification::use_notifier;
use crate::time;

/// What happened, in the officer's words.
pub fn event_text(event_type: InvitationEventType) -> &'static str {
    match event_type {
        InvitationEventType::Created => "Invited",
        InvitationEventType::Sent => "Invitation email sent",
        InvitationEventType::Resent => "Resend requested",
        InvitationEventType::Revoked => "Revoked",
        InvitationEventType::Failed => "TechPass onboarding failed",
        InvitationEventType::Expired => "Expired before it was taken up",
        InvitationEventType::Onboarded => "Onboarded to TechPass",
        InvitationEventType::Reopened => "Delivery retried by an operator",
        InvitationEventType::SeedRequested => "SEED onboarding requested",
        InvitationEventType::SeedOnboarded => "Onboarded to SEED",
        InvitationEventType::SeedFailed => "SEED onboarding failed",
        InvitationEventType::SeedExpired => "SEED onboarding expired",
        InvitationEventType::SeedReopened => "SEED request retried by an operator",
    }
}

/// Who or what did it.
fn by_whom(event: &InvitationEvent) -> String {
    match (event.source, &event.actor) {
        (EventSource::Officer | EventSource::ApiKey, Some(actor)) => actor.clone(),
        (EventSource::Officer, None) => "You".into(),
        (EventSource::ApiKey, None) => "An API key".into(),
        (EventSource::Techpass, _) => "TechPass".into(),
        (EventSource::Seed, _) => "SEED".into(),
        (EventSource::System, _) => "Invite Users".into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Loading,
    Loaded(Vec<InvitationEvent>),
    Failed,
}

#[component]
pub fn HistoryDialog(invitation_id: Uuid, email: String, on_close: Callback<()>) -> impl IntoView {
    let api = use_api();
    let notifier = use_notifier();
    let state = RwSignal::new(State::Loading);
    leptos::task::spawn_local(async move {
        match api.invitation_events(invitation_id).await {
            Ok(page) => {
                let _ = state.try_set(State::Loaded(page.items));
            }
            Err(problem) => {
                let _ = state.try_set(State::Failed);
                notifier.show(problem);
            }
        }
    });
    let content = move || {
        match state.get() {
        State::Loading => view! { <p class="loading" role="status">"Loading the history…"</p> }.into_any(),
        State::Failed => view! { <p role="status">"The history could not be loaded."</p> }.into_any(),
        State::Loaded(events) => view! {
            <ol class="history" data-testid="history">
                {events
                    .into_iter()
                    .map(|event| {
                        let detail = event.detail.clone().map(|d| view! { <span class="cell-hint">{d}</span> });
                        view! {
                            <li>
                                <time datetime=event.at.to_rfc3339()>{time::date_time(event.at)}</time>
                                " "
                                <strong>{event_text(event.event_type)}</strong>
                                <span class="history-by">{format!(" by {}", by_whom(&event))}</span>
                                {detail}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any(),
    }
    };
    view! {
        <Dialog id="history-dialog" title="History" on_close=on_close>
            <p>"The invitation to " <strong>{email}</strong> ", oldest first."</p>
            {content}
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" on:click=move |_| on_close.run(())>
                    "Close"
                </button>
            </div>
        </Dialog>
    }
}
