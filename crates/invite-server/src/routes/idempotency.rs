//! The `Idempotency-Key` request header, as the operations that create something read it.

use actix_web::HttpRequest;

use crate::error::ApiError;
use crate::services::idempotency::IdempotencyKey;
use crate::state::AppState;

/// Longest accepted `Idempotency-Key`.
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

/// The keys the OpenAPI document promises are accepted: 1–255 visible ASCII characters.
pub const KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// The request's key, remembered for the configured time; none without the header, 400 for an
/// empty or overlong one, or one with anything but visible ASCII (spaces included).
pub fn idempotency_key(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("");
    if key.is_empty()
        || key.len() > IDEMPOTENCY_KEY_MAX
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::BadRequest(format!(
            "Idempotency-Key must be 1–{IDEMPOTENCY_KEY_MAX} visible ASCII characters."
        )));
    }
    Ok(Some(IdempotencyKey {
        key: key.to_owned(),
        ttl: chrono::Duration::hours(state.config.idempotency_ttl_hours),
    }))
}
