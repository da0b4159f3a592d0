//! The committed `api-spec/openapi.json` must be what the code generates.

use std::path::Path;

#[test]
fn openapi_document_matches_the_committed_spec() {
    let generated =
        serde_json::to_string_pretty(&invite_server::openapi()).expect("spec json") + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api-spec/openapi.json");
    if std::env::var("UPDATE_SPEC").is_ok() {
        std::fs::write(&path, &generated).expect("write spec");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "api-spec/openapi.json is out of date: run `cargo xtask spec` and commit the result"
    );
}

#[test]
fn openapi_document_carries_rules_security_and_problems() {
    let spec = serde_json::to_value(invite_server::openapi()).expect("json");
    let draft = &spec["components"]["schemas"]["InvitationDraft"]["properties"];
    assert_eq!(draft["email"]["maxLength"], 254);
    assert_eq!(draft["techpass_username"]["maxLength"], 64);
    assert!(draft["techpass_username"]["pattern"].is_string());
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let create = &spec["paths"]["/api/v1/invitations"]["post"];
    assert!(create["responses"]["422"]["content"]["application/problem+json"].is_object());
    let channel = &spec["components"]["schemas"]["Channel"]["enum"];
    assert_eq!(channel.as_array().map(Vec::len), Some(4));
    for path in [
        "/api/v1/batches",
        "/api/v1/batches/{id}/submit",
        "/api/v1/invitations/{id}/resend",
        "/healthz",
        "/readyz",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} documented");
    }
}
