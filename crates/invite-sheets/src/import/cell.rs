//! Turns one cell, as calamine decoded it, into the text an officer typed or sees.
//!
//! The field rules in `invite-core` work on text, so every cell type becomes text here: a phone
//! number Excel stored as a number must come out as `91234567`, not `91234567.0`.

use calamine::{DataRef, ExcelDateTime};
use invite_core::Field;

/// Longest cell text kept, in characters: twice the longest field limit (`Reason`, 500).
/// Anything longer fails its field's length rule anyway; cutting it keeps one huge string (or
/// one shared string referenced from every row) from being copied thousands of times.
pub(crate) const CELL_CHARS_MAX: usize = 1_000;

/// A data cell's text for `field`, trimmed and cut to what an invalid row keeps of the field
/// (`invite_core::text::cut_to_keep`, with its marker). Text cells are cut before they are
/// copied: a shared string referenced from every cell is never copied whole.
pub(crate) fn render_kept(value: &DataRef<'_>, field: Field) -> String {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            invite_core::text::cut_to_keep(field, s.trim())
        }
        DataRef::SharedString(s) => invite_core::text::cut_to_keep(field, s.trim()),
        other => invite_core::text::cut_to_keep(field, &render(other)),
    }
}

/// The cell's text, trimmed and cut to [`CELL_CHARS_MAX`] characters; `""` for an empty cell.
pub(crate) fn render(value: &DataRef<'_>) -> String {
    let mut text = match value {
        DataRef::Empty => return String::new(),
        DataRef::String(s) => trimmed(s),
        DataRef::SharedString(s) => trimmed(s),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) => number(*f),
        // `parse_yes_no` accepts true/false, so a TRUE in the SEED column means Yes.
        DataRef::Bool(true) => "TRUE".to_owned(),
        DataRef::Bool(false) => "FALSE".to_owned(),
        DataRef::DateTime(dt) => date_time(dt),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => trimmed(s),
        DataRef::Error(e) => e.to_string(),
    };
    if let Some((cut, _)) = text.char_indices().nth(CELL_CHARS_MAX) {
        text.truncate(cut);
    }
    text
}

fn trimmed(s: &str) -> String {
    let s = s.trim();
    s.char_indices()
        .nth(CELL_CHARS_MAX)
        .map_or(s, |(cut, _)| &s[..cut])
        .to_owned()
}

/// Whole numbers without a decimal part (Excel stores every number as a float); others in the
/// shortest form that reads back to the same float, never in exponent notation.
fn number(f: f64) -> String {
    // Below 2^53 every whole float is an exact integer, so the cast loses nothing.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.is_finite() && f.fract() == 0.0 && f.abs() < EXACT {
        (f as i64).to_string()
    } else {
        f.to_string()
    }
}

/// Dates as ISO 8601 (`2025-10-13`, or `2025-10-13T12:59:02` with a time); durations as the
/// number of days Excel stores.
fn date_time(dt: &ExcelDateTime) -> String {
    if dt.is_duration() {
        return number(dt.as_f64());
    }
    let (year, month, day, hour, minute, second, _milli) = dt.to_ymd_hms_milli();
    if (hour, minute, second) == (0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTimeType};

    #[test]
    fn cell_rendering_table() {
        let date = ExcelDateTime::new(45943.0, ExcelDateTimeType::DateTime, false);
        let date_time = ExcelDateTime::new(45943.541, ExcelDateTimeType::DateTime, false);
        let duration = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        let cases: Vec<(DataRef<'_>, &str)> = vec![
            (DataRef::Empty, ""),
            (DataRef::String("  Ah Kow \t".into()), "Ah Kow"),
            (DataRef::SharedString("\u{a0}Vendor\u{a0}"), "Vendor"),
            (DataRef::Float(91234567.0), "91234567"),
            (DataRef::Float(6591234567.0), "6591234567"),
            (DataRef::Float(-3.0), "-3"),
            (DataRef::Float(0.1), "0.1"),
            (DataRef::Float(1e21), "1000000000000000000000"),
            (DataRef::Float(f64::NAN), "NaN"),
            (DataRef::Int(91234567), "91234567"),
            (DataRef::Bool(true), "TRUE"),
            (DataRef::Bool(false), "FALSE"),
            (DataRef::DateTime(date), "2025-10-13"),
            (DataRef::DateTime(date_time), "2025-10-13T12:59:02"),
            (DataRef::DateTime(duration), "1.5"),
            (
                DataRef::DateTimeIso("2025-10-13T08:00:00".into()),
                "2025-10-13T08:00:00",
            ),
            (DataRef::Error(CellErrorType::NA), "#N/A"),
            (DataRef::Error(CellErrorType::Div0), "#DIV/0!"),
        ];
        for (value, expected) in cases {
            assert_eq!(render(&value), expected, "value {value:?}");
        }
    }

    #[test]
    fn a_data_cell_keeps_its_field_s_limit_and_a_marker() {
        let long = format!("  {}  ", "é".repeat(10_000));
        let kept = render_kept(&DataRef::SharedString(&long), Field::FirstName);
        assert_eq!(kept.chars().count(), 101);
        assert!(kept.starts_with('é') && kept.ends_with(invite_core::text::CUT_MARKER));
        assert_eq!(
            render_kept(&DataRef::Int(91234567), Field::ContactNumber),
            "91234567"
        );
        assert_eq!(
            render_kept(&DataRef::String("Tan".into()), Field::LastName),
            "Tan"
        );
    }

    #[test]
    fn long_text_is_cut_at_the_character_limit_on_a_char_boundary() {
        let long = "é".repeat(CELL_CHARS_MAX + 10);
        let text = render(&DataRef::String(long));
        assert_eq!(text.chars().count(), CELL_CHARS_MAX);
        assert!(text.chars().all(|c| c == 'é'));
    }
}
