//! What an upload may be: the limits the reader enforces and the template's instructions state.

pub(crate) const MIB: u64 = 1024 * 1024;

/// What an upload may be. The defaults fit the template's use with room to spare; the server
/// may lower them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest upload in bytes. Default 10 MiB: 50,000 typical rows compress to about 2.3 MiB.
    pub max_file_bytes: usize,
    /// Most data rows (non-blank rows below the header). Default 50,000.
    pub max_rows: usize,
    /// Largest sum of the zip parts' sizes once unpacked, in bytes; also caps the total text
    /// kept from cells. Default 200 MiB.
    pub max_uncompressed_total: u64,
    /// Largest single zip part once unpacked, in bytes (the sheet's XML is the biggest part).
    /// Default 100 MiB: 50,000 typical rows of inline strings unpack to about 36 MiB.
    pub max_uncompressed_part: u64,
    /// Most text the rows may keep, in bytes, once each cell is cut to its field's limit (a
    /// batch's stored size is bounded by it). Default 32 MiB: 50,000 typical rows keep about
    /// 8 MiB, and 50,000 rows filled to every limit would keep about 75 MiB.
    pub max_text_bytes: u64,
    /// Most parts in the zip. Default 10,000: a workbook has a few dozen.
    pub max_zip_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 10 * 1024 * 1024,
            max_rows: 50_000,
            max_uncompressed_total: 200 * MIB,
            max_uncompressed_part: 100 * MIB,
            max_zip_entries: 10_000,
            max_text_bytes: 32 * MIB,
        }
    }
}
