//! View details of one batch row: its fields in the invitation form, editable; Save sends them
//! to the server to be validated again.

use invite_core::api::{BatchRow, BatchRowStatus};
use leptos::html::Div;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::use_api;
use crate::components::dialog::Dialog;
use crate::components::field::{ErrorSummary, SubmitButton};
use crate::components::focus_node;
use crate::components::invitation_form::{FormKind, InvitationFields, InvitationForm};
use crate::components::notification::use_notifier;

/// View details: the row's fields, editable; Save sends them to be validated again.
#[component]
pub fn RowDialog(
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
