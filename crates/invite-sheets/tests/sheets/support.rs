//! The tests' workbook writer lives in the library (`invite_sheets::synthetic::xml`), shared
//! with the benchmarks.

pub use invite_sheets::synthetic::xml::*;
