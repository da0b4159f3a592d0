//! The one conflict check of a batch row — duplicate in the file, else already invited — used
//! by upload, View details → Save and Submit, over one lookup of who is already invited.
//!
//! The database still has the last word: the partial unique indexes on `invitations` refuse a
//! second active invitation even when two submits race past this check.

use std::collections::HashMap;

use invite_core::api::{BatchRowError, BatchSource};
use invite_core::{ErrorCode, Field, FieldError, InvitationRequest};
use invite_sheets::SheetRow;

use crate::db::DbConnection;
use crate::db::invitations::{self as invitations_repo, ActiveKeys};

/// The two values that may belong to one active invitation only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Keys {
    /// Normalised (lower-cased) email.
    pub email: String,
    /// `canonical` TechPass username, vendors only.
    pub username: Option<String>,
}

impl Keys {
    pub fn of(request: &InvitationRequest) -> Keys {
        Keys {
            email: request.email().to_owned(),
            username: request.techpass_username().map(|u| u.canonical()),
        }
    }
}

/// Who is already invited, among the keys of some rows: one lookup for all of them.
pub(super) fn already_invited<'a>(
    conn: &mut DbConnection,
    keys: impl IntoIterator<Item = &'a Keys>,
) -> diesel::QueryResult<ActiveKeys> {
    let (mut emails, mut usernames) = (Vec::new(), Vec::new());
    for key in keys {
        emails.push(key.email.clone());
        usernames.extend(key.username.clone());
    }
    invitations_repo::active_keys(conn, &emails, &usernames)
}

/// Which of a row's keys another row of the same batch also has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct InFile {
    pub email: bool,
    pub username: bool,
}

/// Counts keys across the rows of one file, to tell each row whether it shares one.
#[derive(Debug, Default)]
pub(super) struct FileKeys {
    emails: HashMap<String, usize>,
    usernames: HashMap<String, usize>,
}

impl FileKeys {
    pub fn count<'a>(keys: impl IntoIterator<Item = &'a Keys>) -> FileKeys {
        let mut file = FileKeys::default();
        for key in keys {
            *file.emails.entry(key.email.clone()).or_default() += 1;
            if let Some(username) = &key.username {
                *file.usernames.entry(username.clone()).or_default() += 1;
            }
        }
        file
    }

    pub fn shared(&self, keys: &Keys) -> InFile {
        let many = |count: Option<&usize>| count.is_some_and(|&n| n > 1);
        InFile {
            email: many(self.emails.get(&keys.email)),
            username: keys
                .username
                .as_ref()
                .is_some_and(|u| many(self.usernames.get(u))),
        }
    }
}

/// Where a row's errors point.
#[derive(Debug, Clone, Default)]
pub(super) enum Cells {
    /// A row of an uploaded sheet: the cells its email and username were read from (columns
    /// may be in any order); any other field at its template column.
    Sheet { email: String, username: String },
    /// A sheet row edited or checked again since its upload: the template's columns.
    #[default]
    Template,
    /// A row sent as JSON: an error names its field, not a cell.
    Fields,
}

impl Cells {
    /// Where the errors of a batch's rows point once they are stored.
    pub fn of_stored(source: BatchSource) -> Cells {
        match source {
            BatchSource::Xlsx => Cells::Template,
            BatchSource::Json => Cells::Fields,
        }
    }

    fn cell(&self, field: &str, row_number: i32) -> Option<String> {
        match self {
            Cells::Fields => None,
            Cells::Sheet { email, .. } if field == Field::Email.as_str() => Some(email.clone()),
            Cells::Sheet { username, .. } if field == Field::TechpassUsername.as_str() => {
                Some(username.clone())
            }
            Cells::Sheet { .. } | Cells::Template => {
                SheetRow::cell_for(field, u32::try_from(row_number).unwrap_or(0))
            }
        }
    }
}

/// The conflicts of one row. For each key, a duplicate in the file wins over an earlier
/// invitation: fixing the file is the officer's first step either way.
pub(super) fn conflicts(
    keys: &Keys,
    in_file: InFile,
    invited: &ActiveKeys,
    row_number: i32,
    cells: &Cells,
) -> Vec<BatchRowError> {
    // Per key: in the file twice, else invited before, else fine.
    let code = |in_file: bool, invited: bool| match (in_file, invited) {
        (true, _) => Some(ErrorCode::DuplicateInFile),
        (false, true) => Some(ErrorCode::AlreadyInvited),
        (false, false) => None,
    };
    let mut errors = Vec::new();
    let email_code = code(in_file.email, invited.emails.contains(&keys.email)).or_else(|| {
        invited
            .on_techpass
            .contains(&keys.email)
            .then_some(ErrorCode::AlreadyOnTechpass)
    });
    if let Some(code) = email_code {
        errors.push(cell_error(Field::Email, code, row_number, cells));
    }
    if let Some(username) = &keys.username
        && let Some(code) = code(in_file.username, invited.usernames.contains(username))
    {
        errors.push(cell_error(Field::TechpassUsername, code, row_number, cells));
    }
    errors
}

