//! The rows of an uploaded batch on the Batch upload page: a table, a page at a time, with each
//! row's status and errors, its actions (View details, Remove), and a filter to the rows that
//! need attention.

use invite_core::api::{Batch, BatchRow, BatchRowError, BatchRowStatus, UserType};
use leptos::html::Button;
use leptos::prelude::*;

use crate::api::use_api;
use crate::components::focus_node;
use crate::components::menu::{MenuItem, RowMenu};
use crate::components::notification::use_notifier;
use crate::components::pager::Pager;
use crate::components::status_tag::StatusTag;

/// Rows in one page of the table: a batch may hold 50,000.
const PAGE_SIZE: usize = 100;

/// The batch's rows, a page at a time from the server, optionally only those that need
/// attention. A page is fetched again whenever the batch is (after a Save, Remove, Reset or
/// Submit); pages follow the server's cursors, kept per page so that Previous needs none.
#[component]
pub fn RowsTable(
    batch: RwSignal<Option<Batch>>,
    attention_only: RwSignal<bool>,
    /// From 0; may be past the last page (after rows went), which then shows.
    page: RwSignal<usize>,
    editing: RwSignal<Option<BatchRow>>,
    remove: Callback<BatchRow>,
) -> impl IntoView {
    let api = use_api();
    let notifier = use_notifier();
    let pager = Memo::new(move |_| {
        let only = attention_only.get();
        let total = batch.with(|b| {
            b.as_ref().map_or(0, |b| {
                let s = b.overview.summary;
                if only { s.invalid } else { s.total }
            })
        });
        Pager::new(total as usize, page.get(), PAGE_SIZE)
    });
    // `cursors[p]` opens page `p` (none for the first); learnt as pages arrive.
    let cursors = RwSignal::new(vec![None::<String>]);
    let rows = RwSignal::new(None::<Vec<BatchRow>>);
    // Answers to superseded requests are dropped.
    let latest = StoredValue::new(0_u64);
    let shown_batch = StoredValue::new(None::<(uuid::Uuid, bool)>);
    Effect::new(move |_| {
        let Some(id) = batch.with(|b| b.as_ref().map(|b| b.overview.id)) else {
            rows.set(None);
            return;
        };
        let only = attention_only.get();
        // Another batch, or the other filter: its pages start again.
        if shown_batch.get_value() != Some((id, only)) {
            shown_batch.set_value(Some((id, only)));
            cursors.set(vec![None]);
        }
        let wanted = pager.get().page;
        let known = cursors.with_untracked(|c| c.len());
        let index = wanted.min(known - 1);
        let cursor = cursors.with_untracked(|c| c[index].clone());
        let request = latest.get_value() + 1;
        latest.set_value(request);
        leptos::task::spawn_local(async move {
            let answer = api.batch_rows(id, PAGE_SIZE, only, cursor.as_deref()).await;
            if latest.try_get_value() != Some(request) {
                return;
            }
            match answer {
                Ok(found) => {
                    cursors.update(|c| {
                        c.truncate(index + 1);
                        if let Some(next) = found.next_cursor {
                            c.push(Some(next));
                        }
                    });
                    if index != wanted {
                        page.set(index);
                    }
                    rows.set(Some(found.items));
                }
                Err(problem) => notifier.show(problem),
            }
        });
    });
    let page_rows = move || rows.get().unwrap_or_default();
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

    if batch.with_untracked(|b| b.as_ref().is_none_or(|b| b.overview.summary.total == 0)) {
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
                            let user_type = UserType::parse(&row.fields.user_type)
                                .map(|t| t.label().to_owned())
                                .unwrap_or_else(|_| row.fields.user_type.clone());
                            let name = [row.fields.first_name.as_deref(), row.fields.last_name.as_deref()]
                                .into_iter()
                                .flatten()
                                .collect::<Vec<_>>()
                                .join(" ");
                            let errors = row.errors.iter().map(BatchRowError::located).collect::<Vec<_>>();
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
                                    <td class="cell-email">{row.fields.email.clone()}</td>
                                    <td>{name}</td>
                                    <td>{row.fields.organisation.clone().unwrap_or_default()}</td>
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
