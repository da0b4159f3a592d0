//! Batch upload: download the template, upload the filled-in file, review its rows (View
//! details, Remove, Reset) and Submit. The batch id is in the URL (`?batch=<id>`), so a reload
//! shows the same batch.

use invite_core::api::{Batch, BatchDelivery, BatchRow, BatchRowStatus};
use leptos::html::Div;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::api::use_api;
use crate::components::batch_rows::RowsTable;
use crate::components::device_rule::WhenCanInvite;
use crate::components::dialog::Dialog;
use crate::components::invitation_form::username_rules;
use crate::components::notification::use_notifier;
use crate::components::row_dialog::RowDialog;
use crate::components::upload_form::UploadForm;
use crate::components::{focus_node, set_title, sleep};
use crate::routes::{AppRoute, BATCH_PARAM};

const TEMPLATE_URL: &str = "/api/v1/batch-template";
/// How often the page looks at a submit's progress while it runs.
const SUBMIT_POLL: std::time::Duration = std::time::Duration::from_secs(1);
/// How often the page looks again while invitations wait to go out.
const DELIVERY_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// What the last action did, shown above the table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    text: String,
    /// Something still needs the officer's attention.
    warning: bool,
}

impl Outcome {
    fn done(text: String) -> Self {
        Self {
            text,
            warning: false,
        }
    }
}