/// A field error of a row, placed as `cells` says.
pub(super) fn cell_error(
    field: Field,
    code: ErrorCode,
    row_number: i32,
    cells: &Cells,
) -> BatchRowError {
    at_cell(FieldError::new(field, code), row_number, cells)
}

/// Places a field error of row `row_number` as `cells` says.
pub(super) fn at_cell(error: FieldError, row_number: i32, cells: &Cells) -> BatchRowError {
    BatchRowError {
        cell: cells.cell(&error.field, row_number),
        field: error.field,
        code: error.code,
        message: error.message,
    }
}

#[cfg(test)]
mod tests {
    use invite_core::username::canonical;

    use super::*;

    fn keys(email: &str, username: Option<&str>) -> Keys {
        Keys {
            email: email.into(),
            username: username.map(canonical),
        }
    }

    fn codes(errors: &[BatchRowError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn a_duplicate_in_the_file_wins_over_an_earlier_invitation_per_key() {
        let row = keys("a@x.com", Some("Tan Ah Kow"));
        let invited = ActiveKeys {
            emails: ["a@x.com".to_owned()].into(),
            usernames: ["tan ah kow".to_owned()].into(),
            on_techpass: ["a@x.com".to_owned()].into(),
        };
        let both_in_file = InFile {
            email: true,
            username: true,
        };
        let cells = Cells::default();
        assert_eq!(
            codes(&conflicts(&row, both_in_file, &invited, 2, &cells)),
            vec![
                ("email", "duplicate_in_file"),
                ("techpass_username", "duplicate_in_file")
            ]
        );
        let only_email = InFile {
            email: true,
            username: false,
        };
        assert_eq!(
            codes(&conflicts(&row, only_email, &invited, 2, &cells)),
            vec![
                ("email", "duplicate_in_file"),
                ("techpass_username", "already_invited")
            ]
        );
        assert!(conflicts(&row, InFile::default(), &ActiveKeys::default(), 2, &cells).is_empty());
        // On TechPass already: its own code, after the file's and our own invitations'.
        let on_techpass_only = ActiveKeys {
            on_techpass: ["a@x.com".to_owned()].into(),
            ..ActiveKeys::default()
        };
        assert_eq!(
            codes(&conflicts(
                &row,
                InFile::default(),
                &on_techpass_only,
                2,
                &cells
            )),
            vec![("email", "already_on_techpass")]
        );
        assert_eq!(
            codes(&conflicts(&row, InFile::default(), &invited, 2, &cells)),
            vec![
                ("email", "already_invited"),
                ("techpass_username", "already_invited")
            ]
        );
    }

    #[test]
    fn usernames_collide_case_insensitively_within_a_file() {
        let a = keys("a@x.com", Some("Tan Ah Kow"));
        let b = keys("b@x.com", Some("TAN AH KOW "));
        let c = keys("c@x.com", None);
        let file = FileKeys::count([&a, &b, &c]);
        assert_eq!(
            file.shared(&a),
            InFile {
                email: false,
                username: true
            }
        );
        assert_eq!(file.shared(&c), InFile::default());
    }

    #[test]
    fn errors_point_at_the_uploaded_cell_or_the_template_column() {
        let sheet = Cells::Sheet {
            email: "C7".into(),
            username: "A7".into(),
        };
        let uploaded = cell_error(Field::Email, ErrorCode::AlreadyInvited, 7, &sheet);
        assert_eq!(uploaded.cell.as_deref(), Some("C7"));
        let other = cell_error(Field::Reason, ErrorCode::Required, 7, &sheet);
        assert_eq!(other.cell.as_deref(), Some("J7"));
        let edited = cell_error(Field::Email, ErrorCode::AlreadyInvited, 7, &Cells::Template);
        assert_eq!(edited.cell.as_deref(), Some("B7"));
        let json = cell_error(Field::Email, ErrorCode::AlreadyInvited, 7, &Cells::Fields);
        assert_eq!(json.cell, None);
        assert_eq!(json.field, "email");
    }
}
