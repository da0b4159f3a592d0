//! Tests of `import`.
use super::*;
use invite_core::Field;

#[test]
fn column_letters_follow_excel() {
    let cases = [
        (0, "A"),
        (7, "H"),
        (25, "Z"),
        (26, "AA"),
        (51, "AZ"),
        (52, "BA"),
        (701, "ZZ"),
        (702, "AAA"),
        (16383, "XFD"),
    ];
    for (index, letters) in cases {
        assert_eq!(column_letters(index), letters, "index {index}");
    }
}

#[test]
fn headers_match_ignoring_case_and_spacing() {
    assert_eq!(
        normalise_header("  SEED   onboarding\u{a0}REQUIRED "),
        "seed onboarding required"
    );
    assert_eq!(
        normalise_header(Field::TechpassUsername.label()),
        "techpass username"
    );
}

#[test]
fn sizes_are_shown_in_mb_when_whole() {
    assert_eq!(size(10 * MIB), "10 MB");
    assert_eq!(size(1000), "1000 bytes");
}

#[test]
fn every_error_has_a_distinct_code_and_a_message() {
    let errors = [
        ImportError::Empty,
        ImportError::TooLarge { limit: 1 },
        ImportError::NotXlsx(NotXlsx::Unknown),
        ImportError::Encrypted,
        ImportError::TooManyEntries { limit: 1 },
        ImportError::UncompressedTooLarge { limit: 1 },
        ImportError::ZipBomb,
        ImportError::MissingSheet,
        ImportError::MissingColumns {
            missing: vec!["Reason".into()],
        },
        ImportError::DuplicateColumns {
            duplicated: vec!["Reason".into()],
        },
        ImportError::TooManyRows { limit: 1 },
        ImportError::NoRows,
        ImportError::Corrupt("x".into()),
    ];
    let mut codes: Vec<&str> = errors.iter().map(ImportError::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());
    assert!(errors.iter().all(|e| e.to_string().ends_with('.')));
}

#[test]
fn the_users_sheet_wins_else_the_first_worksheet() {
    let sheet = |name: &str, typ| calamine::Sheet {
        name: name.into(),
        typ,
        visible: calamine::SheetVisible::Visible,
    };
    let with_users = [
        sheet("Instructions", SheetType::WorkSheet),
        sheet(" users ", SheetType::WorkSheet),
    ];
    assert_eq!(choose_sheet(&with_users).as_deref(), Some(" users "));
    let without = [
        sheet("Chart1", SheetType::ChartSheet),
        sheet("Sheet1", SheetType::WorkSheet),
    ];
    assert_eq!(choose_sheet(&without).as_deref(), Some("Sheet1"));
    assert_eq!(
        choose_sheet(&[sheet("Chart1", SheetType::ChartSheet)]),
        None
    );
}
