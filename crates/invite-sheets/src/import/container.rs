//! Recognises what was uploaded, and checks an `.xlsx` zip container before any parser
//! inflates it.
//!
//! An `.xlsx` is a zip of XML parts. A few kilobytes of deflate can expand to gigabytes, and a
//! zip's central directory states each part's size but cannot be trusted. So, in order:
//! 1. the directory's entry count and declared sizes are checked against [`Limits`], without
//!    inflating anything;
//! 2. every part is inflated once into a sink, reading at most one byte more than it declared,
//!    to prove that it is no larger than declared.
//!
//! After both, every part calamine may read is known to fit the limits: calamine offers no hook
//! to cap what it inflates, but the bytes it reads are the very bytes checked here. The cost is
//! one extra inflate pass, bounded by `max_uncompressed_total`.

use std::io::{self, Cursor, Read};

use zip::ZipArchive;
use zip::result::ZipError;

use super::{ImportError, Limits, NotXlsx};

/// Compound File Binary (OLE2) signature: legacy `.xls`, and also password-protected `.xlsx`,
/// which Office wraps in a CFB container.
const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The part every SpreadsheetML package has, and the one calamine opens first.
const WORKBOOK_PART: &str = "xl/workbook.xml";

/// What a container check cost: its work is bounded by what it inflates, so this is counted
/// (and tests bound it) instead of timed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// Bytes inflated while proving the parts' sizes: at most the declared total plus one byte
    /// per part.
    pub bytes_inflated: u64,
}

/// Checks that `bytes` is a zip holding a workbook within `limits`. `bytes` is not empty and
/// within `max_file_bytes` (the caller checked). Adds what it inflated to `work`, also when it
/// refuses the file.
pub fn check(bytes: &[u8], limits: &Limits, work: &mut Work) -> Result<(), ImportError> {
    if bytes.starts_with(&CFB_MAGIC) {
        return Err(if is_encrypted_package(bytes) {
            ImportError::Encrypted
        } else {
            ImportError::NotXlsx(NotXlsx::LegacyXls)
        });
    }
    let mut archive = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        // Starts like a zip: most likely a truncated or damaged upload of a real workbook.
        Err(e) if bytes.starts_with(b"PK") => return Err(damaged(&e)),
        Err(_) => return Err(ImportError::NotXlsx(guess_kind(bytes))),
    };

    if archive.len() > limits.max_zip_entries {
        return Err(ImportError::TooManyEntries {
            limit: limits.max_zip_entries,
        });
    }

    // 1. Declared sizes, from the central directory alone: `by_index_raw` reads the local
    //    header to locate the data but inflates nothing.
    let mut declared_total: u64 = 0;
    let mut has_workbook = false;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|e| damaged(&e))?;
        has_workbook |= entry.name().eq_ignore_ascii_case(WORKBOOK_PART);
        let size = entry.size();
        if size > limits.max_uncompressed_part {
            return Err(ImportError::UncompressedTooLarge {
                limit: limits.max_uncompressed_part,
            });
        }
        declared_total = declared_total.saturating_add(size);
        if declared_total > limits.max_uncompressed_total {
            return Err(ImportError::UncompressedTooLarge {
                limit: limits.max_uncompressed_total,
            });
        }
    }
    if !has_workbook {
        return Err(ImportError::NotXlsx(NotXlsx::OtherZip));
    }

    // 2. Actual sizes: a part that inflates past its declared size is forged.
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| damaged(&e))?;
        let declared = entry.size();
        let mut capped = (&mut entry).take(declared.saturating_add(1));
        let actual = io::copy(&mut capped, &mut io::sink())
            .map_err(|e| ImportError::Corrupt(format!("a part cannot be unpacked: {e}")))?;
        work.bytes_inflated += actual;
        if actual > declared {
            return Err(ImportError::ZipBomb);
        }
    }
    Ok(())
}

fn damaged(error: &ZipError) -> ImportError {
    ImportError::Corrupt(format!("its zip container is damaged: {error}"))
}

/// Whether a CFB file is an encrypted Office package. Its directory names the streams
/// `EncryptionInfo` and `EncryptedPackage` (MS-OFFCRYPTO 2.3.4.1), stored as UTF-16LE; a
/// legacy `.xls` has a `Workbook` or `Book` stream instead.
fn is_encrypted_package(bytes: &[u8]) -> bool {
    let utf16 =
        |name: &str| -> Vec<u8> { name.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    contains(&utf16("EncryptedPackage")) && contains(&utf16("EncryptionInfo"))
}

/// A best guess at what a non-zip upload is, for the message: text (a CSV renamed) or unknown.
fn guess_kind(bytes: &[u8]) -> NotXlsx {
    let head = &bytes[..bytes.len().min(4096)];
    // A multi-byte character may be cut at the end of `head`: accept an incomplete tail.
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    let looks_like_text = text.is_some_and(|t| {
        !t.is_empty()
            && t.chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
    });
    if looks_like_text {
        NotXlsx::Text
    } else {
        NotXlsx::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_text_and_binary() {
        assert_eq!(
            guess_kind(b"User type,Email address\nVendor,a@b.co\n"),
            NotXlsx::Text
        );
        assert_eq!(guess_kind("Prénom;Nom\r\n".as_bytes()), NotXlsx::Text);
        assert_eq!(guess_kind(&[0x00, 0x01, 0xFF, 0x10]), NotXlsx::Unknown);
    }

    #[test]
    fn encrypted_package_needs_both_stream_names() {
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let mut both = CFB_MAGIC.to_vec();
        both.extend(utf16("EncryptionInfo"));
        both.extend(utf16("EncryptedPackage"));
        assert!(is_encrypted_package(&both));
        let mut xls = CFB_MAGIC.to_vec();
        xls.extend(utf16("Workbook"));
        assert!(!is_encrypted_package(&xls));
    }
}
