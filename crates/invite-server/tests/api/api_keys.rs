use serde_json::{Value, json};

use crate::support::{assert_problem, officer_invite, on_each_backend};

#[tokio::test]
async fn an_api_key_acts_for_its_officer_until_revoked() {
    on_each_backend(|app| async move {
        let jane = app.sign_in("jane@tech.gov.sg").await;
        let created = app
            .post_json("/api/v1/api-keys", &jane, &json!({ "name": "HR system" }))
            .await;
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.expect("json");
        let secret = created["secret"].as_str().expect("secret").to_owned();
        assert!(secret.starts_with("iu_"));
        let key_id = created["id"].as_str().expect("id").to_owned();

        // The key invites as Jane, through the `api` channel, and sees Jane's invitations.
        let invited = app
            .create_invitation(&secret, &officer_invite("a@tech.gov.sg"))
            .await;
        assert_eq!(invited.status(), 201);
        assert_eq!(
            invited.json::<Value>().await.expect("json")["channel"],
            "api"
        );
        let page: Value = app.get_value("/api/v1/invitations", &jane).await;
        assert_eq!(page["items"].as_array().expect("items").len(), 1);

        // The list never shows the secret, and records use.
        let keys: Value = app.get_value("/api/v1/api-keys", &jane).await;
        assert_eq!(keys["items"][0]["id"], key_id.as_str());
        assert!(keys["items"][0].get("secret").is_none());
        assert!(keys["items"][0]["last_used_at"].is_string());
        assert!(!keys.to_string().contains(&secret));

        // Another officer cannot revoke it.
        let bob = app.sign_in("bob@tech.gov.sg").await;
        let path = format!("/api/v1/api-keys/{key_id}");
        assert_problem(app.delete(&path, &bob).await, 404).await;

        let revoked = app.delete(&path, &jane).await;
        assert_eq!(revoked.status(), 204);
        assert_problem(app.get("/api/v1/invitations", &secret).await, 401).await;
        assert_problem(app.delete(&path, &jane).await, 404).await;
    })
    .await;
}

#[tokio::test]
async fn api_key_names_are_validated() {
    on_each_backend(|app| async move {
        let jane = app.sign_in("jane@tech.gov.sg").await;
        for name in ["", "   ", &"n".repeat(101), "tab\there"] {
            assert_problem(
                app.post_json("/api/v1/api-keys", &jane, &json!({ "name": name }))
                    .await,
                422,
            )
            .await;
        }
    })
    .await;
}

#[tokio::test]
async fn an_api_key_cannot_create_list_or_revoke_keys() {
    on_each_backend(|app| async move {
        let jane = app.sign_in("jane@tech.gov.sg").await;
        let created: Value = app
            .post_value("/api/v1/api-keys", &jane, &json!({ "name": "HR" }))
            .await;
        let secret = created["secret"].as_str().expect("secret").to_owned();
        let id = created["id"].as_str().expect("id").to_owned();
        assert_problem(
            app.post_json("/api/v1/api-keys", &secret, &json!({ "name": "minted" }))
                .await,
            403,
        )
        .await;
        assert_problem(app.get("/api/v1/api-keys", &secret).await, 403).await;
        let revoke = app.delete(&format!("/api/v1/api-keys/{id}"), &secret).await;
        assert_problem(revoke, 403).await;
        // The key still works for invitations.
        assert_eq!(app.get("/api/v1/invitations", &secret).await.status(), 200);
    })
    .await;
}
