//! The sheet layout that the template writes and the upload reader expects: the data sheet's
//! name, its columns, and Excel's column letters. Both sides depend on this module, not on each
//! other.

use invite_core::Field;

/// The template's columns, in the contract's order, which is `Field::ALL`'s (a test pins the
/// header row to the contract). The header texts are `Field::label()`.
pub const COLUMNS: [Field; 10] = Field::ALL;

/// The data sheet's name; [`crate::read_upload`] looks for it first.
pub const USERS_SHEET: &str = "Users";

/// Excel's column name of a 0-based column index: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letters(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        // rem < 26, so the cast and the addition stay within ASCII capitals.
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}
