use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use crate::support::{
    TestApp, assert_problem, error_codes, officer_invite, on_each_backend, status_counts,
    vendor_invite,
};

#[tokio::test]
async fn creating_a_public_officer_invitation_returns_201_with_location() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let response = app
            .create_invitation(&token, &officer_invite("Lim_Ah_Seng@Tech.Gov.SG"))
            .await;
        assert_eq!(response.status(), 201, "{}", app.backend);
        let location = response.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            location,
            format!("/api/v1/invitations/{}", body["id"].as_str().expect("id"))
        );
        assert_eq!(body["email"], "lim_ah_seng@tech.gov.sg");
        assert_eq!(body["channel"], "email_invitation");
        assert_eq!(body["techpass_status"], "pending");
        assert_eq!(body["seed_status"], "pending");
        assert_eq!(body["can_resend"], false);
        assert!(body["next_resend_at"].is_string());
        let fetched: Value = app.get_value(&location, &token).await;
        assert_eq!(fetched, body);
    })
    .await;
}

#[tokio::test]
async fn creating_a_vendor_normalises_the_contact_number_and_uses_create_account() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let response = app
            .create_invitation(&token, &vendor_invite("ah.kow@acme.com.sg", "Tan Ah Kow"))
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["contact_number"], "+6591234567");
        assert_eq!(body["channel"], "create_account");
        assert_eq!(body["seed_status"], "not_required");
        assert_eq!(body["techpass_username"], "Tan Ah Kow");
    })
    .await;
}

#[tokio::test]
async fn a_reason_keeps_its_line_breaks_and_a_number_with_country_code_is_read_as_e164() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let mut body = vendor_invite("ah.kow@acme.com.sg", "Tan Ah Kow");
        body["reason"] = json!("Builds the booking system.\r\n\tNeeds access until March.");
        body["contact_number"] = json!("6591234567");
        let response = app.create_invitation(&token, &body).await;
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.expect("json");
        assert_eq!(
            created["reason"],
            "Builds the booking system.\n\tNeeds access until March."
        );
        assert_eq!(created["contact_number"], "+6591234567");

        let mut bell = officer_invite("b@tech.gov.sg");
        bell["reason"] = json!("Ring\u{7}");
        let problem = assert_problem(app.create_invitation(&token, &bell).await, 422).await;
        assert_eq!(
            error_codes(&problem),
            vec![("reason".to_owned(), "control_character".to_owned())]
        );
        let mut two_line_name = vendor_invite("c@acme.com.sg", "Lim Mei Ling");
        two_line_name["first_name"] = json!("Mei\nLing");
        let problem =
            assert_problem(app.create_invitation(&token, &two_line_name).await, 422).await;
        assert_eq!(
            error_codes(&problem),
            vec![("first_name".to_owned(), "control_character".to_owned())]
        );
    })
    .await;
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let body = json!({ "user_type": "vendor", "email": "nope", "techpass_username": "ah..kow",
        "contact_number": "123", "seed_required": false, "reason": "" });
    let problem = assert_problem(app.create_invitation(&token, &body).await, 422).await;
    let codes = error_codes(&problem);
    for expected in [
        ("email", "invalid_email"),
        ("first_name", "required"),
        ("last_name", "required"),
        ("contact_number", "invalid_contact_number"),
        ("organisation", "required"),
        ("techpass_username", "username_consecutive_dots"),
        ("reason", "required"),
    ] {
        assert!(
            codes.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {codes:?}"
        );
    }
    assert!(
        problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty()))
    );
}

#[tokio::test]
async fn a_public_officer_invitation_needs_a_gov_sg_address() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    for email in ["x@gov.sg.evil.com", "x@evilgov.sg", "ah.kow@acme.com"] {
        let problem = assert_problem(
            app.create_invitation(&token, &officer_invite(email)).await,
            422,
        )
        .await;
        assert_eq!(
            error_codes(&problem),
            vec![("email".to_owned(), "not_public_officer_email".to_owned())]
        );
    }
}

#[tokio::test]
async fn inviting_the_same_email_or_username_again_is_409() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        assert_eq!(
            app.create_invitation(&token, &vendor_invite("ah.kow@acme.com.sg", "Tan Ah Kow"))
                .await
                .status(),
            201
        );
        // Same email, different case, from another officer.
        let other = app.sign_in("other@tech.gov.sg").await;
        let problem = assert_problem(
            app.create_invitation(&other, &vendor_invite("AH.KOW@acme.com.sg", "Someone Else"))
                .await,
            409,
        )
        .await;
        assert_eq!(
            error_codes(&problem),
            vec![("email".to_owned(), "already_invited".to_owned())]
        );
        // Same username (case-insensitive), different email.
        let problem = assert_problem(
            app.create_invitation(&token, &vendor_invite("new@acme.com.sg", "tan ah kow"))
                .await,
            409,
        )
        .await;
        assert_eq!(
            error_codes(&problem),
            vec![("techpass_username".to_owned(), "already_invited".to_owned())]
        );
    })
    .await;
}

