//! Times the upload path on generated workbooks of 10,000 and 50,000 rows, and compares it with
//! a plain calamine read of the same bytes.
//!
//! `cargo run -p invite-sheets --release --example bench_import`
//!
//! Workbooks are generated in memory (nothing large is committed), Excel-style with shared
//! strings and openpyxl-style with inline strings. Peak RSS is the process's `VmHWM`, reset
//! before each step through `/proc/self/clear_refs`, so each figure is that step's own peak.

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
    let email = if i % 20 == 7 {
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

/// Resets the peak-RSS counter (Linux: writing 5 to clear_refs resets VmHWM).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size since the last reset, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

fn current_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

/// Runs `step` `runs` times; returns the fastest time, the step's peak RSS and its result.
fn measure<T>(runs: usize, mut step: impl FnMut() -> T) -> (Duration, f64, T) {
    let mut best = Duration::MAX;
    let mut peak: f64 = 0.0;
    let mut last = None;
    for _ in 0..runs {
        drop(last.take());
        reset_peak();
        let started = Instant::now();
        let result = step();
        best = best.min(started.elapsed());
        peak = peak.max(peak_mib());
        last = Some(result);
    }
    (best, peak, last.expect("at least one run"))
}

fn ms(d: Duration) -> String {
    format!("{:8.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let runs = 3;
    println!("invite-sheets import benchmark (best of {runs} runs; peak RSS of each step)");
    for rows in [10_000, 50_000] {
        for (label, strings) in [
            ("shared strings", Strings::Shared),
            ("inline strings", Strings::Inline),
        ] {
            let bytes = generate(rows, strings);
            let baseline = current_mib();
            println!(
                "\n{rows} rows, {label}: {:.2} MiB file; RSS before: {baseline:.1} MiB",
                bytes.len() as f64 / 1024.0 / 1024.0
            );

            let (time, peak, read) = measure(runs, || read_upload(&bytes, &Limits::default()));
            let read = read.expect("read_upload");
            assert_eq!(read.len(), rows);
            println!(
                "  read_upload               {}  peak {peak:6.1} MiB",
                ms(time)
            );

            let (time, peak, valid) = measure(runs, || {
                read.iter().filter(|r| r.validate().is_ok()).count()
            });
            println!(
                "  validate every row        {}  peak {peak:6.1} MiB  ({valid} valid)",
                ms(time)
            );
            drop(read);

            let (time, peak, ()) = measure(runs, || {
                let rows = read_upload(&bytes, &Limits::default()).expect("read");
                for row in &rows {
                    let _ = row.validate();
                }
            });
            println!(
                "  read_upload + validate    {}  peak {peak:6.1} MiB",
                ms(time)
            );

            // The zip check's own cost: inflating every part once into a sink.
            let (time, peak, ()) = measure(runs, || {
                let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).expect("zip");
                for i in 0..archive.len() {
                    let mut entry = archive.by_index(i).expect("entry");
                    std::io::copy(&mut entry, &mut std::io::sink()).expect("inflate");
                }
            });
            println!(
                "  (zip inflate pass alone)  {}  peak {peak:6.1} MiB",
                ms(time)
            );

            let (time, peak, cells) = measure(runs, || {
                let mut book: Xlsx<_> =
                    calamine::open_workbook_from_rs(Cursor::new(&bytes)).expect("open");
                let range = book.worksheet_range("Users").expect("range");
                range.get_size()
            });
            println!(
                "  calamine worksheet_range  {}  peak {peak:6.1} MiB  ({cells:?})",
                ms(time)
            );

            let (time, peak, count) = measure(runs, || {
                let mut book: Xlsx<_> =
                    calamine::open_workbook_from_rs(Cursor::new(&bytes)).expect("open");
                let mut reader = book.worksheet_cells_reader("Users").expect("cells");
                let mut count = 0usize;
                while let Some(_cell) = reader.next_cell().expect("cell") {
                    count += 1;
                }
                count
            });
            println!(
                "  calamine cells reader     {}  peak {peak:6.1} MiB  ({count} cells)",
                ms(time)
            );
        }
    }
}
