//! Batches: the officer's earlier uploads, newest first, each opening its rows on the Batch
//! upload page (a draft can be continued there).

use invite_core::api::{BatchOverview, BatchSource, BatchStatus};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::use_api;
use crate::components::notification::use_notifier;
use crate::components::set_title;
use crate::routes::AppRoute;
use crate::time;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Load {
    Loading,
    Done,
    Failed,
}

#[component]
pub fn BatchesPage() -> impl IntoView {
    set_title(AppRoute::Batches.title());
    let api = use_api();
    let notifier = use_notifier();
    let items = RwSignal::new(Vec::<BatchOverview>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let state = RwSignal::new(Load::Loading);
    let load = move |more: bool| {
        let cursor = if more {
            next_cursor.get_untracked()
        } else {
            None
        };
        state.set(Load::Loading);
        leptos::task::spawn_local(async move {
            match api.batches(cursor.as_deref()).await {
                Ok(page) => {
                    items.update(|items| {
                        if !more {
                            items.clear();
                        }
                        items.extend(page.items);
                    });
                    next_cursor.set(page.next_cursor);
                    state.set(Load::Done);
                }
                Err(problem) => {
                    let _ = state.try_set(Load::Failed);
                    notifier.show(problem);
                }
            }
        });
    };
    load(false);

    let rows = move || {
        let batches = items.get();
        if batches.is_empty() {
            let text = match state.get() {
                Load::Loading => "Loading your batches…",
                Load::Failed => "Your batches could not be loaded.",
                Load::Done => "No batches yet. Upload a filled-in template on Batch upload.",
            };
            return view! {
                <tr>
                    <td colspan="7" class="table-empty">{text}</td>
                </tr>
            }
            .into_any();
        }
        batches
            .into_iter()
            .map(|batch| {
                let href = AppRoute::batch(&batch.id.to_string());
                let status = match batch.status {
                    BatchStatus::Draft => "Draft",
                    BatchStatus::Submitted => "Submitted",
                };
                let source = match batch.source {
                    BatchSource::Xlsx => "Spreadsheet",
                    BatchSource::Json => "API (JSON)",
                };
                let s = batch.summary;
                view! {
                    <tr>
                        <td>
                            <A href=href>{batch.filename.clone()}</A>
                        </td>
                        <td>{source}</td>
                        <td class="cell-date">
                            <time datetime=batch.created_at.to_rfc3339()>{time::date_time(batch.created_at)}</time>
                        </td>
                        <td>{status}</td>
                        <td class="cell-number">{s.total}</td>
                        <td class="cell-number">{s.invalid}</td>
                        <td class="cell-number">{s.submitted}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };

    view! {
        <h1>{AppRoute::Batches.title()}</h1>
        <p class="lead">"Your uploads, newest first. Open one to see its rows, fix what needs attention and submit the rest."</p>
        <div class="table-wrap" role="region" aria-labelledby="batches-caption" tabindex="0">
            <table
                class="table"
                data-testid="batches-table"
                aria-busy=move || (state.get() == Load::Loading).then_some("true")
            >
                <caption id="batches-caption" class="visually-hidden">"Your batches"</caption>
                <thead>
                    <tr>
                        <th scope="col">"File"</th>
                        <th scope="col">"From"</th>
                        <th scope="col">"Uploaded"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Users"</th>
                        <th scope="col">"Need attention"</th>
                        <th scope="col">"Invited"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <div class="table-footer">
            <button
                type="button"
                class="btn btn-secondary"
                hidden=move || next_cursor.with(Option::is_none) && state.get() != Load::Failed
                disabled=move || state.get() == Load::Loading
                on:click=move |_| load(true)
            >
                {move || match state.get() {
                    Load::Loading => "Loading…",
                    Load::Failed => "Try again",
                    Load::Done => "Load more",
                }}
            </button>
        </div>
    }
}
