//! `casebook check --fix`: apply the safe typography fixes (punctuation and
//! character width, trailing spaces) to the content files, by the exact byte
//! spans the scanner found, so that nothing else in a file changes — not its
//! BOM, not its line ends, not a byte of the rest.

use std::path::Path;

use crate::content::{self, typography};

/// One change made to a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub found: String,
    pub fixed: String,
}

impl Change {
    /// "content/cases/a.md:4:11 “,” → “，”".
    pub fn describe(&self) -> String {
        let what = if self.fixed.is_empty() {
            format!("删去行尾空白“{}”", self.found.escape_debug())
        } else {
            format!("“{}” → “{}”", self.found, self.fixed)
        };
        format!("{}:{}:{} {what}", self.file, self.line, self.column)
    }
}

/// What `--fix` did, and the files it could not rewrite.
#[derive(Default)]
pub struct Report {
    pub changes: Vec<Change>,
    pub files: usize,
    pub failures: Vec<String>,
}

/// Fix every content file under `root`. Files that are not UTF-8 are left
/// alone (`check` says why).
pub fn fix_site(root: &Path) -> Report {
    let mut report = Report::default();
    for (_, path) in content::discover(root).files {
        let rel = content::relative_display(root, &path);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Some(changes) = fix_bytes(&bytes) else {
            continue;
        };
        let (fixed, changes) = changes;
        if changes.is_empty() {
            continue;
        }
        match std::fs::write(&path, fixed) {
            Ok(()) => {
                report.files += 1;
                report.changes.extend(changes.into_iter().map(|mut c| {
                    c.file = rel.clone();
                    c
                }));
            }
            Err(err) => report.failures.push(format!("{rel}：{err}")),
        }
    }
    report
}

/// The fixed bytes and the changes, or `None` when `bytes` is not UTF-8.
/// A BOM is kept and does not count as a column.
pub fn fix_bytes(bytes: &[u8]) -> Option<(Vec<u8>, Vec<Change>)> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let (bom, rest) = match bytes.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => (&[][..], bytes),
    };
    let text = std::str::from_utf8(rest).ok()?;
    let slips: Vec<_> = typography::scan(text)
        .into_iter()
        .filter(|s| s.fix.is_some())
        .collect();
    let changes = slips
        .iter()
        .map(|s| Change {
            file: String::new(),
            line: s.line,
            column: s.column,
            found: s.found.clone(),
            fixed: s.fix.clone().unwrap_or_default(),
        })
        .collect();
    let mut out = bom.to_vec();
    out.extend_from_slice(typography::apply_fixes(text, &slips).as_bytes());
    Some((out, changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_bom_and_line_ends() {
        let bytes = "\u{feff}---\nid: a\n---\n甲,乙\t\r\n丙；丁\r\n".as_bytes();
        let (fixed, changes) = fix_bytes(bytes).unwrap();
        assert_eq!(
            String::from_utf8(fixed).unwrap(),
            "\u{feff}---\nid: a\n---\n甲，乙\r\n丙；丁\r\n"
        );
        assert_eq!(changes.len(), 2);
        assert_eq!((changes[0].line, changes[0].column), (4, 2));
    }

    #[test]
    fn not_utf8_is_left_alone() {
        assert!(fix_bytes(&[0xB2, 0xE2, 0xCA, 0xD4]).is_none());
    }
}