#[component]
pub fn BatchUploadPage() -> impl IntoView {
    set_title(AppRoute::BatchUpload.title());
    let api = use_api();
    let notifier = use_notifier();
    let query = use_query_map();
    let batch_id = Memo::new(move |_| {
        query.with(|q| q.get_str(BATCH_PARAM).and_then(|s| Uuid::parse_str(s).ok()))
    });

    let batch = RwSignal::new(None::<Batch>);
    let loading = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Outcome>);
    let outcome_ref = NodeRef::<Div>::new();
    let editing = RwSignal::new(None::<BatchRow>);
    let confirming_reset = RwSignal::new(false);
    // Submit asks first, with the number about to be invited.
    let confirming_submit = RwSignal::new(false);
    // How the table pages through the rows; kept here so that a reload keeps them.
    let attention_only = RwSignal::new(false);
    let page = RwSignal::new(0_usize);

    // Shows the batch as the server has it now; false when it could not be had.
    let fetch = move |id: Uuid| async move {
        match api.batch(id).await {
            Ok(fresh) => {
                batch.set(Some(fresh));
                true
            }
            Err(problem) => {
                notifier.show(problem);
                false
            }
        }
    };

    // Follow the URL: fetch the batch it names, unless it is the one just uploaded.
    Effect::new(move |_| {
        outcome.set(None);
        page.set(0);
        let Some(id) = batch_id.get() else {
            batch.set(None);
            return;
        };
        if batch.with_untracked(|b| b.as_ref().map(|b| b.overview.id)) == Some(id) {
            return;
        }
        loading.set(true);
        leptos::task::spawn_local(async move {
            if !fetch(id).await {
                batch.set(None);
            }
            loading.set(false);
        });
    });

    // While invitations of the batch wait to go out, look again every two seconds, so that
    // the delivery counts move without a reload.
    let poll = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |_| {
        let waiting = batch.with(|b| b.as_ref().is_some_and(|b| b.delivery.pending > 0));
        if let Some(handle) = poll.get_value() {
            handle.clear();
        }
        poll.set_value(None);
        if !waiting {
            return;
        }
        let handle = set_timeout_with_handle(
            move || {
                // The officer may have left the page meanwhile.
                if let Some(Some(id)) = batch_id.try_get_untracked() {
                    leptos::task::spawn_local(async move {
                        fetch(id).await;
                    });
                }
            },
            DELIVERY_POLL,
        );
        poll.set_value(handle.ok());
    });
    on_cleanup(move || {
        if let Some(Some(handle)) = poll.try_get_value() {
            handle.clear();
        }
    });

    // After a change: fetch the batch again, then say what the change did.
    let reload = move |message: Option<Outcome>| {
        // The officer may have left the page while the change was under way.
        let Some(id) = batch_id.try_get_untracked().flatten() else {
            return;
        };
        leptos::task::spawn_local(async move {
            fetch(id).await;
            if let Some(message) = message {
                outcome.set(Some(message));
                focus_node(outcome_ref);
            }
        });
    };
    let remove = Callback::new(move |row: BatchRow| {
        let Some(id) = batch_id.get_untracked() else {
            return;
        };
        outcome.set(None);
        leptos::task::spawn_local(async move {
            match api.remove_row(id, row.id).await {
                Ok(()) => reload(Some(Outcome::done(format!(
                    "Row {} removed.",
                    row.row_number
                )))),
                Err(problem) => notifier.show(problem),
            }
        });
    });
    let saved = Callback::new(move |row: BatchRow| {
        let text = if row.status == BatchRowStatus::Invalid {
            None
        } else {
            editing.set(None);
            Some(Outcome::done(format!("Row {} saved.", row.row_number)))
        };
        reload(text);
    });
    let reset = move |_| {
        let Some(id) = batch_id.get_untracked() else {
            return;
        };
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            match api.reset_batch(id).await {
                Ok(()) => {
                    confirming_reset.set(false);
                    reload(Some(Outcome::done(
                        "All users removed. Upload a new file to start again.".to_owned(),
                    )));
                }
                Err(problem) => notifier.show(problem),
            }
            busy.set(false);
        });
    };
    // While a submit runs (a transaction per 500 rows), how many rows are invited so far.
    let progress = RwSignal::new(None::<(u32, u32)>);
    let submit = move |_| {
        let Some(id) = batch_id.get_untracked() else {
            return;
        };
        let before =
            batch.with_untracked(|b| b.as_ref().map_or(0, |b| b.overview.summary.submitted));
        let valid = batch.with_untracked(|b| b.as_ref().map_or(0, |b| b.overview.summary.valid));
        busy.set(true);
        outcome.set(None);
        progress.set(Some((0, valid)));
        leptos::task::spawn_local(async move {
            while busy.try_get_untracked() == Some(true) {
                sleep(SUBMIT_POLL).await;
                if busy.try_get_untracked() != Some(true) {
                    break;
                }
                if let Ok(now) = api.batch(id).await {
                    let done = now.overview.summary.submitted.saturating_sub(before);
                    let _ = progress.try_set(Some((done, valid)));
                }
            }
        });
        leptos::task::spawn_local(async move {
            let submitted = api.submit_batch(id).await;
            progress.set(None);
            confirming_submit.set(false);
            match submitted {
                Ok(result) => {
                    outcome.set(Some(submit_outcome(&result, before)));
                    batch.set(Some(result));
                    focus_node(outcome_ref);
                }
                Err(problem) => notifier.show(problem),
            }
            busy.set(false);
        });
    };

    let download_report = move |_| {
        let Some(id) = batch_id.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let path = format!("/batches/{id}/report");
            if let Err(problem) = api.download(&path, &[], "error report.xlsx").await {
                notifier.show(problem);
            }
        });
    };

    let batch_view = move || {
        // Not the rows: the table takes those it shows.
        let Some((filename, summary)) = batch.with(|b| {
            b.as_ref()
                .map(|b| (b.overview.filename.clone(), b.overview.summary))
        }) else {
            return loading.get().then(|| {
                view! { <p class="loading" role="status">"Loading the upload…"</p> }.into_any()
            });
        };
        Some(
            view! {
                <section class="card" aria-labelledby="batch-title">
                    <h2 id="batch-title">"Users in " {filename}</h2>
                    <dl class="summary" data-testid="batch-summary">
                        <div>
                            <dt>"Total"</dt>
                            <dd>{summary.total}</dd>
                        </div>
                        <div>
                            <dt>"Valid"</dt>
                            <dd>{summary.valid}</dd>
                        </div>
                        <div>
                            <dt>"Invalid"</dt>
                            <dd>{summary.invalid}</dd>
                        </div>
                        <div>
                            <dt>"Submitted"</dt>
                            <dd>{summary.submitted}</dd>
                        </div>
                    </dl>
                    {move || {
                        let delivery = batch.with(|b| b.as_ref().map(|b| b.delivery))?;
                        (summary.submitted > 0)
                            .then(|| {
                                view! {
                                    <p class="delivery-progress" data-testid="batch-delivery" aria-live="polite">
                                        {delivery_text(delivery)}
                                    </p>
                                }
                            })
                    }}
                    <div class="form-actions">
                        <button
                            type="button"
                            class="btn btn-primary"
                            disabled=move || busy.get() || summary.valid == 0
                            on:click=move |_| confirming_submit.set(true)
                        >
                            "Submit"
                        </button>
                        <button
                            type="button"
                            class="btn btn-secondary"
                            disabled=move || busy.get() || summary.total == 0
                            on:click=move |_| confirming_reset.set(true)
                        >
                            "Reset"
                        </button>
                        <button
                            type="button"
                            class="btn btn-secondary"
                            data-testid="download-report"
                            disabled=move || summary.total == 0
                            on:click=download_report
                        >
                            "Download error report"
                        </button>
                    </div>
                    <RowsTable batch attention_only page editing remove />
                </section>
            }
            .into_any(),
        )
    };

    view! {
        <h1>{AppRoute::BatchUpload.title()}</h1>
        <p class="lead">"Invite many public officers and vendors at once from a spreadsheet."</p>
        <section class="card" aria-labelledby="template-title">
            <h2 id="template-title">"Fill in the template"</h2>
            <p>
                <a class="link-download" href=TEMPLATE_URL download="invite-users-template.xlsx">
                    "Download excel template"
                </a>
            </p>
            <p>"Enter one user per row, then save the file."</p>
            <div class="note">
                <p>
                    <strong>"Note: "</strong>
                    "Usernames should:"
                </p>
                <ul>{username_rules().into_iter().map(|rule| view! { <li>{rule}</li> }).collect_view()}</ul>
            </div>
        </section>
        <WhenCanInvite>
            <UploadForm batch />
        </WhenCanInvite>
        <div
            class="outcome"
            role="status"
            tabindex="-1"
            node_ref=outcome_ref
            data-testid="batch-outcome"
            hidden=move || outcome.with(Option::is_none)
        >
            {move || {
                outcome
                    .get()
                    .map(|o| {
                        let class = if o.warning { "alert alert-warning" } else { "alert alert-success" };
                        view! {
                            <div class=class>
                                <p>{o.text}</p>
                            </div>
                        }
                    })
            }}
        </div>
        {batch_view}
        <Show when=move || editing.with(Option::is_some)>
            {move || {
                let row = editing.get_untracked()?;
                let id = batch_id.get_untracked()?;
                Some(view! { <RowDialog batch_id=id row on_close=Callback::new(move |()| editing.set(None)) on_saved=saved /> })
            }}
        </Show>
        <Show when=move || confirming_submit.get()>
            <Dialog
                id="submit-dialog"
                title="Invite these users?"
                on_close=Callback::new(move |()| confirming_submit.set(false))
            >
                <p>
                    {move || {
                        let n = batch.with(|b| b.as_ref().map_or(0, |b| b.overview.summary.valid));
                        match n {
                            1 => "1 user is about to be invited: they get an email, and TechPass is asked.".to_owned(),
                            n => format!("{n} users are about to be invited: each gets an email, and TechPass is asked."),
                        }
                    }}
                </p>
                <div class="form-actions">
                    <button type="button" class="btn btn-primary" disabled=move || busy.get() on:click=submit>
                        {move || match (busy.get(), progress.get()) {
                            (true, Some((done, of))) if done > 0 => format!("Inviting… {done} of {of}"),
                            (true, _) => "Inviting…".to_owned(),
                            (false, _) => "Confirm".to_owned(),
                        }}
                    </button>
                    <button type="button" class="btn btn-secondary" on:click=move |_| confirming_submit.set(false)>
                        "Cancel"
                    </button>
                </div>
            </Dialog>
        </Show>
        <Show when=move || confirming_reset.get()>
            <Dialog
                id="reset-dialog"
                title="Remove all users?"
                on_close=Callback::new(move |()| confirming_reset.set(false))
            >
                <p>"This removes every user in this upload. You cannot undo this."</p>
                <div class="form-actions">
                    <button type="button" class="btn btn-danger" disabled=move || busy.get() on:click=reset>
                        "Confirm"
                    </button>
                    <button type="button" class="btn btn-secondary" on:click=move |_| confirming_reset.set(false)>
                        "Cancel"
                    </button>
                </div>
            </Dialog>
        </Show>
    }
}

