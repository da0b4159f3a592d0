//! The tests' workbook writer lives in the library (`invite_sheets::synthetic::xml`), shared
//! with the benchmarks.

pub use invite_sheets::synthetic::xml::*;

/// A public officer's row in template order: only the email, the SEED answer and the reason.
pub const fn officer_cells<'a>(email: &'a str, seed: &'a str, reason: &'a str) -> [&'a str; 10] {
    [
        "Public officer",
        email,
        "",
        "",
        "",
        "",
        "",
        "",
        seed,
        reason,
    ]
}