#[tokio::test]
async fn an_email_whose_invitation_failed_can_be_invited_again() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let id = app.invite(&token, &officer_invite("a@tech.gov.sg")).await;
        let mut conn = app.db();
        crate::support::store::set_statuses(
            &mut conn,
            &id,
            invite_core::api::TechpassStatus::Failed,
            invite_core::api::SeedStatus::Failed,
        );
        assert_eq!(
            app.create_invitation(&token, &officer_invite("a@tech.gov.sg"))
                .await
                .status(),
            201
        );
    })
    .await;
}

#[tokio::test]
async fn twenty_concurrent_creates_of_one_email_make_exactly_one_invitation() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let body = officer_invite("race@tech.gov.sg");
        let requests = (0..20).map(|_| app.create_invitation(&token, &body));
        let statuses = status_counts(requests).await;
        assert_eq!(
            statuses,
            BTreeMap::from([(201, 1), (409, 19)]),
            "on {}",
            app.backend
        );
        let page: Value = app.get_value("/api/v1/invitations", &token).await;
        assert_eq!(page["items"].as_array().expect("items").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn an_officer_sees_only_their_own_invitations() {
    on_each_backend(|app| async move {
        let jane = app.sign_in("jane@tech.gov.sg").await;
        let bob = app.sign_in("bob@tech.gov.sg").await;
        let created: Value = app
            .create_invitation(&jane, &officer_invite("a@tech.gov.sg"))
            .await
            .json()
            .await
            .expect("json");
        let id = created["id"].as_str().expect("id");
        assert_problem(
            app.get(&format!("/api/v1/invitations/{id}"), &bob).await,
            404,
        )
        .await;
        assert_problem(
            app.post_json(
                &format!("/api/v1/invitations/{id}/resend"),
                &bob,
                &json!({}),
            )
            .await,
            404,
        )
        .await;
        let page: Value = app.get_value("/api/v1/invitations", &bob).await;
        assert_eq!(page["items"], json!([]));
        assert_eq!(page["next_cursor"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn the_list_pages_newest_first_without_gaps_or_repeats() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        for i in 0..7 {
            assert_eq!(
                app.create_invitation(&token, &officer_invite(&format!("user{i}@tech.gov.sg")))
                    .await
                    .status(),
                201
            );
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/invitations?limit=3&cursor={c}"),
                None => "/api/v1/invitations?limit=3".to_owned(),
            };
            let page: Value = app.get_value(&path, &token).await;
            let items = page["items"].as_array().expect("items");
            assert!(items.len() <= 3);
            seen.extend(
                items
                    .iter()
                    .map(|i| i["email"].as_str().expect("email").to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let expected: Vec<String> = (0..7)
            .rev()
            .map(|i| format!("user{i}@tech.gov.sg"))
            .collect();
        assert_eq!(seen, expected, "{}", app.backend);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
    })
    .await;
}

#[tokio::test]
async fn the_list_searches_names_email_and_organisation_and_filters_by_status() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        app.create_invitation(&token, &vendor_invite("ah.kow@acme.com.sg", "Tan Ah Kow"))
            .await;
        let mut globex = vendor_invite("mary@globex.com", "Mary Lee");
        globex["organisation"] = json!("Globex 100% Corp");
        globex["first_name"] = json!("Mary");
        app.create_invitation(&token, &globex).await;
        app.create_invitation(&token, &officer_invite("siti@tech.gov.sg"))
            .await;
        let emails = |page: Value| -> Vec<String> {
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["email"].as_str().expect("e").to_owned())
                .collect()
        };
        let q = |q: &str| format!("/api/v1/invitations?q={}", urlencode(q));
        assert_eq!(
            emails(app.get_value(&q("ACME"), &token).await),
            vec!["ah.kow@acme.com.sg"]
        );
        assert_eq!(
            emails(app.get_value(&q("mary"), &token).await),
            vec!["mary@globex.com"]
        );
        assert_eq!(
            emails(app.get_value(&q("100%"), &token).await),
            vec!["mary@globex.com"]
        );
        assert_eq!(
            emails(app.get_value(&q("_"), &token).await),
            Vec::<String>::new()
        );
        assert_eq!(
            emails(app.get_value(&q("siti@"), &token).await),
            vec!["siti@tech.gov.sg"]
        );
        let not_required: Value = app
            .get_value("/api/v1/invitations?seed_status=not_required", &token)
            .await;
        assert_eq!(not_required["items"].as_array().expect("items").len(), 2);
        let pending: Value = app
            .get_value(
                "/api/v1/invitations?techpass_status=pending&seed_status=pending",
                &token,
            )
            .await;
        assert_eq!(emails(pending), vec!["siti@tech.gov.sg"]);
    })
    .await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn bad_list_parameters_are_400_problems() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "cursor=garbage",
        "techpass_status=unknown",
        &format!("q={}", "a".repeat(201)),
    ] {
        assert_problem(
            app.get(&format!("/api/v1/invitations?{query}"), &token)
                .await,
            400,
        )
        .await;
    }
}

