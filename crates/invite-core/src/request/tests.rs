//! Tests of `request`.
use super::*;

fn vendor() -> InvitationDraft {
    InvitationDraft {
        user_type: "vendor".into(),
        email: "Ah.Kow@ACME.com.sg".into(),
        first_name: Some("Ah Kow".into()),
        last_name: Some("Tan".into()),
        contact_number: Some("9123 4567".into()),
        organisation: Some("ACME Pte Ltd".into()),
        department: None,
        techpass_username: Some("Tan Ah Kow".into()),
        seed_required: Some(false),
        reason: "Builds the booking system".into(),
    }
}

fn codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
    errors
        .iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect()
}

#[test]
fn valid_vendor_is_normalised() {
    let fields = vendor().parse().expect("valid").into_fields();
    assert_eq!(fields.email, "ah.kow@acme.com.sg");
    assert_eq!(fields.contact_number.as_deref(), Some("+6591234567"));
    assert_eq!(fields.techpass_username.as_deref(), Some("Tan Ah Kow"));
    assert_eq!(fields.user_type, UserType::Vendor);
}

#[test]
fn valid_public_officer_needs_only_email_seed_and_reason() {
    let draft = InvitationDraft {
        user_type: "public_officer".into(),
        email: "jane_tan@tech.gov.sg".into(),
        seed_required: Some(true),
        reason: "Joins the platform team".into(),
        ..Default::default()
    };
    let request = draft.parse().expect("valid");
    assert_eq!(request.user_type(), UserType::PublicOfficer);
    assert_eq!(request.email(), "jane_tan@tech.gov.sg");
}

#[test]
fn every_vendor_error_is_reported_at_once_in_field_order() {
    let draft = InvitationDraft {
        user_type: "vendor".into(),
        email: "nope".into(),
        techpass_username: Some("ah..kow".into()),
        contact_number: Some("123".into()),
        reason: " ".into(),
        ..Default::default()
    };
    let errors = draft.parse().expect_err("invalid");
    assert_eq!(
        codes(&errors),
        vec![
            ("email", "invalid_email"),
            ("first_name", "required"),
            ("last_name", "required"),
            ("contact_number", "invalid_contact_number"),
            ("organisation", "required"),
            ("techpass_username", "username_consecutive_dots"),
            ("seed_required", "required"),
            ("reason", "required"),
        ]
    );
    assert!(errors.iter().all(|e| !e.message.is_empty()));
}

#[test]
fn public_officer_with_vendor_email_and_username_is_refused() {
    let draft = InvitationDraft {
        user_type: "public_officer".into(),
        email: "x@gov.sg.evil.com".into(),
        techpass_username: Some("someone".into()),
        seed_required: Some(false),
        reason: "r".into(),
        ..Default::default()
    };
    let errors = draft.parse().expect_err("invalid");
    assert_eq!(
        codes(&errors),
        vec![
            ("email", "not_public_officer_email"),
            ("techpass_username", "not_applicable")
        ]
    );
}

#[test]
fn unknown_user_type_still_checks_common_fields() {
    let draft = InvitationDraft {
        user_type: "alien".into(),
        ..Default::default()
    };
    let errors = draft.parse().expect_err("invalid");
    assert_eq!(
        codes(&errors),
        vec![
            ("user_type", "invalid_user_type"),
            ("email", "required"),
            ("seed_required", "required"),
            ("reason", "required")
        ]
    );
}

#[test]
fn normalised_fields_parse_back_to_themselves() {
    let fields = vendor().parse().expect("valid").into_fields();
    let again = fields
        .clone()
        .into_draft()
        .parse()
        .expect("still valid")
        .into_fields();
    assert_eq!(again, fields);
}

#[test]
fn field_error_matches_parse() {
    let mut draft = vendor();
    draft.techpass_username = Some("_bad".into());
    let error = draft.field_error(Field::TechpassUsername).expect("error");
    assert_eq!(error.code, "username_invalid_start");
    assert_eq!(draft.field_error(Field::Email), None);
}

#[test]
fn draft_deserialises_from_contract_example() {
    let json = r#"{"user_type": "vendor", "email": "ah.kow@acme.com.sg", "techpass_username": "Tan Ah Kow",
        "first_name": "Ah Kow", "last_name": "Tan", "contact_number": "+6591234567",
        "organisation": "ACME Pte Ltd", "department": null, "seed_required": false, "reason": "x"}"#;
    let draft: InvitationDraft = serde_json::from_str(json).expect("json");
    assert!(draft.parse().is_ok());
}
