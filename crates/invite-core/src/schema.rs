//! Diesel table definitions, matching the server's `migrations/{sqlite,postgres}` (feature
//! `diesel`). They live with the model so that the invitee structs can derive their stored form;
//! the server owns the migrations and every query.

diesel::table! {
    officers (id) {
        id -> Text,
        email -> Text,
        created_at -> Timestamp,
        oidc_issuer -> Nullable<Text>,
        oidc_subject -> Nullable<Text>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        officer_id -> Text,
        user_type -> Text,
        email -> Text,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        contact_number -> Nullable<Text>,
        organisation -> Nullable<Text>,
        department -> Nullable<Text>,
        techpass_username -> Nullable<Text>,
        username_key -> Nullable<Text>,
        seed_required -> Bool,
        reason -> Text,
        channel -> Text,
        search_text -> Text,
        invited_at -> Timestamp,
        last_sent_at -> Timestamp,
        techpass_status -> Text,
        seed_status -> Text,
        updated_at -> Timestamp,
        failure_reason -> Nullable<Text>,
        techpass_event_at -> Nullable<Timestamp>,
        seed_event_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        seed_expires_at -> Nullable<Timestamp>,
        reconciled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_receipts (source, webhook_id) {
        source -> Text,
        webhook_id -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    delivery_jobs (id) {
        id -> Text,
        invitation_id -> Text,
        kind -> Text,
        state -> Text,
        attempts -> Integer,
        run_after -> Timestamp,
        lease_owner -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        endpoint_id -> Nullable<Text>,
        event_id -> Nullable<Text>,
        trace_parent -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        officer_id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        event_types -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        officer_id -> Text,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (officer_id, idem_key) {
        officer_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        officer_id -> Text,
        action -> Text,
        subject_id -> Text,
        channel -> Text,
        trace_id -> Text,
        created_at -> Timestamp,
        source -> Nullable<Text>,
        actor -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    batches (id) {
        id -> Text,
        officer_id -> Text,
        filename -> Text,
        created_at -> Timestamp,
        source -> Text,
    }
}

diesel::table! {
    batch_rows (id) {
        id -> Text,
        batch_id -> Text,
        row_number -> Integer,
        user_type -> Text,
        email -> Text,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        contact_number -> Nullable<Text>,
        organisation -> Nullable<Text>,
        department -> Nullable<Text>,
        techpass_username -> Nullable<Text>,
        seed_required -> Nullable<Bool>,
        reason -> Text,
        username_key -> Nullable<Text>,
        status -> Text,
        errors -> Text,
        invitation_id -> Nullable<Text>,
    }
}

diesel::joinable!(invitations -> officers (officer_id));
diesel::joinable!(batch_rows -> batches (batch_id));
diesel::joinable!(delivery_jobs -> invitations (invitation_id));
diesel::allow_tables_to_appear_in_same_query!(
    officers,
    webhook_endpoints,
    invitations,
    api_keys,
    idempotency_keys,
    audit_events,
    batches,
    batch_rows,
    delivery_jobs,
);
