//! `GET /api/v1/dev/mailbox`: the emails the dev mailbox received, newest first, for signed-in
//! officers. It is where every email goes until a real email gateway exists.

use actix_web::{HttpResponse, web};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn mailbox(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": state.mailbox.emails() })))
}
