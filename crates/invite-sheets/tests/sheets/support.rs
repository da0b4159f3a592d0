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

/// A valid vendor, in template order.
pub const VENDOR: [&str; 10] = [
    "Vendor",
    "ah.kow@acme.com.sg",
    "Ah Kow",
    "Tan",
    "9123 4567",
    "ACME Pte Ltd",
    "",
    "Tan Ah Kow",
    "No",
    "Builds the booking system",
];
