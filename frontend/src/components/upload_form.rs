//! "Upload user list" on the Batch upload page: choose the filled-in template and upload it,
//! with progress, then show the uploaded batch (its id goes into the URL).

use invite_core::api::Batch;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::use_api;
use crate::components::field::SubmitButton;
use crate::components::focus_node;
use crate::components::notification::use_notifier;
use crate::routes::AppRoute;

const XLSX_TYPES: &str = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// "Upload user list": choose the file and upload it, with progress.
#[component]
pub fn UploadForm(batch: RwSignal<Option<Batch>>) -> impl IntoView {
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
                    let id = uploaded.overview.id.to_string();
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
