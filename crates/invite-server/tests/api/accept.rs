//! The invitation link (`/accept/{token}`): a page that changes nothing when opened, a button
//! that leads on to TechPass's sign-up, and clear refusals for links that were replaced by a
//! resend, withdrawn, expired, or never existed.

use chrono::Duration;
use invite_core::api::DeliveryKind;
use invite_server::db::outbox;
use serde_json::json;

use crate::support::store;
use crate::support::{TestApp, eventually, officer_invite, on_each_backend};

/// The invitation links sent so far, oldest first.
fn links(app: &TestApp, id: &str) -> Vec<String> {
    outbox::of_invitation(&mut app.db(), id)
        .expect("jobs")
        .into_iter()
        .filter(|j| j.kind == DeliveryKind::Email)
        .map(|j| app.url(&format!("/accept/{}", j.id)))
        .collect()
}

async fn open(app: &TestApp, link: &str) -> (u16, String) {
    let response = app.client.get(link).send().await.expect("page");
    (
        response.status().as_u16(),
        response.text().await.expect("html"),
    )
}

#[tokio::test]
async fn a_resend_replaces_the_link_and_the_old_one_says_so() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
        let first = links(&app, &id).remove(0);
        let (status, page) = open(&app, &first).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains("lim@tech.gov.sg") && page.contains("Joins the platform team"),
            "{page}"
        );

        store::set_last_sent_at(
            &mut app.db(),
            &id,
            invite_server::db::now() - Duration::hours(25),
        );
        let resent = app
            .post_json(
                &format!("/api/v1/invitations/{id}/resend"),
                &token,
                &json!({}),
            )
            .await;
        assert_eq!(resent.status(), 202);
        let all = links(&app, &id);
        assert_eq!(all.len(), 2);
        let (status, page) = open(&app, &first).await;
        assert_eq!(status, 410);
        assert!(page.contains("This link has been replaced"), "{page}");
        let accepted = app.client.post(&first).send().await.expect("accept");
        assert_eq!(
            accepted.status(),
            410,
            "the old link's button does not work either"
        );
        assert_eq!(open(&app, &all[1]).await.0, 200, "the newest link works");
    })
    .await;
}

#[tokio::test]
async fn withdrawn_expired_and_unknown_links_are_refused_with_a_clear_page() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let revoked = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    let expired = app.invite(&token, &officer_invite("tan@tech.gov.sg")).await;
    let revoked_link = links(&app, &revoked).remove(0);
    let expired_link = links(&app, &expired).remove(0);

    let response = app
        .post_json(
            &format!("/api/v1/invitations/{revoked}/revoke"),
            &token,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let (status, page) = open(&app, &revoked_link).await;
    assert_eq!(status, 410);
    assert!(page.contains("This invitation was withdrawn"), "{page}");

    // Past its deadline, the link is refused at once, before any sweep.
    eventually("the email delivered", || async {
        let it = app
            .get_value(&format!("/api/v1/invitations/{expired}"), &token)
            .await;
        it["expires_at"].is_string().then_some(())
    })
    .await;
    store::set_deadlines(
        &mut app.db(),
        &expired,
        invite_server::db::now() - Duration::seconds(1),
    );
    let (status, page) = open(&app, &expired_link).await;
    assert_eq!(status, 410);
    assert!(page.contains("This invitation has expired"), "{page}");

    for unknown in [
        format!("/accept/{}", uuid::Uuid::new_v4()),
        "/accept/not-a-token".to_owned(),
    ] {
        let (status, page) = open(&app, &app.url(&unknown)).await;
        assert_eq!(status, 404, "{unknown}");
        assert!(page.contains("This link does not work"), "{page}");
    }
    // A job id that is not an email's is no link.
    let techpass_job = outbox::of_invitation(&mut app.db(), &expired)
        .expect("jobs")
        .into_iter()
        .find(|j| j.kind == DeliveryKind::Techpass)
        .expect("job");
    assert_eq!(
        open(&app, &app.url(&format!("/accept/{}", techpass_job.id)))
            .await
            .0,
        404
    );
}
