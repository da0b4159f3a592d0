//! Invite User Status: the officer's invitations, newest first, with their TechPass and SEED
//! onboarding status, search, filters, paging and Resend invite.

use invite_core::api::{Invitation, SeedStatus, TechpassStatus};
use leptos::html::P;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{InvitationQuery, use_api};
use crate::components::dialog::Dialog;
use crate::components::field::{SelectField, TextField};
use crate::components::history_dialog::HistoryDialog;
use crate::components::notification::use_notifier;
use crate::components::status_tag::StatusTag;
use crate::components::{focus_node, set_title};
use crate::routes::AppRoute;
use crate::time;

const COLUMNS: [&str; 9] = [
    "First Name",
    "Last Name",
    "Email address",
    "Organisation",
    "Department",
    "Date of Invite",
    "TechPass Status",
    "SEED Status",
    "Resend invite",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Load {
    /// A first page is on its way (new page, search or filter).
    First,
    /// The next page is on its way.
    More,
    Done,
    /// The last load failed; `more` tells which one to retry.
    Failed {
        more: bool,
    },
}

#[component]
pub fn InviteStatusPage() -> impl IntoView {
    set_title(AppRoute::InviteStatus.title());
    let api = use_api();
    let notifier = use_notifier();

    let search = RwSignal::new(String::new());
    let techpass = RwSignal::new(String::new());
    let seed = RwSignal::new(String::new());
    let query = RwSignal::new(InvitationQuery::default());

    let items = RwSignal::new(Vec::<Invitation>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let load_state = RwSignal::new(Load::First);
    // Answers to an older search are dropped when a newer one is under way.
    let generation = StoredValue::new(0_u64);
    let resending = RwSignal::new(None::<Uuid>);
    let message = RwSignal::new(None::<String>);
    let message_ref = NodeRef::<P>::new();

    let load = move |more: bool| {
        let filters = query.get_untracked();
        let cursor = if more {
            next_cursor.get_untracked()
        } else {
            None
        };
        generation.update_value(|g| *g += 1);
        let this = generation.get_value();
        load_state.set(if more { Load::More } else { Load::First });
        leptos::task::spawn_local(async move {
            let page = api.invitations(&filters, cursor.as_deref()).await;
            if generation.try_get_value() != Some(this) {
                return;
            }
            match page {
                Ok(page) => {
                    if more {
                        items.update(|items| items.extend(page.items));
                    } else {
                        items.set(page.items);
                    }
                    next_cursor.set(page.next_cursor);
                    load_state.set(Load::Done);
                }
                Err(problem) => {
                    load_state.set(Load::Failed { more });
                    notifier.show(problem);
                }
            }
        });
    };
    Effect::new(move |_| {
        query.track();
        load(false);
    });

    let replace = move |invitation: Invitation| {
        items.update(|items| {
            if let Some(item) = items.iter_mut().find(|i| i.id == invitation.id) {
                *item = invitation;
            }
        });
    };
    let resend = Callback::new(move |id: Uuid| {
        resending.set(Some(id));
        message.set(None);
        leptos::task::spawn_local(async move {
            match api.resend(id).await {
                Ok(invitation) => {
                    message.set(Some(format!(
                        "Invitation resent to {}.",
                        invitation.fields.email
                    )));
                    replace(invitation);
                    focus_node(message_ref);
                }
                Err(problem) => {
                    notifier.show(problem);
                    // Already onboarded, or sent too recently: show the invitation as it now is.
                    if let Ok(invitation) = api.invitation(id).await {
                        replace(invitation);
                    }
                }
            }
            resending.set(None);
        });
    });

    // Revoke: asked in a dialog, then done.
    let to_revoke = RwSignal::new(None::<Invitation>);
    let revoking = RwSignal::new(false);
    let ask_revoke = Callback::new(move |invitation: Invitation| to_revoke.set(Some(invitation)));
    let confirm_revoke = move |_| {
        let Some(invitation) = to_revoke.get_untracked() else {
            return;
        };
        revoking.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            match api.revoke(invitation.id).await {
                Ok(revoked) => {
                    message.set(Some(format!(
                        "The invitation to {} is revoked.",
                        revoked.fields.email
                    )));
                    replace(revoked);
                    to_revoke.set(None);
                    focus_node(message_ref);
                }
                Err(problem) => {
                    to_revoke.set(None);
                    notifier.show(problem);
                    if let Ok(current) = api.invitation(invitation.id).await {
                        replace(current);
                    }
                }
            }
            revoking.set(false);
        });
    };
    let revoke_dialog = move || {
        to_revoke.get().map(|invitation| {
            view! {
                <Dialog
                    id="revoke-dialog"
                    title="Revoke this invitation?"
                    on_close=Callback::new(move |()| to_revoke.set(None))
                >
                    <p>
                        "The invitation to " <strong>{invitation.fields.email.clone()}</strong>
                        " is withdrawn: nothing more is sent, and its link stops working. You can invite them again later."
                    </p>
                    <div class="form-actions">
                        <button
                            type="button"
                            class="btn btn-danger"
                            disabled=move || revoking.get()
                            on:click=confirm_revoke
                        >
                            {move || if revoking.get() { "Revoking…" } else { "Revoke invitation" }}
                        </button>
                        <button
                            type="button"
                            class="btn btn-secondary"
                            on:click=move |_| to_revoke.set(None)
                        >
                            "Cancel"
                        </button>
                    </div>
                </Dialog>
            }
        })
    };

    // History: a dialog per invitation.
    let history_of = RwSignal::new(None::<(Uuid, String)>);
    let show_history = Callback::new(move |invitation: Invitation| {
        history_of.set(Some((invitation.id, invitation.fields.email)))
    });
    let history_dialog = move || {
        history_of.get().map(|(id, email)| {
            view! { <HistoryDialog invitation_id=id email on_close=Callback::new(move |()| history_of.set(None)) /> }
        })
    };

    // Download: the list as filtered, as an .xlsx.
    let downloading = RwSignal::new(false);
    let download = move |_| {
        downloading.set(true);
        let filters = query.get_untracked();
        leptos::task::spawn_local(async move {
            if let Err(problem) = api.download_invitations(&filters).await {
                notifier.show(problem);
            }
            let _ = downloading.try_set(false);
        });
    };

    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        query.update(|q| q.q = search.get_untracked());
    };
    let apply_filters = Callback::new(move |()| {
        query.update(|q| {
            q.techpass_status = TechpassStatus::from_wire(&techpass.get_untracked());
            q.seed_status = SeedStatus::from_wire(&seed.get_untracked());
        });
    });
    let all = ("", "All");
    let techpass_options =
        std::iter::once(all).chain(TechpassStatus::ALL.iter().map(|s| (s.as_str(), s.label())));
    let seed_options =
        std::iter::once(all).chain(SeedStatus::ALL.iter().map(|s| (s.as_str(), s.label())));

    let body = move || {
        let state = load_state.get();
        let rows = items.get();
        let notice = |text: &'static str| {
            view! {
                <tr>
                    <td colspan=COLUMNS.len() class="table-empty">
                        {text}
                    </td>
                </tr>
            }
            .into_any()
        };
        match (rows.is_empty(), state) {
            (true, Load::First) => notice("Loading invitations…"),
            (true, Load::Failed { .. }) => notice("The invitations could not be loaded."),
            (true, _) => notice("No record found"),
            (false, _) => rows
                .into_iter()
                .map(|invitation| {
                    view! { <InvitationRow invitation resend resending revoke=ask_revoke history=show_history /> }
                })
                .collect_view()
                .into_any(),
        }
    };
    let summary = move || {
        let count = items.with(Vec::len);
        let more = next_cursor.with(Option::is_some);
        match (load_state.get(), count) {
            (Load::First | Load::Failed { more: false }, _) | (_, 0) => String::new(),
            (_, 1) => "Showing 1 invitation.".to_owned(),
            (_, n) if more => format!("Showing the latest {n} invitations."),
            (_, n) => format!("Showing {n} invitations."),
        }
    };

    // The button under the table: its label, and whether it loads the next page.
    let footer_action = Memo::new(move |_| match load_state.get() {
        Load::Failed { more } => Some(("Try again", more)),
        Load::More => Some(("Loading…", true)),
        _ if next_cursor.with(Option::is_some) => Some(("Load more", true)),
        _ => None,
    });

    view! {
        <h1>{AppRoute::InviteStatus.title()}</h1>
        <p class="lead">
            "The TechPass and SEED onboarding status of the users you invited. You can resend an invite once a day until the user is onboarded to TechPass."
        </p>
        <p class="status-message" role="status" tabindex="-1" node_ref=message_ref>
            {move || message.get()}
        </p>
        <div class="filters card">
            <form class="filters-search" role="search" on:submit=on_search>
                <TextField
                    id="search"
                    label="Search"
                    hint="Name, email address or organisation."
                    input_type="search"
                    value=search
                    error=Signal::stored(None::<String>)
                />
                <button type="submit" class="btn btn-secondary">
                    "Search"
                </button>
            </form>
            <SelectField
                id="techpass-status"
                label="TechPass status"
                value=techpass
                options=techpass_options.collect()
                on_change=Some(apply_filters)
            />
            <SelectField
                id="seed-status"
                label="SEED status"
                value=seed
                options=seed_options.collect()
                on_change=Some(apply_filters)
            />
        </div>
        <div class="table-toolbar">
            <p class="result-count" aria-live="polite">
                {summary}
            </p>
            <button
                type="button"
                class="btn btn-secondary"
                data-testid="download-invitations"
                disabled=move || downloading.get()
                on:click=download
            >
                {move || if downloading.get() { "Preparing the download…" } else { "Download (.xlsx)" }}
            </button>
        </div>
        <div class="table-wrap" role="region" aria-labelledby="invitations-caption" tabindex="0">
            <table
                class="table"
                data-testid="invitations-table"
                aria-busy=move || (load_state.get() == Load::First).then_some("true")
            >
                <caption id="invitations-caption" class="visually-hidden">
                    "Invited users"
                </caption>
                <thead>
                    <tr>
                        {COLUMNS.map(|name| view! { <th scope="col">{name}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        {revoke_dialog}
        {history_dialog}
        <div class="table-footer">
            // One button that keeps its place (and the focus) while it loads.
            <button
                type="button"
                class="btn btn-secondary"
                hidden=move || footer_action.get().is_none()
                disabled=move || load_state.get() == Load::More
                on:click=move |_| {
                    if let Some((_, more)) = footer_action.get_untracked() {
                        load(more);
                    }
                }
            >
                {move || footer_action.get().map(|(label, _)| label)}
            </button>
        </div>
    }
}

fn or_dash(value: Option<String>) -> String {
    value
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "–".to_owned())
}

#[component]
fn InvitationRow(
    invitation: Invitation,
    resend: Callback<Uuid>,
    resending: RwSignal<Option<Uuid>>,
    /// Asks to confirm revoking this invitation.
    revoke: Callback<Invitation>,
    /// Opens the invitation's history.
    history: Callback<Invitation>,
) -> impl IntoView {
    let id = invitation.id;
    let history_button = {
        let invitation = invitation.clone();
        let email_id = format!("invitation-{id}-email");
        view! {
            <button
                type="button"
                class="btn btn-secondary btn-small btn-history"
                aria-describedby=email_id
                on:click=move |_| history.run(invitation.clone())
            >
                "History"
            </button>
        }
    };
    let revoke_button = (invitation.techpass_status == TechpassStatus::Pending).then(|| {
        let invitation = invitation.clone();
        let email_id = format!("invitation-{id}-email");
        view! {
            <button
                type="button"
                class="btn btn-secondary btn-small btn-revoke"
                aria-describedby=email_id
                on:click=move |_| revoke.run(invitation.clone())
            >
                "Revoke"
            </button>
        }
    });
    let email_id = format!("invitation-{id}-email");
    let resend_cell = match (invitation.techpass_status, invitation.can_resend) {
        // Nothing to send again: onboarded, or ended (the officer invites again instead).
        (
            TechpassStatus::Onboarded
            | TechpassStatus::Failed
            | TechpassStatus::Revoked
            | TechpassStatus::Expired,
            _,
        ) => None,
        (_, true) => Some(
            view! {
                <button
                    type="button"
                    class="btn btn-secondary btn-small"
                    aria-describedby=email_id.clone()
                    disabled=move || resending.get().is_some()
                    on:click=move |_| resend.run(id)
                >
                    {move || if resending.get() == Some(id) { "Sending…" } else { "Resend invite" }}
                </button>
            }
            .into_any(),
        ),
        (_, false) => {
            let available = invitation.next_resend_at.map(|at| {
                view! {
                    <span class="cell-hint">
                        "Available from "
                        <time datetime=at.to_rfc3339()>{time::date_time(at)}</time>
                    </span>
                }
            });
            Some(
                view! {
                    <button type="button" class="btn btn-secondary btn-small" disabled=true>
                        "Resend invite"
                    </button>
                    {available}
                }
                .into_any(),
            )
        }
    };
    // Why it failed, under the status that failed.
    let reason = invitation.failure_reason.clone().unwrap_or_default();
    let failure = |failed: bool| {
        (failed && !reason.is_empty())
            .then(|| view! { <span class="cell-hint failure-reason">{reason.clone()}</span> })
    };
    let techpass_failed = invitation.techpass_status == TechpassStatus::Failed;
    let techpass_failure = failure(techpass_failed);
    // A date under a status: until when a pending one can be taken up, when it was revoked.
    let dated = |label: &'static str, at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(|at| {
            view! {
                <span class="cell-hint">
                    {label} " " <time datetime=at.to_rfc3339()>{time::date(at)}</time>
                </span>
            }
        })
    };
    let expiry = dated("Expires", invitation.expires_at);
    let revoked = dated("Revoked", invitation.revoked_at);
    let seed_expiry = dated("Expires", invitation.seed_expires_at);
    let seed_failure = failure(!techpass_failed && invitation.seed_status == SeedStatus::Failed);
    view! {
        <tr>
            <td>{or_dash(invitation.fields.first_name)}</td>
            <td>{or_dash(invitation.fields.last_name)}</td>
            <td id=email_id class="cell-email">
                {invitation.fields.email}
            </td>
            <td>{or_dash(invitation.fields.organisation)}</td>
            <td>{or_dash(invitation.fields.department)}</td>
            <td class="cell-date">
                <time datetime=invitation.invited_at.to_rfc3339()>
                    {time::date(invitation.invited_at)}
                </time>
            </td>
            <td>
                <StatusTag status=invitation.techpass_status />
                {techpass_failure}
                {expiry}
                {revoked}
            </td>
            <td>
                <StatusTag status=invitation.seed_status />
                {seed_failure}
                {seed_expiry}
            </td>
            <td class="cell-actions">{resend_cell} {revoke_button} {history_button}</td>
        </tr>
    }
}
