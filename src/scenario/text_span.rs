//! Maps byte offsets in the scenario text and the `--set` override texts to `file:line:column`.

/// The texts a scenario was read from. The file occupies offsets
/// `0..text.len()`; each override then gets its own range after it (one
/// byte of gap between), so one `usize` span names a place in any of them.
pub(crate) struct Sources<'t> {
    file: &'t str,
    text: &'t str,
    /// Byte offset where each line of `text` starts.
    line_starts: Vec<usize>,
    /// `(first virtual offset, override text)`, in command-line order.
    overrides: Vec<(usize, &'t str)>,
}

/// The file name diagnostics use for `--set` overrides.
pub(crate) const OVERRIDE_FILE: &str = "--set";

impl<'t> Sources<'t> {
    pub(crate) fn new(file: &'t str, text: &'t str, overrides: &'t [String]) -> Self {
        let mut base = text.len().saturating_add(1);
        let mut list = Vec::with_capacity(overrides.len());
        for o in overrides {
            list.push((base, o.as_str()));
            base = base.saturating_add(o.len()).saturating_add(1);
        }
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Sources {
            file,
            text,
            line_starts,
            overrides: list,
        }
    }

    /// The virtual offset where override `i` starts.
    pub(crate) fn override_base(&self, i: usize) -> usize {
        self.overrides.get(i).map_or(usize::MAX, |&(b, _)| b)
    }

    /// Whether a virtual offset lies in a `--set` override (or
    /// `--duration`), not in the file.
    pub(crate) fn in_override(&self, offset: usize) -> bool {
        self.overrides
            .first()
            .is_some_and(|&(base, _)| offset >= base)
    }

    /// `(file, line, column)` of a virtual offset; 1-based, column in
    /// characters. Offsets past every text clamp to the end of the last.
    pub(crate) fn locate(&self, offset: usize) -> (String, usize, usize) {
        for &(base, text) in self.overrides.iter().rev() {
            if offset >= base {
                let (_, col) = line_col(text, offset - base);
                return (OVERRIDE_FILE.to_string(), 1, col);
            }
        }
        let (line, col) = self.file_line_col(offset);
        (self.file.to_string(), line, col)
    }

    /// The source text under a virtual span (empty if it is not one text).
    pub(crate) fn snippet(&self, span: &std::ops::Range<usize>) -> &'t str {
        for &(base, text) in self.overrides.iter().rev() {
            if span.start >= base {
                return text
                    .get(span.start - base..span.end.saturating_sub(base))
                    .unwrap_or("");
            }
        }
        self.text.get(span.clone()).unwrap_or("")
    }

    /// The 1-based line of a virtual offset in the scenario file.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.file_line_col(offset).0
    }

    /// Line and column in the scenario file, by binary search over the
    /// line starts (diagnostics on big files stay cheap).
    fn file_line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_idx = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line_idx).copied().unwrap_or(0);
        let (_, col) = line_col(self.text.get(start..).unwrap_or(""), offset - start);
        (line_idx + 1, col)
    }
}

/// 1-based line and character column of a byte offset (clamped to the text
/// and moved back to a character boundary).
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = text.get(..end).unwrap_or("");
    let line = before.matches('\n').count().saturating_add(1);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    // A byte-order mark at the start of the file is not a column.
    let bom = usize::from(line_start == 0 && before.starts_with('\u{feff}'));
    let column = before
        .get(line_start..)
        .unwrap_or("")
        .chars()
        .count()
        .saturating_sub(bom)
        .saturating_add(1);
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_in_the_file_become_line_and_character_column() {
        let overrides = [];
        let s = Sources::new("f.toml", "ab\nµs = 1\n", &overrides);
        assert_eq!(s.locate(0), ("f.toml".into(), 1, 1));
        assert_eq!(s.locate(3), ("f.toml".into(), 2, 1));
        // `µ` is two bytes but one column.
        assert_eq!(s.locate(5), ("f.toml".into(), 2, 2));
        // Inside a multi-byte character: moved back to its start.
        assert_eq!(s.locate(4), ("f.toml".into(), 2, 1));
        assert_eq!(s.locate(999), ("f.toml".into(), 3, 1));
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let overrides = [];
        let s = Sources::new("f.toml", "\u{feff}ab = 1\ncd", &overrides);
        assert_eq!(s.locate(3), ("f.toml".into(), 1, 1));
        assert_eq!(s.locate(4), ("f.toml".into(), 1, 2));
        assert_eq!(s.locate(10), ("f.toml".into(), 2, 1));
    }

    #[test]
    fn offsets_past_the_file_land_in_the_right_override() {
        let overrides = ["a.x=1".to_string(), "b.y=22".to_string()];
        let s = Sources::new("f.toml", "0123", &overrides);
        assert_eq!(s.override_base(0), 5);
        assert_eq!(s.override_base(1), 11);
        assert_eq!(s.locate(5 + 4), ("--set".into(), 1, 5));
        assert_eq!(s.locate(11 + 4), ("--set".into(), 1, 5));
        assert_eq!(s.snippet(&(15..17)), "22");
        assert_eq!(s.snippet(&(1..3)), "12");
    }
}
