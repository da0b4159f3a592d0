//! `GET /api/v1/dev/mailbox`: the emails the dev mailbox received, newest first, for signed-in
//! officers. It exists only while no SMTP relay is configured; otherwise it is not found.

use actix_web::{HttpResponse, web};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn mailbox(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let Some(mailbox) = &state.mailbox else {
        return Err(ApiError::NotFound(
            "There is no dev mailbox: emails go out through the configured SMTP relay.".into(),
        ));
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": mailbox.emails() })))
}
