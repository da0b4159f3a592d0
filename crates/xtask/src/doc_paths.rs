//! The architecture notes name only what exists: every source path they quote (`routes/table.rs`,
//! `tests/api/support`, `crates/xtask/src/setup/`) is a file or folder of the repository, and
//! every item quoted with it (`routes/spec_truth.rs::text_rules`) appears in that file.

use std::path::{Path, PathBuf};

use crate::workspace_root;

/// The documents held to it.
const DOCUMENTS: &[&str] = &["docs/ARCHITECTURE.md"];

/// Where a quoted relative path may start: the repository, or a crate's sources.
const ROOTS: &[&str] = &[
    "",
    "crates",
    "crates/invite-server",
    "crates/invite-server/src",
    "crates/invite-core/src",
    "crates/invite-sheets/src",
    "crates/xtask/src",
    "frontend/src",
];

/// Made by builds and runs, not in the repository.
const GENERATED: &[&str] = &["target/", "frontend/dist", "data/"];

/// The quoted paths of `text`, each with the item after `::` if any: backquoted words that
/// name a source file or end in `/`, without spaces, URLs or route patterns.
fn quoted_paths(text: &str) -> Vec<(String, Option<String>)> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|q| !q.contains(char::is_whitespace) && !q.starts_with('/'))
        .filter(|q| !q.contains('{') && !q.contains('*') && !q.contains('?'))
        .filter(|q| !GENERATED.iter().any(|g| q.starts_with(g)))
        .filter_map(|q| {
            let (path, item) = match q.split_once("::") {
                Some((path, item)) => (path, Some(item.to_owned())),
                None => (q, None),
            };
            let source = [".rs", ".md", ".py", ".toml", ".yml", ".cfg", ".sql", ".mjs"]
                .iter()
                .any(|ext| path.ends_with(ext));
            (source || (path.ends_with('/') && path.len() > 1) || path.starts_with(".ci/"))
                .then(|| (path.to_owned(), item))
        })
        .collect()
}

fn resolve(path: &str) -> Option<PathBuf> {
    let root = workspace_root();
    ROOTS
        .iter()
        .map(|r| root.join(r).join(path))
        .find(|candidate| candidate.exists())
}

fn mentions(file: &Path, item: &str) -> bool {
    let name = item.rsplit("::").next().unwrap_or(item);
    std::fs::read_to_string(file).is_ok_and(|text| {
        text.match_indices(name).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !word(before) && !word(after)
        })
    })
}

#[test]
fn the_architecture_notes_name_only_what_exists() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for document in DOCUMENTS {
        let text = std::fs::read_to_string(workspace_root().join(document))
            .unwrap_or_else(|e| panic!("{document}: {e}"));
        for (path, item) in quoted_paths(&text) {
            checked += 1;
            match (resolve(&path), item) {
                (None, _) => missing.push(format!("{document}: `{path}` does not exist")),
                (Some(file), Some(item)) if !mentions(&file, &item) => {
                    missing.push(format!("{document}: `{path}` has no `{item}`"))
                }
                _ => {}
            }
        }
    }
    assert!(
        checked > 10,
        "only {checked} paths found: is the pattern right?"
    );
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn finds_quoted_paths_and_their_items() {
    let text = "see `routes/table.rs`, `tests/api/support`, `db/`, \
                `routes/spec_truth.rs::text_rules`, `GET /pkg/{file}`, `target/tools/python`, \
                `cargo xtask run`";
    assert_eq!(
        quoted_paths(text),
        vec![
            ("routes/table.rs".to_owned(), None),
            ("db/".to_owned(), None),
            (
                "routes/spec_truth.rs".to_owned(),
                Some("text_rules".to_owned())
            ),
        ]
    );
}
