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
use invite_sheets::synthetic::{Strings, workbook};
use invite_sheets::{Limits, read_upload};

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
            let bytes = workbook(rows, strings);
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
