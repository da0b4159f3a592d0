//! Problems made on this side: from an answer that carried none, or when there was no answer.

use invite_core::api::Problem;

use super::Raw;

impl Raw {
    pub(super) fn into_problem(self) -> Problem {
        if self.content_type.contains("json")
            && let Ok(mut problem) = serde_json::from_str::<Problem>(&self.body)
        {
            if problem.trace_id.is_empty() {
                problem.trace_id = self.trace_id.unwrap_or_default();
            }
            return problem;
        }
        let title = match self.status {
            400 => "The request was not accepted",
            401 => "Your session has ended",
            403 => "You do not have access to this",
            404 => "Not found",
            408 | 504 => "The server took too long to answer",
            409 => "This conflicts with an existing record",
            413 => "The file is too large",
            422 => "Some fields are invalid",
            429 => "Too many requests",
            500..=599 => "Something went wrong on our side",
            _ => "The request failed",
        };
        let status = match self.status_text.trim() {
            "" => self.status.to_string(),
            text => format!("{} {text}", self.status),
        };
        let detail = format!("The server answered {status}. Try again later.");
        synthesised(self.status, title, &detail, self.trace_id)
    }
}

/// A problem found on this side, before or without any answer from the server.
pub fn local_problem(title: &str, detail: &str) -> Problem {
    synthesised(0, title, detail, None)
}

/// A problem made on this side, for answers that did not carry one.
pub(super) fn synthesised(
    status: u16,
    title: &str,
    detail: &str,
    trace_id: Option<String>,
) -> Problem {
    Problem {
        problem_type: "about:blank".to_owned(),
        title: title.to_owned(),
        status,
        detail: detail.to_owned(),
        trace_id: trace_id.unwrap_or_default(),
        support_email: String::new(),
        errors: Vec::new(),
    }
}

pub(super) fn unreachable_server() -> Problem {
    synthesised(
        0,
        "We could not reach the server",
        "Check your network connection, then try again.",
        None,
    )
}

pub(super) fn browser_problem(error: wasm_bindgen::JsValue) -> Problem {
    let detail = error
        .as_string()
        .unwrap_or_else(|| "Your browser refused the request.".into());
    synthesised(0, "The request could not be made", &detail, None)
}
