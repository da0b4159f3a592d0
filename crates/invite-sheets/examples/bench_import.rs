//! Times the upload path on generated workbooks of 10,000 and 50,000 rows, and compares it with
//! a plain calamine read of the same bytes.
//!
//! `cargo run -p invite-sheets --release --example bench_import`
//!
//! Workbooks are generated in memory (nothing large is committed), Excel-style with shared
//! strings and openpyxl-style with inline strings. Each step runs in a fresh child process (this
//! program, run with `--step`), so its peak RSS (`VmHWM` in /proc/self/status) is its own and
//! not what the allocator kept from generating the workbook.

use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Reader, Xlsx};
use invite_sheets::{Limits, read_upload};

#[path = "../tests/sheets/support.rs"]
mod support;

use support::{Cell, escape, header_row, row, shared_strings, workbook_parts, worksheet, zip};

/// How the cell text is stored.
#[derive(Clone, Copy)]
enum Strings {
    /// In `xl/sharedStrings.xml`, as Excel and LibreOffice write.
    Shared,
    /// In the cells, as openpyxl writes.
    Inline,
}

/// The ten values of data row `i`: officers and vendors, one phone in three typed as a
/// number, one row in twenty invalid.
fn values(i: usize) -> [String; 10] {
    let officer = i.is_multiple_of(2);
    // Row 6 of every 20 is an officer with a non-government address: invalid.
    let email = if i % 20 == 6 {
        format!("user{i}@gmail.com")
    } else if officer {
        format!("officer.{i}@tech.gov.sg")
    } else {
        format!("vendor.{i}@acme.com.sg")
    };
    let phone = format!("9{:07}", i % 10_000_000);
    [
        if officer { "Public officer" } else { "Vendor" }.to_owned(),
        email,
        format!("First{i}"),
        format!("Last{i}"),
        phone,
        "ACME Pte Ltd".to_owned(),
        if officer {
            "Platform team".to_owned()
        } else {
            String::new()
        },
        if officer {
            String::new()
        } else {
            format!("Vendor User {i}")
        },
        if i.is_multiple_of(3) { "Yes" } else { "No" }.to_owned(),
        "Builds and runs the agency's digital services".to_owned(),
    ]
}

fn generate(rows: usize, strings: Strings) -> Vec<u8> {
    let mut sheet = header_row();
    let mut table: Vec<String> = Vec::new();
    let mut index_of = std::collections::HashMap::new();
    for i in 0..rows {
        let number = u32::try_from(i + 2).expect("row number");
        let values = values(i);
        let mut shared_indexes = Vec::new();
        if let Strings::Shared = strings {
            for value in &values {
                let next = table.len();
                let index = *index_of.entry(value.clone()).or_insert_with(|| {
                    table.push(format!("<t>{}</t>", escape(value)));
                    next
                });
                shared_indexes.push(index);
            }
        }
        let cells: Vec<Option<Cell<'_>>> = values
            .iter()
            .enumerate()
            .map(|(column, value)| {
                if value.is_empty() {
                    None
                } else if column == 4 && i.is_multiple_of(3) {
                    Some(Cell::Number(value))
                } else {
                    match strings {
                        Strings::Shared => Some(Cell::Shared(shared_indexes[column])),
                        Strings::Inline => Some(Cell::Inline(value)),
                    }
                }
            })
            .collect();
        sheet.push_str(&row(number, &cells));
    }
    let shared = match strings {
        Strings::Shared => {
            let items: Vec<&str> = table.iter().map(String::as_str).collect();
            Some(shared_strings(&items))
        }
        Strings::Inline => None,
    };
    zip(&workbook_parts(&[("Users", worksheet(&sheet))], shared))
}

/// A `/proc/self/status` figure in MiB, e.g. `VmHWM` (peak RSS) or `VmRSS` (current RSS).
fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

/// The steps measured, each in a fresh process so that its peak RSS is its own.
const STEPS: [(&str, &str); 6] = [
    ("read", "read_upload"),
    ("validate", "validate every row"),
    ("read+validate", "read_upload + validate"),
    ("inflate", "(zip inflate pass alone)"),
    ("range", "calamine worksheet_range"),
    ("cells", "calamine cells reader"),
];

