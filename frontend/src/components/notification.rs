//! The error notification: what failed, the Trace ID (with a Copy button) and a support link
//! that carries the Trace ID, as the user guide tells officers to use when raising a request.

use invite_core::api::Problem;
use leptos::prelude::*;

use crate::components::copy::CopyButton;

use crate::routes::encode_component;

/// Shows failed calls; provided as context by the app shell.
#[derive(Debug, Clone, Copy)]
pub struct Notifier {
    notices: RwSignal<Vec<(u64, Problem)>>,
    next_id: StoredValue<u64>,
}

pub fn use_notifier() -> Notifier {
    expect_context()
}

impl Notifier {
    pub fn new() -> Self {
        Self {
            notices: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(0),
        }
    }

    /// Shows a failed call. A 401 is not shown: the session ends and the sign-in page says so.
    pub fn show(&self, problem: Problem) {
        if problem.status == 401 {
            return;
        }
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.notices.update(|notices| {
            // Keep the screen readable when several calls fail together.
            if notices.len() >= 3 {
                notices.remove(0);
            }
            notices.push((id, problem));
        });
    }

    /// Clears every notification (on moving to another page, where they no longer apply).
    pub fn clear(&self) {
        if self.notices.with_untracked(|n| !n.is_empty()) {
            self.notices.set(Vec::new());
        }
    }

    fn dismiss(&self, id: u64) {
        self.notices
            .update(|notices| notices.retain(|(n, _)| *n != id));
    }
}

/// `mailto:` link to support, with the Trace ID in the subject and body.
pub fn support_link(problem: &Problem) -> String {
    let subject = format!("Invite Users error {}", problem.trace_id);
    let body = format!(
        "Describe what you were doing when the error appeared:\n\n\n\
         Error: {}\nStatus: {}\nTrace ID: {}",
        problem.title, problem.status, problem.trace_id
    );
    format!(
        "mailto:{}?subject={}&body={}",
        problem.support_email,
        encode_component(&subject),
        encode_component(&body)
    )
}

/// The region where error notifications appear; rendered once by the app.
#[component]
pub fn Notifications() -> impl IntoView {
    let notifier = use_notifier();
    view! {
        <div class="toast-region" aria-label="Notifications" role="region">
            <For
                each=move || notifier.notices.get()
                key=|(id, _)| *id
                children=move |(id, problem)| {
                    view! {
                        <ErrorNotification problem on_dismiss=move || notifier.dismiss(id) />
                    }
                }
            />
        </div>
    }
}

#[component]
fn ErrorNotification(problem: Problem, on_dismiss: impl Fn() + 'static) -> impl IntoView {
    let mailto = support_link(&problem);
    let Problem {
        title,
        detail,
        trace_id,
        support_email,
        ..
    } = problem;
    let has_trace = !trace_id.is_empty();
    let quote = if has_trace {
        " and include the Trace ID."
    } else {
        "."
    };
    let trace = has_trace.then(|| view! { <TraceId trace_id /> });
    let support = if support_email.is_empty() {
        view! { <p>"If this keeps happening, contact support" {quote}</p> }.into_any()
    } else {
        view! {
            <p>
                "If this keeps happening, raise a service request with "
                <a href=mailto>{support_email}</a>
                {quote}
            </p>
        }
        .into_any()
    };
    view! {
        <div class="toast toast-error" role="alert" data-testid="error-notification">
            <span class="toast-icon" aria-hidden="true">"!"</span>
            <div class="toast-body">
                <p class="toast-title">{title}</p>
                <p>{detail}</p>
                {trace}
                {support}
            </div>
            <button
                type="button"
                class="toast-close"
                aria-label="Dismiss notification"
                on:click=move |_| on_dismiss()
            >
                <span aria-hidden="true">"×"</span>
            </button>
        </div>
    }
}

/// The Trace ID with a button that copies it.
#[component]
fn TraceId(trace_id: String) -> impl IntoView {
    let text = trace_id.clone();
    view! {
        <p class="trace">
            "Trace ID: " <code data-testid="trace-id">{trace_id}</code> " " <CopyButton text />
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_link_carries_the_trace_id() {
        let problem = Problem {
            problem_type: "about:blank".into(),
            title: "Something went wrong".into(),
            status: 500,
            detail: "d".into(),
            trace_id: "4bf92f35".into(),
            support_email: "support@invite.gov.sg".into(),
            errors: vec![],
        };
        let link = support_link(&problem);
        assert!(link.starts_with(
            "mailto:support@invite.gov.sg?subject=Invite%20Users%20error%204bf92f35&body="
        ));
        assert!(link.contains("Trace%20ID%3A%204bf92f35"));
    }
}
