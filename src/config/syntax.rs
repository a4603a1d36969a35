//! The diagnostic for a `casebook.toml` that `toml`/serde cannot read:
//! located, in Chinese, and never quoting a line that looks like it holds
//! a credential (an access key typed into `[deploy]` must not be echoed
//! into a terminal, a CI log or `check --format json`).

use crate::diagnostics::{rules, Diagnostic};

use super::{line_col, CONFIG_FILE};

/// Names that mark a key as a credential, compared in lower case.
const CREDENTIAL_WORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "token",
    "access_key",
    "key_id",
];

/// The diagnostic for `err`, raised on `text`.
pub(super) fn diagnostic(text: &str, err: &toml::de::Error) -> Diagnostic {
    let (line, column) = err
        .span()
        .map(|span| line_col(text, span.start))
        .unwrap_or((0, 0));
    let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    if let Some(key) = credential_key(line_text) {
        return Diagnostic::error(
            rules::CONFIG_INVALID,
            CONFIG_FILE,
            format!("第 {line} 行的 {key} 像是访问密钥：密钥不能写在配置文件里（它会随站点进入版本库和备份）"),
        )
        .at(line, column)
        .unquoted()
        // The variables `deploy::target` reads (config sits below deploy).
        .help("删掉这一行；发布时把密钥放在环境变量 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY 里（见 docs/site-owners.md 的 casebook deploy 一节）。若这是真实的密钥，它已经写进过文件：请到存储服务的控制台作废它、换一个新的");
    }
    Diagnostic::error(
        rules::CONFIG_INVALID,
        CONFIG_FILE,
        format!("配置文件格式有误：{}", message(err.message())),
    )
    .at(line, column)
    .help("对照 docs/site-owners.md 中的配置说明修改；字符串要加英文双引号")
}

/// The key of a `key = value` line when its name looks like a credential.
fn credential_key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
    let lower = key.to_ascii_lowercase();
    CREDENTIAL_WORDS
        .iter()
        .any(|word| lower.contains(word))
        .then_some(key)
}

/// serde's commonest messages in Chinese; anything else as it is.
fn message(english: &str) -> String {
    if let Some(rest) = english.strip_prefix("unknown field `") {
        if let Some((field, expected)) = rest.split_once('`') {
            let expected = expected
                .trim_start_matches(", expected ")
                .trim_start_matches("one of ")
                .replace(" or ", ", ");
            return format!("没有名为 {field} 的配置项（这一节可用的是：{expected}）");
        }
    }
    if let Some(field) = english
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return format!("缺少必填的配置项 {field}");
    }
    english.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_line_is_named_but_never_quoted() {
        let text = "target = \"s3://site/www\"\nsecret_access_key = \"TOPSECRETvalue123\"\n";
        let err = toml::from_str::<super::super::DeployConfig>(text).unwrap_err();
        let d = diagnostic(text, &err);
        assert_eq!((d.line, d.quote_source), (2, false));
        let shown = format!("{} {}", d.message, d.help.clone().unwrap_or_default());
        assert!(shown.contains("secret_access_key") && shown.contains("AWS_SECRET_ACCESS_KEY"));
        assert!(!shown.contains("TOPSECRET"), "{shown}");
    }

    #[test]
    fn unknown_and_missing_fields_are_said_in_chinese() {
        assert_eq!(
            message("unknown field `targt`, expected `target` or `virtual_host`"),
            "没有名为 targt 的配置项（这一节可用的是：`target`, `virtual_host`）"
        );
        assert_eq!(message("missing field `title`"), "缺少必填的配置项 title");
        assert_eq!(message("invalid type"), "invalid type");
        assert_eq!(credential_key("  \"AWS_SECRET\" = 'x'"), Some("AWS_SECRET"));
        assert_eq!(credential_key("title = \"token 令牌\""), None);
    }
}
