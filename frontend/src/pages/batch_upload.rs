//! Batch upload: download the template, upload the filled-in file, review its rows (View
//! details, Remove, Reset) and Submit. The batch id is in the URL (`?batch=<id>`), so a reload
//! shows the same batch.

use invite_core::Field;
use invite_core::api::{Batch, BatchRow, BatchRowError, BatchRowStatus, UserType};
use leptos::html::{Button, Div, Input};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;

use crate::api::use_api;
use crate::components::dialog::Dialog;
use crate::components::field::{ErrorSummary, SubmitButton};
use crate::components::invitation_form::{
    FormKind, InvitationFields, InvitationForm, username_rules,
};
use crate::components::menu::{MenuItem, RowMenu};
use crate::components::notification::use_notifier;
use crate::components::status_tag::StatusTag;
use crate::components::{focus_node, set_title};
use crate::routes::{AppRoute, BATCH_PARAM};

const TEMPLATE_URL: &str = "/api/v1/batch-template";
const XLSX_TYPES: &str = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Rows in one page of the table: a batch may hold 50,000.
const PAGE_SIZE: usize = 100;

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
        if batch.with_untracked(|b| b.as_ref().map(|b| b.id)) == Some(id) {
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
    let submit = move |_| {
        let Some(id) = batch_id.get_untracked() else {
            return;
        };
        let before = batch.with_untracked(|b| b.as_ref().map_or(0, |b| b.summary.submitted));
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            match api.submit_batch(id).await {
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

    let batch_view = move || {
        // Not the rows: the table takes those it shows.
        let Some((filename, summary)) =
            batch.with(|b| b.as_ref().map(|b| (b.filename.clone(), b.summary)))
        else {
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
                    <div class="form-actions">
                        <button
                            type="button"
                            class="btn btn-primary"
                            disabled=move || busy.get() || summary.valid == 0
                            on:click=submit
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
        <UploadForm batch />
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

fn submit_outcome(batch: &Batch, submitted_before: u32) -> Outcome {
    let recorded = batch.summary.submitted.saturating_sub(submitted_before);
    // Until delivery is built, an invitation is recorded, not sent: say what happened.
    let mut text = match recorded {
        1 => "1 invitation recorded.".to_owned(),
        n => format!("{n} invitations recorded."),
    };
    // `invalid` counts the rows that failed at submit as well.
    let left = batch.summary.invalid;
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

/// "Upload user list": choose the file and upload it, with progress.
#[component]
fn UploadForm(batch: RwSignal<Option<Batch>>) -> impl IntoView {
    let api = use_api();
    let notifier = use_notifier();
    let navigate = use_navigate();
    let input = NodeRef::<Input>::new();
    let error = RwSignal::new(None::<String>);
    let progress = RwSignal::new(None::<u8>);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if progress.get_untracked().is_some() {
            return;
        }
        let file = input
            .get_untracked()
            .and_then(|i| i.files())
            .and_then(|files| files.get(0));
        let Some(file) = file else {
            error.set(Some("Choose a file to upload.".to_owned()));
            focus_node(input);
            return;
        };
        error.set(None);
        progress.set(Some(0));
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api
                .upload_batch(&file, move |percent| progress.set(Some(percent)))
                .await
            {
                Ok(uploaded) => {
                    let id = uploaded.id.to_string();
                    batch.set(Some(uploaded));
                    // Show the batch, unless the officer has left the page meanwhile.
                    if let Some(input) = input.try_get_untracked().flatten() {
                        input.set_value("");
                        navigate(&AppRoute::batch(&id), Default::default());
                    }
                }
                Err(problem) => {
                    error.set(Some(problem.detail.clone()));
                    notifier.show(problem);
                }
            }
            progress.set(None);
        });
    };
    let uploading = Signal::derive(move || progress.get().is_some());
    let describedby = move || {
        let mut ids = vec!["batch-file-hint"];
        if error.with(Option::is_some) {
            ids.push("batch-file-error");
        }
        ids.join(" ")
    };

    view! {
        <section class="card" aria-labelledby="upload-title">
            <h2 id="upload-title">"Upload user list"</h2>
            <form novalidate on:submit=on_submit>
                <div class=move || if error.with(Option::is_some) { "field field-invalid" } else { "field" }>
                    <label for="batch-file" class="field-label">
                        "Choose a file"
                    </label>
                    <div id="batch-file-hint" class="field-hint">
                        <p>"The completed template, as an .xlsx file."</p>
                    </div>
                    {move || {
                        error
                            .get()
                            .map(|message| {
                                view! {
                                    <p id="batch-file-error" class="error-message">
                                        <span class="visually-hidden">"Error: "</span>
                                        {message}
                                    </p>
                                }
                            })
                    }}
                    <input
                        id="batch-file"
                        name="file"
                        type="file"
                        class="file-input"
                        accept=XLSX_TYPES
                        node_ref=input
                        aria-describedby=describedby
                        aria-invalid=move || error.with(Option::is_some).then_some("true")
                        on:change=move |_| error.set(None)
                    />
                </div>
                {move || {
                    progress
                        .get()
                        .map(|percent| {
                            view! {
                                <div class="progress" role="status">
                                    <progress max="100" value=percent aria-label="Upload progress"></progress>
                                    <span>"Uploading… " {percent} "%"</span>
                                </div>
                            }
                        })
                }}
                <div class="form-actions">
                    <SubmitButton pending=uploading label="Upload" pending_label="Uploading…" />
                </div>
            </form>
        </section>
    }
}

/// "E7: message" when the cell is known, else the field's label.
fn error_text(error: &BatchRowError) -> String {
    let place = error
        .cell
        .clone()
        .or_else(|| Field::from_name(&error.field).map(|f| f.label().to_owned()))
        .unwrap_or_else(|| error.field.clone());
    format!("{place}: {}", error.message)
}

/// Rows that need the officer: not valid, or not invited when submitted.
fn needs_attention(row: &BatchRow) -> bool {
    matches!(row.status, BatchRowStatus::Invalid | BatchRowStatus::Failed)
}

/// The rows the table lists: all, or only those that need attention.
fn listed(rows: &[BatchRow], attention_only: bool) -> impl Iterator<Item = &BatchRow> {
    rows.iter()
        .filter(move |row| !attention_only || needs_attention(row))
}

/// One page of a list of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pager {
    /// From 0, never past the last page.
    page: usize,
    /// At least 1.
    pages: usize,
    /// The page's rows are `start..end` of the list.
    start: usize,
    end: usize,
    total: usize,
}

impl Pager {
    /// Page `page` (from 0) of `total` rows, `size` a page; a page past the end is the last one.
    fn new(total: usize, page: usize, size: usize) -> Self {
        let pages = total.div_ceil(size).max(1);
        let page = page.min(pages - 1);
        let start = page * size;
        Self {
            page,
            pages,
            start,
            end: total.min(start + size),
            total,
        }
    }

    fn has_previous(self) -> bool {
        self.page > 0
    }

    fn has_next(self) -> bool {
        self.page + 1 < self.pages
    }

    /// "Rows 1–100 of 8,000".
    fn label(self) -> String {
        format!(
            "Rows {}–{} of {}",
            thousands(self.start + 1),
            thousands(self.end),
            thousands(self.total)
        )
    }
}

/// 8000 as "8,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// The batch's rows, a page at a time, optionally only those that need attention.
#[component]
fn RowsTable(
    batch: RwSignal<Option<Batch>>,
    attention_only: RwSignal<bool>,
    /// From 0; may be past the last page (after rows went), which then shows.
    page: RwSignal<usize>,
    editing: RwSignal<Option<BatchRow>>,
    remove: Callback<BatchRow>,
) -> impl IntoView {
    let pager = Memo::new(move |_| {
        let only = attention_only.get();
        let total = batch.with(|b| b.as_ref().map_or(0, |b| listed(&b.rows, only).count()));
        Pager::new(total, page.get(), PAGE_SIZE)
    });
    let page_rows = move || {
        let Pager { start, end, .. } = pager.get();
        let only = attention_only.get();
        batch.with(|b| {
            b.iter()
                .flat_map(|b| listed(&b.rows, only).skip(start).take(end - start))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let previous = NodeRef::<Button>::new();
    let next = NodeRef::<Button>::new();
    let turn = move |forward: bool| {
        let now = pager.get_untracked().page;
        page.set(if forward {
            now + 1
        } else {
            now.saturating_sub(1)
        });
        // A button disabled under focus drops it: hand it to the other one.
        let after = pager.get_untracked();
        if forward && !after.has_next() {
            focus_node(previous);
        } else if !forward && !after.has_previous() {
            focus_node(next);
        }
    };

    if batch.with_untracked(|b| b.as_ref().is_none_or(|b| b.rows.is_empty())) {
        return view! { <p class="table-empty">"No users in this upload."</p> }.into_any();
    }
    view! {
        <div class="checkbox filter-toggle">
            <input
                type="checkbox"
                id="attention-only"
                prop:checked=move || attention_only.get()
                on:change=move |ev| {
                    attention_only.set(event_target_checked(&ev));
                    page.set(0);
                }
            />
            <label for="attention-only">"Show only rows that need attention"</label>
        </div>
        <Show
            when=move || pager.with(|p| p.total > 0)
            fallback=|| view! { <p class="table-empty">"No rows need attention."</p> }
        >
            <div class="table-wrap" role="region" aria-labelledby="batch-caption" tabindex="0">
                <table class="table" data-testid="batch-table">
                    <caption id="batch-caption" class="visually-hidden">
                        "Rows of the upload"
                    </caption>
                    <thead>
                        <tr>
                            <th scope="col">"Row"</th>
                            <th scope="col">"User type"</th>
                            <th scope="col">"Email address"</th>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Organisation"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Errors"</th>
                            <th scope="col">
                                <span class="visually-hidden">"Actions"</span>
                            </th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            page_rows()
                                .into_iter()
                        .map(|row| {
                            let user_type = UserType::parse(&row.user_type)
                                .map(|t| t.label().to_owned())
                                .unwrap_or_else(|_| row.user_type.clone());
                            let name = [row.first_name.as_deref(), row.last_name.as_deref()]
                                .into_iter()
                                .flatten()
                                .collect::<Vec<_>>()
                                .join(" ");
                            let errors = row.errors.iter().map(error_text).collect::<Vec<_>>();
                            let menu = (row.status != BatchRowStatus::Submitted)
                                .then(|| {
                                    let (details, removed) = (row.clone(), row.clone());
                                    view! {
                                        <RowMenu
                                            id=format!("row-{}", row.id)
                                            label=format!("Actions for row {}", row.row_number)
                                            items=vec![
                                                MenuItem {
                                                    label: "View details",
                                                    on_select: Callback::new(move |()| {
                                                        editing.set(Some(details.clone()))
                                                    }),
                                                },
                                                MenuItem {
                                                    label: "Remove",
                                                    on_select: Callback::new(move |()| remove.run(removed.clone())),
                                                },
                                            ]
                                        />
                                    }
                                });
                            view! {
                                <tr>
                                    <td>{row.row_number}</td>
                                    <td>{user_type}</td>
                                    <td class="cell-email">{row.email.clone()}</td>
                                    <td>{name}</td>
                                    <td>{row.organisation.clone().unwrap_or_default()}</td>
                                    <td>
                                        <StatusTag status=row.status />
                                    </td>
                                    <td>
                                        {(!errors.is_empty())
                                            .then(|| {
                                                view! {
                                                    <ul class="row-errors">
                                                        {errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
                                                    </ul>
                                                }
                                            })}
                                    </td>
                                    <td class="cell-actions">{menu}</td>
                                </tr>
                            }
                        })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </div>
            <nav class="pager" aria-label="Rows pages">
                <p class="result-count" aria-live="polite">
                    {move || pager.get().label()}
                </p>
                <button
                    type="button"
                    class="btn btn-secondary"
                    node_ref=previous
                    disabled=move || !pager.get().has_previous()
                    on:click=move |_| turn(false)
                >
                    "Previous"
                </button>
                <button
                    type="button"
                    class="btn btn-secondary"
                    node_ref=next
                    disabled=move || !pager.get().has_next()
                    on:click=move |_| turn(true)
                >
                    "Next"
                </button>
            </nav>
        </Show>
    }
    .into_any()
}

/// View details: the row's fields, editable; Save sends them to be validated again.
#[component]
fn RowDialog(
    batch_id: Uuid,
    row: BatchRow,
    on_close: Callback<()>,
    on_saved: Callback<BatchRow>,
) -> impl IntoView {
    let api = use_api();
    let notifier = use_notifier();
    let form = InvitationForm::new(FormKind::BatchRow);
    form.load_row(&row);
    let saving = RwSignal::new(false);
    let summary = NodeRef::<Div>::new();
    let row_id = row.id;

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        let draft = form.draft();
        leptos::task::spawn_local(async move {
            match api.save_row(batch_id, row_id, &draft).await {
                Ok(saved) => {
                    if saved.status == BatchRowStatus::Invalid {
                        form.load_row(&saved);
                        focus_node(summary);
                    }
                    on_saved.try_run(saved);
                }
                Err(problem) => {
                    if !problem.errors.is_empty() {
                        form.show_errors(problem.errors.clone());
                        focus_node(summary);
                    }
                    notifier.show(problem);
                }
            }
            saving.set(false);
        });
    };

    view! {
        <Dialog id="row-dialog" title=format!("Row {} details", row.row_number) on_close>
            <form novalidate on:submit=on_submit>
                <ErrorSummary id="row-error-summary" items=form.summary() node_ref=summary />
                <InvitationFields form />
                <div class="form-actions">
                    <SubmitButton pending=saving label="Save" pending_label="Saving…" />
                    <button
                        type="button"
                        class="btn btn-secondary"
                        on:click=move |_| on_close.run(())
                    >
                        "Cancel"
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_a_page_size_of_rows_and_the_last_the_rest() {
        let first = Pager::new(8_000, 0, 100);
        assert_eq!((first.start, first.end, first.pages), (0, 100, 80));
        assert!(!first.has_previous() && first.has_next());
        assert_eq!(first.label(), "Rows 1–100 of 8,000");
        let last = Pager::new(250, 2, 100);
        assert_eq!((last.start, last.end, last.pages), (200, 250, 3));
        assert!(last.has_previous() && !last.has_next());
        assert_eq!(Pager::new(8, 0, 100).label(), "Rows 1–8 of 8");
    }

    #[test]
    fn a_page_past_the_end_is_the_last_one() {
        let clamped = Pager::new(150, 5, 100);
        assert_eq!((clamped.page, clamped.start, clamped.end), (1, 100, 150));
        let empty = Pager::new(0, 3, 100);
        assert_eq!(
            (empty.page, empty.pages, empty.start, empty.end),
            (0, 1, 0, 0)
        );
        assert!(!empty.has_previous() && !empty.has_next());
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
