//! The clock and date display. Dates arrive in UTC and are shown in the browser's time zone.
//!
//! chrono's own clock does not work on `wasm32-unknown-unknown` without its `wasmbind` feature,
//! so the current time and the local offset come from JavaScript's `Date` instead.

use chrono::{DateTime, FixedOffset, Utc};

/// The current time.
pub fn now() -> DateTime<Utc> {
    #[cfg(target_arch = "wasm32")]
    {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Utc::now()
    }
}

/// The browser's UTC offset at `at` (it differs across daylight-saving changes).
fn local_offset(at: DateTime<Utc>) -> FixedOffset {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            at.timestamp_millis() as f64
        ));
        // getTimezoneOffset is UTC minus local time, in minutes.
        let minutes = -(date.get_timezone_offset() as i32);
        FixedOffset::east_opt(minutes * 60).unwrap_or_else(utc)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = at;
        utc()
    }
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).expect("zero offset is valid")
}

/// `05 Mar 2025`, the format of the Date of Invite column.
pub fn date(at: DateTime<Utc>) -> String {
    format_date(at, local_offset(at))
}

/// `05 Mar 2025, 2:05 PM`, for times such as when a resend becomes available.
pub fn date_time(at: DateTime<Utc>) -> String {
    format_date_time(at, local_offset(at))
}

fn format_date(at: DateTime<Utc>, offset: FixedOffset) -> String {
    at.with_timezone(&offset).format("%d %b %Y").to_string()
}

fn format_date_time(at: DateTime<Utc>, offset: FixedOffset) -> String {
    at.with_timezone(&offset)
        .format("%d %b %Y, %-I:%M %p")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_shown_in_the_local_zone() {
        let at: DateTime<Utc> = "2025-03-04T17:30:00Z".parse().expect("rfc3339");
        let singapore = FixedOffset::east_opt(8 * 3600).expect("offset");
        assert_eq!(format_date(at, utc()), "04 Mar 2025");
        assert_eq!(format_date(at, singapore), "05 Mar 2025");
        assert_eq!(format_date_time(at, singapore), "05 Mar 2025, 1:30 AM");
    }
}