/// "Emails: 40 sent, 2 failed, 8 waiting to go out."
fn delivery_text(delivery: BatchDelivery) -> String {
    let BatchDelivery {
        sent,
        failed,
        pending,
    } = delivery;
    let mut text = format!("Emails: {sent} sent");
    if failed > 0 {
        text.push_str(&format!(
            ", {failed} failed (see Invite User Status for why)"
        ));
    }
    if pending > 0 {
        text.push_str(&format!(", {pending} waiting to go out"));
    }
    text.push('.');
    text
}

fn submit_outcome(batch: &Batch, submitted_before: u32) -> Outcome {
    let summary = batch.overview.summary;
    let sent = summary.submitted.saturating_sub(submitted_before);
    // Each is on its way through the outbox; a delivery that fails shows on Invite User Status.
    let mut text = match sent {
        1 => "1 invitation sent.".to_owned(),
        n => format!("{n} invitations sent."),
    };
    // `invalid` counts the rows that failed at submit as well.
    let left = summary.invalid;
    if left > 0 {
        text.push_str(&format!(
            " {left} {} still need attention: open View details on each, fix the errors, save, then submit again.",
            if left == 1 { "row" } else { "rows" }
        ));
    }
    Outcome {
        text,
        warning: left > 0,
    }
}
