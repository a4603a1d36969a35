//! `casebook check --fix`: apply the safe typography fixes (punctuation and
//! character width, trailing spaces) to the content files, by the exact byte
//! spans the scanner found, so that nothing else in a file changes — not its
//! BOM, not its line ends, not a byte of the rest. Each file is written
//! back through `editor_files::replace`: atomically (a failed or killed
//! write leaves the old file), keeping its permissions, never through a
//! symlink.

use std::path::Path;

use crate::content::{self, typography};
use crate::editor_files;

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
#[derive(Debug, Default)]
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
        // Discovery lists paths below `root`; the writer re-checks each
        // folder on the way, so a linked folder is refused, not written.
        let Ok(below) = path.strip_prefix(root) else {
            report
                .failures
                .push(format!("{rel}：不在站点目录内，不修改"));
            continue;
        };
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
        match editor_files::replace(root, below, &fixed) {
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

    /// Every construct that is not prose, each holding `,` `;` `:`, full-width
    /// digits and letters and trailing spaces between Chinese characters,
    /// next to prose slips that are fixed.
    #[test]
    fn fixes_prose_only() {
        let text = concat!(
            "---\nwebsite: https://a.cn/x,y\nnote: 甲,乙\n---\n",
            "正文甲,乙１２３ＴＰＭ。\n\n",
            "    缩进代码甲,乙;丙:丁１２３ＴＰＭ   \n\n",
            "行内`甲,乙；丙`与``多\n行,代码:ＡＢ``之后甲;乙。\n\n",
            "<pre>\n甲,乙:丙１２３   \n</pre>\n\n",
            "<div>\n甲,乙ＴＰＭ \n</div>\n\n",
            "<span title=\"甲,乙\">丙,丁</span>\n\n",
            "见[文字甲,乙](/cases/甲,乙/ \"标题甲,乙\")与<https://x.cn/甲,乙>，",
            "裸网址https://example.com/a,b/１２３还有甲:乙，www.x.cn/ＴＰＭ/a,,b。\n\n",
            "[参考]: /cases/甲,乙/ \"甲,乙\"\n\n",
            "硬换行甲,乙   \n下一行两个空格  \n第三行\t \n\n",
            "```\n甲,乙１２３  \n```\n",
            "~~~text\n甲:乙\n~~~\n",
            "- 列表甲;乙\n\n| 表头甲,乙 | `丙,丁` |\n| --- | --- |\n| ＡＢ | 戊:己 |\n",
        );
        let expected = concat!(
            "---\nwebsite: https://a.cn/x,y\nnote: 甲,乙\n---\n",
            "正文甲，乙123TPM。\n\n",
            "    缩进代码甲,乙;丙:丁１２３ＴＰＭ   \n\n",
            "行内`甲,乙；丙`与``多\n行,代码:ＡＢ``之后甲；乙。\n\n",
            "<pre>\n甲,乙:丙１２３   \n</pre>\n\n",
            "<div>\n甲,乙ＴＰＭ \n</div>\n\n",
            "<span title=\"甲,乙\">丙，丁</span>\n\n",
            "见[文字甲，乙](/cases/甲,乙/ \"标题甲,乙\")与<https://x.cn/甲,乙>，",
            "裸网址https://example.com/a,b/１２３还有甲：乙，www.x.cn/ＴＰＭ/a,,b。\n\n",
            "[参考]: /cases/甲,乙/ \"甲,乙\"\n\n",
            "硬换行甲，乙   \n下一行两个空格  \n第三行\n\n",
            "```\n甲,乙１２３  \n```\n",
            "~~~text\n甲:乙\n~~~\n",
            "- 列表甲；乙\n\n| 表头甲，乙 | `丙,丁` |\n| --- | --- |\n| AB | 戊：己 |\n",
        );
        let (fixed, changes) = fix_bytes(text.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(fixed).unwrap(), expected);
        assert_eq!(changes.len(), 12, "{changes:#?}");
        // Fixed once, nothing is left to fix or report.
        assert!(
            typography::scan(expected).is_empty(),
            "{:?}",
            typography::scan(expected)
        );
    }

    #[test]
    fn not_utf8_is_left_alone() {
        assert!(fix_bytes(&[0xB2, 0xE2, 0xCA, 0xD4]).is_none());
    }
}
