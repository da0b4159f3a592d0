//! Paging through a long list of rows (a batch may hold 50,000): which rows one page holds,
//! whether there is a page before or after it, and its label ("Rows 1–100 of 8,000").

/// One page of a list of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pager {
    /// From 0, never past the last page.
    pub page: usize,
    /// At least 1.
    pages: usize,
    /// The page's rows are `start..end` of the list.
    pub start: usize,
    pub end: usize,
    pub total: usize,
}

impl Pager {
    /// Page `page` (from 0) of `total` rows, `size` a page; a page past the end is the last one.
    pub fn new(total: usize, page: usize, size: usize) -> Self {
        let pages = total.div_ceil(size).max(1);
        let page = page.min(pages - 1);
        let start = page * size;
        Self {
            page,
            pages,
            start,
            end: total.min(start + size),
            total,
        }
    }

    pub fn has_previous(self) -> bool {
        self.page > 0
    }

    pub fn has_next(self) -> bool {
        self.page + 1 < self.pages
    }

    /// "Rows 1–100 of 8,000".
    pub fn label(self) -> String {
        format!(
            "Rows {}–{} of {}",
            thousands(self.start + 1),
            thousands(self.end),
            thousands(self.total)
        )
    }
}

/// 8000 as "8,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_a_page_size_of_rows_and_the_last_the_rest() {
        let first = Pager::new(8_000, 0, 100);
        assert_eq!((first.start, first.end, first.pages), (0, 100, 80));
        assert!(!first.has_previous() && first.has_next());
        assert_eq!(first.label(), "Rows 1–100 of 8,000");
        let last = Pager::new(250, 2, 100);
        assert_eq!((last.start, last.end, last.pages), (200, 250, 3));
        assert!(last.has_previous() && !last.has_next());
        assert_eq!(Pager::new(8, 0, 100).label(), "Rows 1–8 of 8");
    }

    #[test]
    fn a_page_past_the_end_is_the_last_one() {
        let clamped = Pager::new(150, 5, 100);
        assert_eq!((clamped.page, clamped.start, clamped.end), (1, 100, 150));
        let empty = Pager::new(0, 3, 100);
        assert_eq!(
            (empty.page, empty.pages, empty.start, empty.end),
            (0, 1, 0, 0)
        );
        assert!(!empty.has_previous() && !empty.has_next());
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
