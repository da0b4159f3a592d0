//! Inviting one user: the page behind Email invitation and Create account. Checks the form with
//! `invite_core`, sends it with an `Idempotency-Key`, and maps the server's field errors back.

use invite_core::InvitationDraft;
use leptos::html::Div;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{new_idempotency_key, use_api};
use crate::components::device_rule::WhenCanInvite;
use crate::components::field::{ErrorSummary, SubmitButton};
use crate::components::invitation_form::{FormKind, InvitationFields, InvitationForm};
use crate::components::notification::use_notifier;
use crate::components::{focus_node, set_title};
use crate::routes::AppRoute;

#[component]
pub fn InvitePage(kind: FormKind, route: AppRoute, intro: &'static str) -> impl IntoView {
    set_title(route.title());
    let api = use_api();
    let notifier = use_notifier();
    let form = InvitationForm::new(kind);
    let summary = NodeRef::<Div>::new();
    let confirmation = NodeRef::<Div>::new();
    // The address of the invitation just sent, for the confirmation.
    let sent = RwSignal::new(None::<String>);
    // The last attempt and its key: a retry of the same, unchanged form reuses the key, so the
    // server answers it without inviting anyone twice.
    let attempt = StoredValue::new(None::<(InvitationDraft, String)>);

    let submit = Action::new_unsync(move |draft: &InvitationDraft| {
        let draft = draft.clone();
        async move {
            let reused = attempt.with_value(|last| {
                last.as_ref()
                    .filter(|(d, _)| *d == draft)
                    .map(|(_, k)| k.clone())
            });
            let key = match reused.map_or_else(new_idempotency_key, Ok) {
                Ok(key) => key,
                Err(problem) => {
                    notifier.show(problem);
                    return;
                }
            };
            attempt.set_value(Some((draft.clone(), key.clone())));
            match api.create_invitation(&draft, &key).await {
                Ok(invitation) => {
                    attempt.set_value(None);
                    form.reset();
                    sent.set(Some(invitation.fields.email));
                    focus_node(confirmation);
                }
                Err(problem) => {
                    if !problem.errors.is_empty() {
                        form.show_errors(problem.errors.clone());
                        focus_node(summary);
                    }
                    notifier.show(problem);
                }
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if submit.pending().get_untracked() {
            return;
        }
        sent.set(None);
        match form.check_all() {
            Some(draft) => {
                submit.dispatch(draft);
            }
            None => focus_node(summary),
        }
    };

    view! {
        <h1>{route.title()}</h1>
        <p class="lead">{intro}</p>
        <div
            class="confirmation"
            role="status"
            tabindex="-1"
            node_ref=confirmation
            data-testid="invitation-sent"
            hidden=move || sent.with(Option::is_none)
        >
            {move || {
                sent.get()
                    .map(|email| {
                        view! {
                            <div class="alert alert-success">
                                <span class="alert-icon" aria-hidden="true">"✓"</span>
                                <div>
                                    <p class="alert-title">"Invitation sent to " {email}</p>
                                    <p>
                                        "Follow their onboarding on "
                                        <A href=AppRoute::InviteStatus.path()>
                                            {AppRoute::InviteStatus.title()}
                                        </A> "."
                                    </p>
                                </div>
                            </div>
                        }
                    })
            }}
        </div>
        <WhenCanInvite>
            <form class="form card" novalidate on:submit=on_submit>
                <ErrorSummary items=form.summary() node_ref=summary />
                <InvitationFields form />
                <div class="form-actions">
                    <SubmitButton pending=submit.pending() label="Submit" pending_label="Submitting…" />
                </div>
            </form>
        </WhenCanInvite>
    }
}
