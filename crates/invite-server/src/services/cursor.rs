//! Keyset cursors: the position after the last row of a page, `(time, id)`, written
//! `{micros}.{uuid}`; a batch's rows page by row number, `r{row_number}`. Clients treat them as
//! opaque and pass `next_cursor` back unchanged, but their shape is documented (a pattern in
//! the OpenAPI document), and every cursor of that shape is accepted: it names a position, and
//! the listing goes on after it. (A cursor of another listing is well-formed too, and starts
//! this one at that time.)

use chrono::{DateTime, NaiveDateTime};

use crate::error::ApiError;

/// The shape of a `(time, id)` cursor; empty is the first page.
pub const CURSOR_PATTERN: &str =
    "^(?:[0-9]{1,16}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$";
/// The shape of a cursor of a batch's rows; empty is the first page.
pub const ROW_CURSOR_PATTERN: &str = "^(?:r[0-9]{1,9})?$";

pub fn encode(at: NaiveDateTime, id: &str) -> String {
    format!("{}.{id}", at.and_utc().timestamp_micros())
}

pub fn decode(cursor: &str) -> Option<(NaiveDateTime, String)> {
    let (micros, id) = cursor.split_once('.')?;
    if micros.is_empty() || micros.len() > 16 || !micros.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    let id = uuid::Uuid::parse_str(id).ok()?;
    Some((at, id.hyphenated().to_string()))
}

/// The position a request's `cursor` names; none for the first page, 400 for garbage.
pub fn parse(cursor: Option<&str>) -> Result<Option<(NaiveDateTime, String)>, ApiError> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => decode(c).map(Some).ok_or_else(|| {
            ApiError::BadRequest(
                "cursor is not valid; pass next_cursor from the previous page.".into(),
            )
        }),
    }
}

/// The position after a batch row (its `row_number`), for the pages of a batch's rows.
pub fn encode_row(row_number: i32) -> String {
    format!("r{row_number}")
}

/// The row a request's `cursor` for a batch's rows names; none for the first page.
pub fn parse_row(cursor: Option<&str>) -> Result<Option<i32>, ApiError> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    cursor
        .strip_prefix('r')
        .filter(|n| !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
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
        assert_eq!(decode(&encode(at, &id)), Some((at, id.clone())));
        for garbage in [
            "garbage",
            "12.not-a-uuid",
            ".0b7c3f7e-3b1a-4c1e-9d8e-0a1b2c3d4e5f",
            "-5.0b7c3f7e-3b1a-4c1e-9d8e-0a1b2c3d4e5f",
            "99999999999999999.0b7c3f7e-3b1a-4c1e-9d8e-0a1b2c3d4e5f",
        ] {
            assert!(parse(Some(garbage)).is_err(), "{garbage}");
        }
        assert_eq!(parse(Some("")).ok(), Some(None));
        assert_eq!(parse_row(Some(&encode_row(42))).ok(), Some(Some(42)));
        assert!(parse_row(Some(&encode(at, &id))).is_err());
        assert!(parse_row(Some("r")).is_err() && parse_row(Some("r9999999999")).is_err());
        assert!(decode(&encode_row(42)).is_none());
    }

    #[test]
    fn every_cursor_of_the_documented_shape_is_accepted() {
        // The largest of each shape: 16 digits of microseconds, 9 of a row number.
        let widest = "9999999999999999.ffffffff-ffff-ffff-ffff-ffffffffffff";
        assert!(parse(Some(widest)).is_ok_and(|c| c.is_some()));
        assert!(parse(Some("0.00000000-0000-0000-0000-000000000000")).is_ok());
        assert_eq!(parse_row(Some("r999999999")).ok(), Some(Some(999_999_999)));
        assert_eq!(parse_row(Some("r0")).ok(), Some(Some(0)));
    }
}