/// Child process: runs `step` on the file at `path` `RUNS` times; prints the best time in ms,
/// the peak RSS and the RSS before the step (MiB), and a note.
fn run_step(step: &str, path: &str) {
    const RUNS: usize = 3;
    let bytes = std::fs::read(path).expect("read workbook");
    let limits = Limits::default();
    // `validate` times validation alone, on rows read beforehand.
    let rows = (step == "validate").then(|| read_upload(&bytes, &limits).expect("read"));
    let before = status_mib("VmRSS");
    let mut best = Duration::MAX;
    let mut note = String::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        note = match step {
            "read" => format!("{} rows", read_upload(&bytes, &limits).expect("read").len()),
            "validate" => {
                let rows = rows.as_deref().unwrap_or_default();
                let valid = rows.iter().filter(|r| r.validate().is_ok()).count();
                format!("{valid} of {} valid", rows.len())
            }
            "read+validate" => {
                let rows = read_upload(&bytes, &limits).expect("read");
                let valid = rows.iter().filter(|r| r.validate().is_ok()).count();
                format!("{valid} valid")
            }
            "inflate" => {
                let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).expect("zip");
                let mut total = 0;
                for i in 0..archive.len() {
                    let mut entry = archive.by_index(i).expect("entry");
                    total += std::io::copy(&mut entry, &mut std::io::sink()).expect("inflate");
                }
                format!("{:.1} MiB unpacked", total as f64 / 1024.0 / 1024.0)
            }
            "range" => {
                let mut book: Xlsx<_> =
                    calamine::open_workbook_from_rs(Cursor::new(&bytes)).expect("open");
                let range = book.worksheet_range("Users").expect("range");
                format!("{:?} cells", range.get_size())
            }
            "cells" => {
                let mut book: Xlsx<_> =
                    calamine::open_workbook_from_rs(Cursor::new(&bytes)).expect("open");
                let mut reader = book.worksheet_cells_reader("Users").expect("cells");
                let mut count = 0usize;
                while reader.next_cell().expect("cell").is_some() {
                    count += 1;
                }
                format!("{count} cells")
            }
            other => panic!("unknown step {other}"),
        };
        best = best.min(started.elapsed());
    }
    println!(
        "{:.1} {:.1} {:.1} {note}",
        best.as_secs_f64() * 1000.0,
        status_mib("VmHWM"),
        before
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, step, path] = args.as_slice()
        && flag == "--step"
    {
        run_step(step, path);
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    println!("invite-sheets import benchmark: best of 3 runs; each step in a fresh process");
    println!("peak = the process's VmHWM; base = its RSS with the file loaded, before the step\n");
    for rows in [10_000, 50_000] {
        for (label, strings) in [
            ("shared strings", Strings::Shared),
            ("inline strings", Strings::Inline),
        ] {
            let bytes = generate(rows, strings);
            let path = std::env::temp_dir().join(format!(
                "invite-sheets-bench-{rows}-{}.xlsx",
                label.replace(' ', "-")
            ));
            std::fs::write(&path, &bytes).expect("write workbook");
            println!(
                "{rows} rows, {label}: {:.2} MiB file",
                bytes.len() as f64 / 1024.0 / 1024.0
            );
            for (step, title) in STEPS {
                let output = std::process::Command::new(&exe)
                    .args(["--step", step])
                    .arg(&path)
                    .output()
                    .expect("run step");
                let text = String::from_utf8_lossy(&output.stdout);
                let mut fields = text.trim().splitn(4, ' ');
                let mut next = || fields.next().unwrap_or("?").to_owned();
                let (ms, peak, base, note) = (next(), next(), next(), next());
                println!(
                    "  {title:<26} {ms:>8} ms   peak {peak:>6} MiB   base {base:>5} MiB   {note}"
                );
            }
            println!();
            let _ = std::fs::remove_file(&path);
        }
    }
}
