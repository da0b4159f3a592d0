//! The last pass over the OpenAPI document: what the route attributes cannot say, so that
//! every request the document allows is one the server accepts (schemathesis checks both
//! ways in CI), and every status the server can answer is listed.
//!
//! - `POST /invitations` takes an `InvitationRequest`: one of a public officer's or a vendor's
//!   invitation, each with the patterns of `invite-core`'s parsers (which hold themselves to
//!   those patterns in property tests). Batch rows stay `InvitationDraft`: they are stored as
//!   entered, however wrong.
//! - Text fields carry the pattern of `invite_core::text`: something visible, no control or
//!   invisible format characters. Every pattern allows the surrounding whitespace the parsers
//!   trim (`invite_core::text::padded`), and every `maxLength` holds for the value as sent.
//! - Cursors, `Idempotency-Key` and the Standard Webhooks headers declare their shape.
//! - Every operation with a body can answer 400, 413 and 415; every signed-in one 401.

use invite_core::Field;
use invite_core::contact_number::CONTACT_NUMBER_PATTERN;
use invite_core::email::{EMAIL_PATTERN, PUBLIC_OFFICER_EMAIL_PATTERN};
use invite_core::limits::{API_KEY_NAME_MAX, EMAIL_MAX, USERNAME_MAX};
use invite_core::text::{optional_text_pattern, or_blank, padded, text_pattern};
use invite_core::username::USERNAME_PATTERN;
use serde_json::{Map, Value, json};

use super::idempotency::KEY_PATTERN;
use crate::services::cursor::{CURSOR_PATTERN, ROW_CURSOR_PATTERN};

/// Applies every rule below to the document, and gives it as JSON: utoipa's own types
/// cannot carry all of it (its `Link` would serialise `operation_id`, not `operationId`).
pub fn apply(api: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(api).expect("an OpenAPI document serialises");
    invitation_request(&mut doc);
    text_rules(&mut doc);
    for (path, item) in object_entries(&mut doc["paths"]) {
        for (method, operation) in object_entries(item) {
            parameter_shapes(&path, operation);
            if let Some(route) = super::table::find(&method.to_ascii_uppercase(), &path) {
                if route.rate.is_some() {
                    rate_limited(operation);
                }
                if route.device {
                    device_rule(operation);
                }
            }
            error_statuses(operation);
            unique_operation_id(operation);
        }
    }
    links(&mut doc);
    doc
}

fn object_entries(value: &mut Value) -> impl Iterator<Item = (String, &mut Value)> {
    value
        .as_object_mut()
        .into_iter()
        .flat_map(|map| map.iter_mut().map(|(k, v)| (k.clone(), v)))
}

/// A text field: required (something visible), or optional (also blank or null).
fn text_property(field: Field, optional: bool) -> Value {
    let mut property = if optional {
        json!({ "type": ["string", "null"], "pattern": optional_text_pattern(field) })
    } else {
        json!({ "type": "string", "pattern": text_pattern(field) })
    };
    if let Some(max) = field.max_chars() {
        property["maxLength"] = json!(max);
    }
    property
}

