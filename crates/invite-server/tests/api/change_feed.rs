//! The change feed (`GET /api/v1/invitations?updated_since=`) and the exact `email=` filter:
//! how an agency system stays in sync without re-reading every invitation.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::support::{TestApp, assert_problem, officer_invite, on_each_backend_with};

/// Every page of `query` (which must not hold `cursor`), following `next_cursor`.
async fn all_pages(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/invitations?{query}&cursor={c}"),
            None => format!("/api/v1/invitations?{query}"),
        };
        let page = app.get_value(&path, token).await;
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

fn emails(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i["email"].as_str().expect("email"))
        .collect()
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

#[tokio::test]
async fn the_feed_lists_changes_oldest_first_and_a_change_moves_an_invitation_to_the_end() {
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            let jane = app.sign_in("jane@tech.gov.sg").await;
            let bob = app.sign_in("bob@tech.gov.sg").await;
            app.invite(&bob, &officer_invite("bobs@tech.gov.sg")).await;
            let mut created = Vec::new();
            for i in 0..5 {
                let invitation = app
                    .post_value(
                        "/api/v1/invitations",
                        &jane,
                        &officer_invite(&format!("user{i}@tech.gov.sg")),
                    )
                    .await;
                created.push(invitation);
            }
            let since = text(&created[0], "updated_at").to_owned();
            assert_eq!(
                since,
                text(&created[0], "invited_at"),
                "a new invitation's updated_at is its invited_at"
            );
            // Revoking the second invitation changes it last.
            let revoked = app
                .post_value(
                    &format!("/api/v1/invitations/{}/revoke", text(&created[1], "id")),
                    &jane,
                    &json!({}),
                )
                .await;
            assert!(text(&revoked, "updated_at") > text(&created[4], "updated_at"));

            let feed = all_pages(&app, &jane, &format!("updated_since={since}&limit=2")).await;
            assert_eq!(
                emails(&feed),
                [
                    "user0@tech.gov.sg",
                    "user2@tech.gov.sg",
                    "user3@tech.gov.sg",
                    "user4@tech.gov.sg",
                    "user1@tech.gov.sg"
                ],
                "{}: oldest change first, only Jane's",
                app.backend
            );
            assert_eq!(feed[4]["techpass_status"], "revoked");
            assert_eq!(feed[4]["updated_at"], revoked["updated_at"]);

            // Asking again from the last change seen returns that change (the bound is
            // inclusive) and nothing older.
            let last = text(&revoked, "updated_at");
            let again = all_pages(&app, &jane, &format!("updated_since={last}")).await;
            assert_eq!(emails(&again), ["user1@tech.gov.sg"], "{}", app.backend);

            // A time after every change: nothing.
            let later = all_pages(&app, &jane, "updated_since=2999-01-01T00:00:00Z").await;
            assert!(later.is_empty());
        },
    )
    .await;
}

#[tokio::test]
async fn the_feed_pages_through_many_changes_made_at_once_without_gaps_or_repeats() {
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            let jane = app.sign_in("jane@tech.gov.sg").await;
            let creates = (0..30).map(|i| {
                let (app, jane) = (&app, &jane);
                async move {
                    app.invite(jane, &officer_invite(&format!("c{i}@tech.gov.sg")))
                        .await
                }
            });
            let ids: HashSet<String> = futures_util::future::join_all(creates)
                .await
                .into_iter()
                .collect();
            let feed = all_pages(&app, &jane, "updated_since=2000-01-01T00:00:00Z&limit=7").await;
            let seen: Vec<&str> = feed.iter().map(|i| text(i, "id")).collect();
            assert_eq!(seen.len(), 30, "{}: no repeats", app.backend);
            assert_eq!(
                seen.iter().map(|s| s.to_string()).collect::<HashSet<_>>(),
                ids,
                "{}: no gaps",
                app.backend
            );
            // Compared as times: RFC 3339 text drops trailing zeros of the fraction
            // (".771Z" is after ".770599Z" but sorts before it as text).
            let times: Vec<chrono::DateTime<chrono::FixedOffset>> = feed
                .iter()
                .map(|i| {
                    chrono::DateTime::parse_from_rfc3339(text(i, "updated_at")).expect("a time")
                })
                .collect();
            assert!(times.is_sorted(), "{}: {times:?}", app.backend);
        },
    )
    .await;
}

#[tokio::test]
async fn the_email_filter_matches_one_address_exactly_whatever_its_case() {
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            let jane = app.sign_in("jane@tech.gov.sg").await;
            let bob = app.sign_in("bob@tech.gov.sg").await;
            let id = app.invite(&jane, &officer_invite("ann@tech.gov.sg")).await;
            app.invite(&jane, &officer_invite("joann@tech.gov.sg"))
                .await;
            app.invite(&jane, &officer_invite("ann.lee@tech.gov.sg"))
                .await;

            let found = all_pages(&app, &jane, "email=%20ANN@Tech.gov.sg%20").await;
            assert_eq!(emails(&found), ["ann@tech.gov.sg"], "{}", app.backend);
            assert_eq!(found[0]["id"], id.as_str());
            // Combined with the feed and with a status filter.
            let both = all_pages(
                &app,
                &jane,
                "email=ann@tech.gov.sg&updated_since=2000-01-01T00:00:00Z&techpass_status=pending",
            )
            .await;
            assert_eq!(emails(&both), ["ann@tech.gov.sg"]);
            let none = all_pages(
                &app,
                &jane,
                "email=ann@tech.gov.sg&techpass_status=onboarded",
            )
            .await;
            assert!(none.is_empty());
            // Another officer's invitation of that address is not theirs to see.
            assert!(
                all_pages(&app, &bob, "email=ann@tech.gov.sg")
                    .await
                    .is_empty()
            );
            assert!(
                all_pages(&app, &jane, "email=not-an-address")
                    .await
                    .is_empty()
            );
        },
    )
    .await;
}

#[tokio::test]
async fn bad_feed_parameters_are_400_problems_and_any_well_formed_cursor_is_a_position() {
    let app = TestApp::spawn_sqlite_with(|config| config.delivery.worker = false).await;
    let jane = app.sign_in("jane@tech.gov.sg").await;
    for i in 0..3 {
        app.invite(&jane, &officer_invite(&format!("x{i}@tech.gov.sg")))
            .await;
    }
    let newest = app.get_value("/api/v1/invitations?limit=1", &jane).await;
    let newest_cursor = text(&newest, "next_cursor").to_owned();
    let since = "updated_since=2000-01-01T00:00:00Z";
    let feed = app
        .get_value(&format!("/api/v1/invitations?limit=1&{since}"), &jane)
        .await;
    let feed_cursor = text(&feed, "next_cursor").to_owned();
    for query in [
        "updated_since=yesterday".to_owned(),
        "updated_since=2026-12-03".to_owned(),
        format!("email={}", "a".repeat(255)),
        "cursor=not-a-cursor".to_owned(),
    ] {
        let problem = assert_problem(
            app.get(&format!("/api/v1/invitations?{query}"), &jane)
                .await,
            400,
        )
        .await;
        assert!(problem["detail"].is_string(), "{query}: {problem}");
    }
    // A cursor has the documented shape `{micros}.{uuid}` whichever listing made it: another
    // listing's cursor is a position there too (see services/cursor.rs), never a 400.
    for query in [
        format!("{since}&cursor={newest_cursor}"),
        format!("cursor={feed_cursor}"),
    ] {
        let response = app
            .get(&format!("/api/v1/invitations?{query}"), &jane)
            .await;
        assert_eq!(response.status(), 200, "{query}");
    }
}
