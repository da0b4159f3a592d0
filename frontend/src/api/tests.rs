//! Tests of `api`.
use super::*;

fn raw(status: u16, content_type: &str, body: &str) -> Raw {
    Raw {
        status,
        status_text: "Bad Gateway".into(),
        content_type: content_type.into(),
        trace_id: Some("abc123".into()),
        body: body.into(),
    }
}

#[test]
fn problem_json_is_kept_as_sent() {
    let body = r#"{"type":"t","title":"Some fields are invalid","status":422,"detail":"d",
        "trace_id":"4bf9","support_email":"help@x.gov.sg",
        "errors":[{"field":"email","code":"required","message":"Enter the email address."}]}"#;
    let problem = raw(422, "application/problem+json", body).into_problem();
    assert_eq!(problem.trace_id, "4bf9");
    assert_eq!(problem.errors.len(), 1);
}

#[test]
fn other_bodies_become_a_problem_with_the_header_trace_id() {
    let problem = raw(502, "text/html", "<h1>Bad Gateway</h1>").into_problem();
    assert_eq!(problem.status, 502);
    assert_eq!(problem.trace_id, "abc123");
    assert_eq!(problem.title, "Something went wrong on our side");
    assert!(problem.detail.contains("502 Bad Gateway"));
}
