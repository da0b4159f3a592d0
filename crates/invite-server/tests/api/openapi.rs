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

#[test]
fn the_documented_limits_and_patterns_are_the_rules_of_invite_core() {
    use invite_core::Field;
    use invite_core::limits::{API_KEY_NAME_MAX, USERNAME_MIN};
    use invite_core::username::USERNAME_PATTERN;

    let spec = serde_json::to_value(invite_server::openapi()).expect("json");
    let schemas = &spec["components"]["schemas"];
    let draft = &schemas["InvitationDraft"]["properties"];
    for field in Field::ALL {
        let documented = draft[field.as_str()]["maxLength"].as_u64();
        assert_eq!(
            documented,
            field.max_chars().map(|n| n as u64),
            "maxLength of {}",
            field.as_str()
        );
    }
    let username = &draft["techpass_username"];
    assert_eq!(username["minLength"].as_u64(), Some(USERNAME_MIN as u64));
    assert_eq!(username["pattern"].as_str(), Some(USERNAME_PATTERN));
    assert_eq!(
        schemas["CreateApiKey"]["properties"]["name"]["maxLength"].as_u64(),
        Some(API_KEY_NAME_MAX as u64)
    );
}