/// `InvitationRequest`: `oneOf` a public officer's and a vendor's invitation, told apart by
/// `user_type`.
fn invitation_request(doc: &mut Value) {
    let contact = |optional: bool| {
        let pattern = if optional {
            or_blank(&padded(CONTACT_NUMBER_PATTERN))
        } else {
            padded(CONTACT_NUMBER_PATTERN)
        };
        json!({
            "type": if optional { json!(["string", "null"]) } else { json!("string") },
            "pattern": pattern,
            "maxLength": Field::ContactNumber.max_chars(),
            "example": "+65 9123 4567",
        })
    };
    let shared = |user_type: &str, email_pattern: &str, details_required: bool| {
        let mut properties = Map::new();
        properties.insert(
            "user_type".into(),
            json!({ "type": "string", "enum": [user_type] }),
        );
        properties.insert(
            "email".into(),
            json!({ "type": "string", "pattern": padded(email_pattern), "maxLength": EMAIL_MAX }),
        );
        for field in [Field::FirstName, Field::LastName, Field::Organisation] {
            properties.insert(
                field.as_str().into(),
                text_property(field, !details_required),
            );
        }
        properties.insert("contact_number".into(), contact(!details_required));
        properties.insert("department".into(), text_property(Field::Department, true));
        properties.insert("seed_required".into(), json!({ "type": "boolean" }));
        properties.insert("reason".into(), text_property(Field::Reason, false));
        properties
    };
    let mut officer = shared("public_officer", PUBLIC_OFFICER_EMAIL_PATTERN, false);
    officer.insert(
        "techpass_username".into(),
        json!({ "type": "null", "description": "None for a public officer: TechPass derives it." }),
    );
    let mut vendor = shared("vendor", EMAIL_PATTERN, true);
    vendor.insert(
        "techpass_username".into(),
        json!({
            "type": "string",
            "description": "3 to 64 characters: letters, digits, `_`, `-`, spaces and single dots, starting and ending with a letter or digit (the pattern holds the minimum, counted after trimming).",
            "pattern": padded(USERNAME_PATTERN),
            "maxLength": USERNAME_MAX,
        }),
    );
    let schemas = &mut doc["components"]["schemas"];
    schemas["PublicOfficerInvitation"] = json!({
        "type": "object",
        "description": "Email invitation: a public officer, by their gov.sg address.",
        "required": ["user_type", "email", "seed_required", "reason"],
        "properties": officer,
    });
    schemas["VendorInvitation"] = json!({
        "type": "object",
        "description": "Create account: a vendor, with every detail TechPass needs.",
        "required": ["user_type", "email", "first_name", "last_name", "contact_number",
                     "organisation", "techpass_username", "seed_required", "reason"],
        "properties": vendor,
    });
    schemas["InvitationRequest"] = json!({
        "description": "An invitation to create: a public officer's or a vendor's.",
        "oneOf": [
            { "$ref": "#/components/schemas/PublicOfficerInvitation" },
            { "$ref": "#/components/schemas/VendorInvitation" },
        ],
        "discriminator": { "propertyName": "user_type", "mapping": {
            "public_officer": "#/components/schemas/PublicOfficerInvitation",
            "vendor": "#/components/schemas/VendorInvitation",
        }},
    });
    let body = &mut doc["paths"]["/api/v1/invitations"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    if body.is_object() {
        *body = json!({ "$ref": "#/components/schemas/InvitationRequest" });
    }
}

/// The other requests' fields.
fn text_rules(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    if let Some(name) = schemas["CreateApiKey"]["properties"]["name"].as_object_mut() {
        name.insert("pattern".into(), json!(text_pattern(Field::Organisation)));
        name.insert("minLength".into(), json!(1));
        name.insert("maxLength".into(), json!(API_KEY_NAME_MAX));
    }
    let webhook = &mut schemas["WebhookEndpointDraft"]["properties"];
    if let Some(description) = webhook["description"].as_object_mut() {
        description.insert(
            "pattern".into(),
            json!(optional_text_pattern(Field::Organisation)),
        );
    }
    if let Some(url) = webhook["url"].as_object_mut() {
        url.insert(
            "pattern".into(),
            json!(padded(crate::delivery::webhooks::URL_PATTERN)),
        );
    }
    if let Some(device) = schemas["DevLoginRequest"]["properties"]["device_type"].as_object_mut() {
        // Absent or null: the default device. (JSON null as a value of the enum.)
        let mut types: Vec<Value> = invite_core::device::DEVICE_TYPES
            .iter()
            .map(|(value, _)| json!(value))
            .collect();
        types.push(Value::Null);
        device.insert("type".into(), json!(["string", "null"]));
        device.insert("enum".into(), Value::Array(types));
    }
    if let Some(email) = schemas["DevLoginRequest"]["properties"]["email"].as_object_mut() {
        email.insert(
            "pattern".into(),
            json!(padded(PUBLIC_OFFICER_EMAIL_PATTERN)),
        );
        email.insert("maxLength".into(), json!(EMAIL_MAX));
    }
    if let Some(form) = schemas["UploadForm"].as_object_mut() {
        form.insert("additionalProperties".into(), json!(false));
    }
    if let Some(rows) = schemas["BatchRowsRequest"]["properties"]["rows"].as_object_mut() {
        rows.insert("minItems".into(), json!(1));
        rows.insert(
            "maxItems".into(),
            json!(invite_sheets::Limits::default().max_rows),
        );
    }
}

/// Cursors, `Idempotency-Key` and the Standard Webhooks headers: their shapes.
fn parameter_shapes(path: &str, operation: &mut Value) {
    let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for parameter in parameters {
        let name = parameter["name"].as_str().unwrap_or_default().to_owned();
        let pattern = match name.as_str() {
            "cursor" if path.ends_with("/rows") => ROW_CURSOR_PATTERN,
            "cursor" => CURSOR_PATTERN,
            "Idempotency-Key" => KEY_PATTERN,
            "webhook-timestamp" => "^[0-9]{1,12}$",
            "webhook-id" => "^[!-~]{1,256}$",
            _ => continue,
        };
        let schema = &mut parameter["schema"];
        schema["type"] = json!("string");
        schema["pattern"] = json!(pattern);
        if let Some(schema) = schema.as_object_mut() {
            schema.remove("format");
            schema.remove("maxLength");
        }
    }
}

/// The operations under a rate limit (`security::rate`, from the route table) answer 429 over
/// it, with the allowance in headers (also sent on their other answers).
fn rate_limited(operation: &mut Value) {
    let header = |description: &str| json!({ "description": description, "schema": { "type": "integer", "minimum": 0 } });
    let limited = json!({
        "description": "Over the rate limit (per officer or API key; the built-in sign-in per client address): try again after `Retry-After` seconds",
        "headers": {
            "Retry-After": header("Seconds until the limit's window ends"),
            "RateLimit-Limit": header("Requests allowed per window"),
            "RateLimit-Remaining": header("Requests left in this window"),
            "RateLimit-Reset": header("Seconds until the window ends"),
        },
        "content": { "application/problem+json": {
            "schema": { "$ref": "#/components/schemas/Problem" }
        }},
    });
    merge_response(operation, "429", limited);
}

/// The operations under the device rule (`auth::device`, from the route table) answer 403
/// `device-not-eligible` when the server has one.
fn device_rule(operation: &mut Value) {
    merge_response(
        operation,
        "403",
        json!({
            "description": "The device rule (`INVITES_DEVICE_CLAIM`): only officers signed in from an allowed device (a non-SE GSIB device) may do this; the problem (`device-not-eligible`) says why in words",
            "content": { "application/problem+json": {
                "schema": { "$ref": "#/components/schemas/Problem" }
            }},
        }),
    );
}

/// Sets `operation`'s answer for `status`; when it has one already (another reason for the
/// same status), one response names both reasons.
fn merge_response(operation: &mut Value, status: &str, response: Value) {
    if let Some(existing) = operation["responses"].get_mut(status) {
        let reasons = format!(
            "{}; or {}",
            existing["description"].as_str().unwrap_or_default(),
            response["description"].as_str().unwrap_or_default()
        );
        *existing = response;
        existing["description"] = json!(reasons);
    } else {
        operation["responses"][status] = response;
    }
}

/// Statuses every operation of a kind can answer, when its attributes left them out.
fn error_statuses(operation: &mut Value) {
    let has_body = operation.get("requestBody").is_some();
    let signed_in = operation["security"]
        .as_array()
        .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
    let mut add = |status: &str, description: &str| {
        let responses = &mut operation["responses"];
        if responses.get(status).is_none() {
            responses[status] = json!({
                "description": description,
                "content": { "application/problem+json": {
                    "schema": { "$ref": "#/components/schemas/Problem" }
                }},
            });
        }
    };
    if has_body {
        add(
            "400",
            "The body is not valid JSON, or not of the documented shape",
        );
        add("413", "The body is too large");
        add("415", "The body is not of a documented content type");
    }
    if signed_in {
        add(
            "401",
            "No credentials, or an invalid, expired or revoked one",
        );
    }
}

/// `{tag}_{handler}` (`batches_get`, `invitations_get`): handlers of different modules share
/// names, and an operation id must be unique (generated clients name their methods by it).
fn unique_operation_id(operation: &mut Value) {
    let tag = operation["tags"][0]
        .as_str()
        .unwrap_or("api")
        .replace('-', "_");
    if let Some(id) = operation["operationId"].as_str()
        && !id.starts_with(&format!("{tag}_"))
    {
        operation["operationId"] = json!(format!("{tag}_{id}"));
    }
}

/// OpenAPI links from each create to what can be done with the created resource, so a client
/// generator (and a stateful fuzzer) knows which id goes where: a batch's `id` is the batch's,
/// its `rows[].id` a row's.
fn links(doc: &mut Value) {
    const ID: &str = "$response.body#/id";
    const FIRST_ROW: &str = "$response.body#/rows/0/id";
    /// An operation a created resource leads to, and which parameters come from where.
    type Target = (&'static str, &'static [(&'static str, &'static str)]);
    let creates: [(&str, &[Target]); 4] = [
        (
            "/api/v1/batches",
            &[
                ("batches_get", &[("id", ID)]),
                ("batches_rows", &[("id", ID)]),
                ("batches_batch_report", &[("id", ID)]),
                ("batches_submit", &[("id", ID)]),
                ("batches_reset", &[("id", ID)]),
                ("batches_replace_row", &[("id", ID), ("row_id", FIRST_ROW)]),
                ("batches_remove_row", &[("id", ID), ("row_id", FIRST_ROW)]),
            ],
        ),
        (
            "/api/v1/invitations",
            &[
                ("invitations_get", &[("id", ID)]),
                ("invitations_events", &[("id", ID)]),
                ("invitations_resend", &[("id", ID)]),
                ("invitations_revoke", &[("id", ID)]),
            ],
        ),
        (
            "/api/v1/webhooks",
            &[
                ("webhooks_get", &[("id", ID)]),
                ("webhooks_deliveries", &[("id", ID)]),
                ("webhooks_rotate_secret", &[("id", ID)]),
                ("webhooks_remove", &[("id", ID)]),
            ],
        ),
        ("/api/v1/api-keys", &[("api_keys_revoke", &[("id", ID)])]),
    ];
    for (path, targets) in creates {
        let pointer = format!("/paths/{}/post/responses/201", path.replace('/', "~1"));
        let Some(created) = doc.pointer_mut(&pointer) else {
            continue;
        };
        let mut links = Map::new();
        for (operation_id, parameters) in targets {
            let parameters: Map<String, Value> = parameters
                .iter()
                .map(|(name, from)| ((*name).to_owned(), json!(from)))
                .collect();
            links.insert(
                (*operation_id).to_owned(),
                json!({ "operationId": operation_id, "parameters": parameters }),
            );
        }
        created["links"] = Value::Object(links);
    }
}
