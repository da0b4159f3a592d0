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
    let vendor = &spec["components"]["schemas"]["VendorInvitation"]["properties"];
    assert_eq!(vendor["email"]["maxLength"], 254);
    assert_eq!(vendor["techpass_username"]["maxLength"], 64);
    assert!(vendor["techpass_username"]["pattern"].is_string());
    // String enums document their wire names, as sent and accepted.
    assert_eq!(
        spec["components"]["schemas"]["UserType"]["enum"],
        serde_json::json!(["public_officer", "vendor"])
    );
    // Operation ids are unique (generated clients name their methods by them), and every
    // operation with a body documents the answers to a malformed, oversized or mistyped one.
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            let id = operation["operationId"].as_str().expect("operationId");
            assert!(ids.insert(id.to_owned()), "{id} is used twice");
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(
                        operation["responses"][status].is_object(),
                        "{method} {path} documents {status}"
                    );
                }
            }
        }
    }
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
    // Every link from a create names an operation that exists, with its path parameters.
    let mut links = 0;
    for item in spec["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("item").values() {
            let Some(created) = operation["responses"]["201"]["links"].as_object() else {
                continue;
            };
            for link in created.values() {
                let target = link["operationId"].as_str().expect("operationId");
                let (path, _) = operation_by_id(&spec, target)
                    .unwrap_or_else(|| panic!("link to {target}, which does not exist"));
                for name in link["parameters"].as_object().expect("parameters").keys() {
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{target} takes {name}"
                    );
                }
                links += 1;
            }
        }
    }
    assert!(
        links >= 16,
        "links from the batch, invitation, webhook and key creates"
    );
}

fn operation_by_id<'a>(
    spec: &'a serde_json::Value,
    id: &str,
) -> Option<(&'a str, &'a serde_json::Value)> {
    spec["paths"].as_object()?.iter().find_map(|(path, item)| {
        item.as_object()?
            .values()
            .find(|op| op["operationId"] == id)
            .map(|op| (path.as_str(), op))
    })
}

#[test]
fn the_documented_limits_and_patterns_are_the_rules_of_invite_core() {
    use invite_core::Field;
    use invite_core::limits::{API_KEY_NAME_MAX, USERNAME_MIN};
    use invite_core::username::USERNAME_PATTERN;

    let spec = serde_json::to_value(invite_server::openapi()).expect("json");
    let schemas = &spec["components"]["schemas"];
    let draft = &schemas["VendorInvitation"]["properties"];
    for field in Field::ALL {
        let documented = draft[field.as_str()]["maxLength"].as_u64();
        assert_eq!(
            documented,
            field.max_chars().map(|n| n as u64),
            "maxLength of {}",
            field.as_str()
        );
    }
    // The username's minimum counts the trimmed name, so the pattern holds it (at least
    // three characters between the whitespace it allows around them).
    let username = &draft["techpass_username"];
    let pattern = username["pattern"].as_str().expect("pattern");
    assert_eq!(pattern, invite_core::text::padded(USERNAME_PATTERN));
    let pattern = regex::Regex::new(pattern).expect("compiles");
    assert!(pattern.is_match(" a.b\t") && !pattern.is_match(" ab "));
    assert_eq!(USERNAME_MIN, 3);
    assert_eq!(
        schemas["CreateApiKey"]["properties"]["name"]["maxLength"].as_u64(),
        Some(API_KEY_NAME_MAX as u64)
    );
}

/// `Invitation` and `BatchRow` embed the invitee fields (`#[serde(flatten)]`); the document
/// must still describe each as the one flat object the server sends, with the request's limits
/// on the request alone.
#[tokio::test]
async fn embedded_fields_are_documented_as_the_flat_objects_sent() {
    use std::collections::BTreeSet;

    use invite_core::Field;
    use serde_json::Value;

    use crate::support::batches::stage;
    use crate::support::{TestApp, vendor_invite};

    let spec = serde_json::to_value(invite_server::openapi()).expect("json");
    let schemas = &spec["components"]["schemas"];
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app
        .invite(&token, &vendor_invite("ah.kow@acme.com.sg", "Tan Ah Kow"))
        .await;
    let invitation = app
        .get_value(&format!("/api/v1/invitations/{id}"), &token)
        .await;
    let batch = stage(&app, &token, "lo.xlsx", "libreoffice_mixed.xlsx").await;

    for (name, sent) in [("Invitation", &invitation), ("BatchRow", &batch["rows"][0])] {
        let schema = &schemas[name];
        assert_eq!(schema["type"], "object", "{name} is one object");
        assert!(schema.get("allOf").is_none(), "{name} is not an allOf");
        let keys = |value: &Value| -> BTreeSet<String> {
            value.as_object().expect("object").keys().cloned().collect()
        };
        assert_eq!(
            keys(sent),
            keys(&schema["properties"]),
            "{name}: sent = documented"
        );
        for required in schema["required"].as_array().expect("required") {
            let required = required.as_str().expect("name");
            assert!(!sent[required].is_null(), "{name}.{required} is sent");
        }
        for field in Field::ALL {
            assert!(
                schema["properties"][field.as_str()].is_object(),
                "{name}.{} documented",
                field.as_str()
            );
        }
    }
    let row = &schemas["BatchRow"]["properties"];
    for field in Field::ALL {
        assert!(
            row[field.as_str()].get("maxLength").is_none(),
            "a batch row holds {} as entered, without the request's limit",
            field.as_str()
        );
    }
}
