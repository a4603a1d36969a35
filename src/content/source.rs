//! Turning a file's bytes into text. Editors' files come from Windows tools:
//! accept a UTF-8 BOM and CRLF line ends silently, and name GBK/GB18030
//! ("ANSI") when that is what a file is, instead of printing mojibake.

use crate::diagnostics::{rules, Diagnostic};

/// Decode `bytes` as UTF-8 text with `\n` line ends, or explain why not.
pub fn decode(bytes: &[u8], file: &str) -> Result<String, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(if text.contains('\r') {
            text.replace("\r\n", "\n")
        } else {
            text.to_string()
        }),
        Err(err) => Err(explain(bytes, err.valid_up_to(), file)),
    }
}

fn explain(bytes: &[u8], valid_up_to: usize, file: &str) -> Diagnostic {
    // Position of the first bad byte, counted in the valid text before it.
    let prefix = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or("");
    let line = prefix.matches('\n').count() + 1;
    let column = prefix
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;

    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Diagnostic::error(
            rules::ENCODING_INVALID,
            file,
            "文件是 UTF-16 编码，不是 UTF-8",
        )
        .help("用记事本或 VS Code 打开，另存为时选择“UTF-8”编码");
    }
    if bytes.contains(&0) {
        return Diagnostic::error(rules::ENCODING_INVALID, file, "这不是文本文件（含有二进制内容）")
            .at(line, column)
            .help("案例文件必须是 Markdown 文本；Word 文档请用 casebook import 转换，或移出 content/ 目录");
    }
    let gbk = encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .is_some_and(|text| text.chars().any(crate::text::is_cjk));
    if gbk {
        Diagnostic::error(
            rules::ENCODING_GBK,
            file,
            "文件不是 UTF-8 编码，看起来是 GBK/GB18030 编码（Windows 的“ANSI”）",
        )
        .at(line, column)
        .help("用记事本或 VS Code 打开，另存为时选择“UTF-8”编码，再重新构建")
    } else {
        Diagnostic::error(rules::ENCODING_INVALID, file, "文件不是有效的 UTF-8 文本")
            .at(line, column)
            .help("把文件另存为 UTF-8 编码")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_bom_and_crlf() {
        let text = decode(b"\xEF\xBB\xBF---\r\nid: x\r\n", "a.md").unwrap();
        assert_eq!(text, "---\nid: x\n");
    }

    #[test]
    fn names_gbk() {
        let (gbk, _, _) = encoding_rs::GBK.encode("---\ntitle: 质量标杆\n---\n");
        let err = decode(&gbk, "a.md").unwrap_err();
        assert_eq!(err.rule, rules::ENCODING_GBK);
        assert!(err.message.contains("GBK"));
        assert_eq!((err.line, err.column), (2, 8));
    }

    #[test]
    fn binary_is_not_text() {
        let err = decode(b"\x89PNG\r\n\x1a\n\x00\x00", "a.md").unwrap_err();
        assert_eq!(err.rule, rules::ENCODING_INVALID);
    }
}