#[tokio::test]
async fn idempotent_replay_returns_the_first_response_and_invites_once() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let send = |body: Value, key: &'static str| {
            let request = app
                .client
                .post(app.url("/api/v1/invitations"))
                .bearer_auth(&token)
                .header("Idempotency-Key", key)
                .json(&body);
            async move { request.send().await.expect("request") }
        };
        let first = send(officer_invite("idem@tech.gov.sg"), "key-1").await;
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.expect("json");
        let replay = send(officer_invite("idem@tech.gov.sg"), "key-1").await;
        assert_eq!(replay.status(), 201);
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        assert_eq!(
            replay.json::<Value>().await.expect("json")["id"],
            first["id"]
        );
        assert_problem(
            send(officer_invite("other@tech.gov.sg"), "key-1").await,
            422,
        )
        .await;
        let page: Value = app.get_value("/api/v1/invitations", &token).await;
        assert_eq!(page["items"].as_array().expect("items").len(), 1);
        // A failed attempt frees its key: fix the body and retry with the same key.
        assert_problem(send(officer_invite("bad@example.com"), "key-2").await, 422).await;
        assert_eq!(
            send(officer_invite("fixed@tech.gov.sg"), "key-2")
                .await
                .status(),
            201
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_requests_with_one_idempotency_key_create_once_and_replay() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let requests = (0..10).map(|_| {
            app.client
                .post(app.url("/api/v1/invitations"))
                .bearer_auth(&token)
                .header("Idempotency-Key", "same")
                .json(&officer_invite("once@tech.gov.sg"))
                .send()
        });
        let responses: Vec<reqwest::Response> = futures_util::future::join_all(requests)
            .await
            .into_iter()
            .map(|r| r.expect("request"))
            .collect();
        // Later requests wait for the first and replay its response.
        let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
        let fresh = responses
            .iter()
            .filter(|r| !r.headers().contains_key("idempotent-replayed"))
            .count();
        assert_eq!(
            fresh, 1,
            "one created, the others replayed, on {}",
            app.backend
        );
        let page: Value = app.get_value("/api/v1/invitations", &token).await;
        assert_eq!(page["items"].as_array().expect("items").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn invitations_made_at_the_same_instant_page_by_id_without_gaps_or_repeats() {
    on_each_backend(|app| async move {
        use diesel::prelude::*;
        use invite_server::db::schema::invitations;
        let token = app.sign_in("jane@tech.gov.sg").await;
        for i in 0..5 {
            app.create_invitation(&token, &officer_invite(&format!("same{i}@tech.gov.sg")))
                .await;
        }
        // All five at one timestamp: the cursor must fall back on the id.
        let at = invite_server::db::now();
        diesel::update(invitations::table)
            .set(invitations::invited_at.eq(at))
            .execute(&mut app.db())
            .expect("update");
        let mut seen = Vec::new();
        let mut path = "/api/v1/invitations?limit=2".to_owned();
        loop {
            let page: Value = app.get_value(&path, &token).await;
            seen.extend(
                page["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|i| i["id"].as_str().expect("id").to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => path = format!("/api/v1/invitations?limit=2&cursor={c}"),
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(
            seen, sorted,
            "newest first, then by id descending, on {}",
            app.backend
        );
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5, "{seen:?}");
    })
    .await;
}

#[tokio::test]
async fn the_sweep_forgets_idempotency_keys_past_their_time_and_keeps_the_others() {
    use diesel::prelude::*;
    use invite_server::db::schema::idempotency_keys;
    crate::support::on_each_backend_with(
        |config| config.delivery.sweep_secs = 1,
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            for (key, email) in [
                ("old-key", "old@tech.gov.sg"),
                ("new-key", "new@tech.gov.sg"),
            ] {
                let response = app
                    .client
                    .post(app.url("/api/v1/invitations"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", key)
                    .json(&officer_invite(email))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), 201);
            }
            // The first key was claimed 25 hours ago (the default memory is 24).
            diesel::update(
                idempotency_keys::table.filter(idempotency_keys::idem_key.eq("old-key")),
            )
            .set(
                idempotency_keys::created_at
                    .eq(invite_server::db::now() - chrono::Duration::hours(25)),
            )
            .execute(&mut app.db())
            .expect("age the key");
            let keys = || -> Vec<String> {
                idempotency_keys::table
                    .select(idempotency_keys::idem_key)
                    .order(idempotency_keys::idem_key.asc())
                    .load(&mut app.db())
                    .expect("keys")
            };
            crate::support::eventually("the old key forgotten", || async {
                (keys() == ["new-key"]).then_some(())
            })
            .await;
        },
    )
    .await;
}

/// `q` is served two ways on SQLite (by the trigram index when few invitations hold the term,
/// by walking the list when many do) and by the planner's choice on PostgreSQL: the answer must
/// be the same, page after page, and only the officer's own.
#[tokio::test]
async fn a_search_finds_the_same_invitations_whether_few_or_many_hold_the_term() {
    on_each_backend(|app| async move {
        let other = app.sign_in("other@tech.gov.sg").await;
        let mut theirs = officer_invite("theirs@tech.gov.sg");
        theirs["first_name"] = json!("Walker");
        theirs["last_name"] = json!("Number12");
        assert_eq!(app.create_invitation(&other, &theirs).await.status(), 201);

        let token = app.sign_in("jane@tech.gov.sg").await;
        let rows: Vec<Value> = (0..300)
            .map(|i| {
                json!({
                    "user_type": "public_officer", "email": format!("n{i}@tech.gov.sg"),
                    "first_name": "Walker", "last_name": format!("Number{i}"),
                    "contact_number": null, "organisation": null, "department": null,
                    "techpass_username": null, "seed_required": false, "reason": "Search test",
                })
            })
            .collect();
        let staged = app
            .post_value(
                "/api/v1/batches",
                &token,
                &json!({"name": "walkers", "rows": rows}),
            )
            .await;
        let batch = staged["id"].as_str().expect("batch id");
        let submitted = app
            .post_json(
                &format!("/api/v1/batches/{batch}/submit"),
                &token,
                &json!({}),
            )
            .await;
        assert_eq!(submitted.status(), 200);

        let all = |q: &'static str| {
            let (app, token) = (&app, &token);
            async move {
                let mut emails = Vec::new();
                let mut cursor = String::new();
                loop {
                    let page = app
                        .get_value(
                            &format!("/api/v1/invitations?limit=40&q={q}&cursor={cursor}"),
                            token,
                        )
                        .await;
                    for item in page["items"].as_array().expect("items") {
                        emails.push(item["email"].as_str().expect("email").to_owned());
                    }
                    match page["next_cursor"].as_str() {
                        Some(next) => cursor = next.to_owned(),
                        None => return emails,
                    }
                }
            }
        };
        // The listing's own order (a batch's invitations share their time; the id breaks the
        // tie), without a search.
        let listed = all("").await;
        assert_eq!(listed.len(), 300);
        // Many hold it (more than the index path takes on SQLite): every one, in that order.
        assert_eq!(all("walker").await, listed, "on {}", app.backend);
        // Few hold it: number12 and number120..=number129, in that order; not the other
        // officer's Number12.
        let few: Vec<String> = listed
            .iter()
            .filter(|e| {
                let n = e.trim_start_matches('n').trim_end_matches("@tech.gov.sg");
                n == "12" || (n.len() == 3 && n.starts_with("12"))
            })
            .cloned()
            .collect();
        assert_eq!(few.len(), 11);
        assert_eq!(all("number12").await, few, "on {}", app.backend);
        // None holds it.
        assert!(all("nobody-at-all").await.is_empty());
    })
    .await;
}

/// Concurrent creates are committed together (a savepoint each): the refused ones roll back
/// only themselves, and every accepted one is stored whole, with its jobs and its history.
#[tokio::test]
async fn concurrent_creates_committed_together_each_get_their_own_answer() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let bodies: Vec<Value> = (0..30)
            .map(|i| match i % 3 {
                0 => officer_invite("everyone.wants@tech.gov.sg"),
                _ => officer_invite(&format!("distinct{i}@tech.gov.sg")),
            })
            .collect();
        let requests = bodies
            .iter()
            .map(|body| app.create_invitation(&token, body));
        let statuses = status_counts(requests).await;
        assert_eq!(
            statuses,
            BTreeMap::from([(201, 21), (409, 9)]),
            "on {}",
            app.backend
        );
        let page = app.get_value("/api/v1/invitations?limit=100", &token).await;
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), 21);
        for item in items {
            let id = item["id"].as_str().expect("id");
            let jobs = invite_server::db::outbox::of_invitation(&mut app.db(), id).expect("jobs");
            assert!(jobs.len() >= 2, "an email and a TechPass job for {id}");
            let history = app
                .get_value(&format!("/api/v1/invitations/{id}/events"), &token)
                .await;
            let created = history["items"]
                .as_array()
                .expect("events")
                .iter()
                .filter(|e| e["type"] == "invitation.created")
                .count();
            assert_eq!(created, 1, "one created event for {id}");
        }
    })
    .await;
}
