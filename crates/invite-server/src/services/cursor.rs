//! Keyset cursors: the position after the last row of a page, `(time, id)`, made opaque
//! (base64url of `micros:uuid`) so that clients pass `next_cursor` back unchanged. A listing
//! in another order tags its cursors (`c:micros:uuid` for the change feed) so that a cursor of
//! one listing is refused by the other instead of silently skipping rows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime};

use crate::error::ApiError;

/// The order a cursor walks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Newest first by a creation time (invitations by `invited_at`, jobs by `created_at`).
    Newest,
    /// The change feed: oldest change first by `updated_at`.
    Changes,
}

impl Order {
    fn tag(self) -> &'static str {
        match self {
            Order::Newest => "",
            Order::Changes => "c:",
        }
    }
}

pub fn encode(at: NaiveDateTime, id: &str) -> String {
    encode_in(Order::Newest, at, id)
}

pub fn encode_in(order: Order, at: NaiveDateTime, id: &str) -> String {
    let micros = at.and_utc().timestamp_micros();
    URL_SAFE_NO_PAD.encode(format!("{}{micros}:{id}", order.tag()))
}

pub fn decode(cursor: &str) -> Option<(NaiveDateTime, String)> {
    decode_in(Order::Newest, cursor)
}

pub fn decode_in(order: Order, cursor: &str) -> Option<(NaiveDateTime, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (micros, id) = text.strip_prefix(order.tag())?.split_once(':')?;
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    uuid::Uuid::parse_str(id).ok()?;
    Some((at, id.to_owned()))
}

/// The position a request's `cursor` names; none for the first page, 400 for garbage.
pub fn parse(cursor: Option<&str>) -> Result<Option<(NaiveDateTime, String)>, ApiError> {
    parse_in(Order::Newest, cursor)
}

/// [`parse`] for a listing in `order`.
pub fn parse_in(
    order: Order,
    cursor: Option<&str>,
) -> Result<Option<(NaiveDateTime, String)>, ApiError> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => decode_in(order, c).map(Some).ok_or_else(|| {
            ApiError::BadRequest(
                "cursor is not valid; pass next_cursor from the previous page.".into(),
            )
        }),
    }
}

/// The position after a batch row (its `row_number`), for the pages of a batch's rows.
pub fn encode_row(row_number: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("r:{row_number}"))
}

/// The row a request's `cursor` for a batch's rows names; none for the first page.
pub fn parse_row(cursor: Option<&str>) -> Result<Option<i32>, ApiError> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("r:")?.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::BadRequest(
                "cursor is not valid; pass rows_next_cursor or next_cursor from the previous page."
                    .into(),
            )
        })
}

/// The page size a request asks for, within 1..=`max`.
pub fn page_size(limit: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {max}."
        )))
    }
}

/// `limit` and `cursor` of a paged listing, as received.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size (see the operation for its range).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 200, pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let at = crate::db::now();
        let id = uuid::Uuid::new_v4().to_string();
        assert_eq!(decode(&encode(at, &id)), Some((at, id)));
        assert!(decode("not base64!").is_none());
        assert!(decode(&URL_SAFE_NO_PAD.encode("12:not-a-uuid")).is_none());
        assert!(parse(Some("garbage")).is_err());
        assert_eq!(parse(Some("")).ok(), Some(None));
    }

    #[test]
    fn a_cursor_of_one_order_is_refused_by_the_other() {
        let at = crate::db::now();
        let id = uuid::Uuid::new_v4().to_string();
        let changes = encode_in(Order::Changes, at, &id);
        assert_eq!(decode_in(Order::Changes, &changes), Some((at, id.clone())));
        assert!(decode(&changes).is_none());
        assert!(decode_in(Order::Changes, &encode(at, &id)).is_none());
        assert_eq!(parse_row(Some(&encode_row(42))).ok(), Some(Some(42)));
        assert!(parse_row(Some(&encode(at, &id))).is_err());
        assert!(decode(&encode_row(42)).is_none());
    }
}
