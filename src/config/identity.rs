//! `[site.identity]`: what a Chinese government site shows in its footer
//! (主办单位, 承办单位, ICP 备案号, 公安备案号, 政府网站标识码, contact),
//! the format checks of the filing numbers, and the `icp-missing` warning
//! for a public site without an ICP number.
//!
//! The numbers are shown as written; the links go to the filing sites
//! (MIIT's for the ICP number, the Ministry of Public Security's for the
//! 公安备案号, whose query takes the number's digits). Links only: no
//! page loads anything from those hosts (the badge is the theme's own).

use serde::{Deserialize, Serialize};

use crate::diagnostics::{rules, Diagnostic};

use super::CONFIG_FILE;

/// MIIT's ICP filing site, where every ICP number links.
pub const ICP_URL: &str = "https://beian.miit.gov.cn/";

/// The public-security filing site's query; the number's digits follow.
pub const POLICE_URL: &str = "https://beian.mps.gov.cn/#/query/webSearch?code=";

/// One-character abbreviations of the provinces, as filing numbers start.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台";

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// 主办单位.
    #[serde(default)]
    pub sponsor: String,
    /// 承办单位.
    #[serde(default)]
    pub organizer: String,
    /// ICP 备案号, e.g. 沪ICP备12345678号-1.
    #[serde(default)]
    pub icp: String,
    /// 公安备案号, e.g. 沪公网安备31010402001234号.
    #[serde(default)]
    pub police: String,
    /// 政府网站标识码: ten letters or digits.
    #[serde(default)]
    pub site_code: String,
    /// How to reach the site's office (phone, mail, address), as written.
    #[serde(default)]
    pub contact: String,
}

impl IdentityConfig {
    /// Each value that is not in its official form, in Chinese, at the
    /// line `locate` gives for its key.
    pub(super) fn validate(&self, locate: &dyn Fn(&str) -> (usize, usize)) -> Vec<Diagnostic> {
        let bad = |key: &str, message: String, help: &str| {
            let (line, column) = locate(key);
            Diagnostic::error(rules::CONFIG_INVALID, CONFIG_FILE, message)
                .at(line, column)
                .help(help.to_string())
        };
        let mut problems = Vec::new();
        let icp = self.icp.trim();
        if !icp.is_empty() && !is_icp_number(icp) {
            problems.push(bad(
                "icp",
                format!("[site.identity] icp “{icp}” 不是 ICP 备案号的格式"),
                "照工信部备案系统里的写法填，例如 icp = \"沪ICP备12345678号-1\"（省份简称 + ICP备 + 数字 + 号，可带 -网站序号）",
            ));
        }
        let police = self.police.trim();
        if !police.is_empty() && police_code(police).is_none() {
            problems.push(bad(
                "police",
                format!("[site.identity] police “{police}” 不是公安备案号的格式"),
                "照公安备案系统里的写法填，例如 police = \"沪公网安备31010402001234号\"（省份简称 + 公网安备 + 14 位数字 + 号）",
            ));
        }
        let code = self.site_code.trim();
        if !code.is_empty() && !is_site_code(code) {
            problems.push(bad(
                "site_code",
                format!("[site.identity] site_code “{code}” 不是政府网站标识码：应为 10 位数字或字母"),
                "从全国政府网站信息报送系统复制网站标识码，例如 site_code = \"3100000001\"；不是政府网站就删去这一行",
            ));
        }
        problems
    }

    /// The link to this site's public-security filing, if it has one.
    pub fn police_url(&self) -> Option<String> {
        police_code(self.police.trim()).map(|code| format!("{POLICE_URL}{code}"))
    }

    /// Whether the footer has anything to show.
    pub fn is_empty(&self) -> bool {
        [
            &self.sponsor,
            &self.organizer,
            &self.icp,
            &self.police,
            &self.site_code,
            &self.contact,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

fn starts_with_province(s: &str) -> Option<&str> {
    let first = s.chars().next()?;
    PROVINCES.contains(first).then(|| &s[first.len_utf8()..])
}

/// 沪ICP备12345678号, optionally followed by -N (the site's number).
fn is_icp_number(s: &str) -> bool {
    let Some(rest) = starts_with_province(s).and_then(|r| r.strip_prefix("ICP备")) else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let Some(tail) = rest[digits..].strip_prefix('号') else {
        return false;
    };
    (6..=12).contains(&digits)
        && (tail.is_empty()
            || tail.strip_prefix('-').is_some_and(|n| {
                !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit())
            }))
}

/// A 政府网站标识码: ten ASCII letters or digits.
fn is_site_code(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The 14 digits of a 公安备案号 such as 沪公网安备 31010402001234号.
fn police_code(s: &str) -> Option<&str> {
    let rest = starts_with_province(s)?
        .strip_prefix("公网安备")?
        .trim_start();
    let digits = rest.strip_suffix('号')?;
    (digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Whether readers on the Internet reach `base_url`: not a loopback,
/// private or reserved test name (RFC 2606, RFC 6761), which are left
/// alone by the `icp-missing` warning.
pub fn is_public_url(base_url: &str) -> bool {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let authority = after_scheme.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host == "::1" || !host.contains('.') {
        return false;
    }
    let reserved_suffix = [
        ".localhost",
        ".test",
        ".example",
        ".invalid",
        ".local",
        ".internal",
    ];
    let reserved_domain = ["example.com", "example.org", "example.net"];
    if reserved_suffix.iter().any(|s| host.ends_with(s))
        || reserved_domain
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
    {
        return false;
    }
    if let Ok(ip) = host.parse::<std::net::Ipv4Addr>() {
        return !(ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified());
    }
    true
}

/// `icp-missing`: a public site in mainland China must show its ICP
/// number; the warning points at `base_url` (line `at`) in casebook.toml.
pub fn icp_warning(
    identity: Option<&IdentityConfig>,
    base_url: &str,
    at: (usize, usize),
) -> Option<Diagnostic> {
    let has_icp = identity.is_some_and(|i| !i.icp.trim().is_empty());
    if has_icp || !is_public_url(base_url) {
        return None;
    }
    Some(
        Diagnostic::warning(
            rules::ICP_MISSING,
            CONFIG_FILE,
            format!("网站地址 {base_url} 是公开网址，但 casebook.toml 没有填写 ICP 备案号，页脚不会显示备案信息"),
        )
        .at(at.0, at.1)
        .help("中国大陆的公开网站必须在页脚展示 ICP 备案号：在 [site.identity] 中写 icp = \"沪ICP备12345678号-1\"（并在取得后 30 天内加上 police = \"沪公网安备…号\"）；网站不在中国大陆托管的，在 [check] allow 中加入 \"icp-missing\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filing_numbers_in_their_official_forms_are_accepted() {
        for icp in [
            "沪ICP备12345678号",
            "沪ICP备2021000000号-1",
            "京ICP备000000号-12",
        ] {
            assert!(is_icp_number(icp), "{icp}");
        }
        for icp in [
            "ICP备12345678号",
            "沪ICP12345678号",
            "沪ICP备号",
            "沪ICP备1234号",
            "沪ICP备12345678",
            "沪ICP备12345678号-",
            "沪ICP备12345678号-x",
            "X沪ICP备12345678号",
        ] {
            assert!(!is_icp_number(icp), "{icp}");
        }
        assert_eq!(
            police_code("沪公网安备31010402001234号"),
            Some("31010402001234")
        );
        assert_eq!(
            police_code("沪公网安备 31010402001234号"),
            Some("31010402001234")
        );
        for police in [
            "沪公网安备3101040200123号",
            "公网安备31010402001234号",
            "沪公网安备31010402001234",
            "沪公网安备3101040200123x号",
        ] {
            assert_eq!(police_code(police), None, "{police}");
        }
    }

    #[test]
    fn bad_values_are_explained_one_each() {
        let identity = IdentityConfig {
            icp: "沪备12345678".into(),
            police: "31010402001234".into(),
            site_code: "31000".into(),
            ..Default::default()
        };
        let problems = identity.validate(&|_| (0, 0));
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().all(|p| p.rule == rules::CONFIG_INVALID));
        for field in ["icp", "police", "site_code"] {
            assert!(
                problems.iter().any(|p| p.message.contains(field)),
                "{field}"
            );
        }
    }

    #[test]
    fn police_link_carries_the_digits() {
        let identity = IdentityConfig {
            police: "沪公网安备 31010402001234号".into(),
            ..Default::default()
        };
        assert_eq!(
            identity.police_url().as_deref(),
            Some("https://beian.mps.gov.cn/#/query/webSearch?code=31010402001234")
        );
        assert!(!identity.is_empty());
        assert!(IdentityConfig::default().is_empty());
    }

    #[test]
    fn public_urls_are_told_from_local_and_reserved_ones() {
        for url in [
            "https://zlbg.sheitc.sh.gov.cn/",
            "http://8.8.8.8/x",
            "https://cases.org.cn:8443/a/",
        ] {
            assert!(is_public_url(url), "{url}");
        }
        for url in [
            "http://localhost:8000/",
            "http://127.0.0.1:1111/",
            "http://[::1]:80/",
            "https://casebook.example.org/",
            "https://example.com/",
            "http://site.test/",
            "http://192.168.1.10/",
            "http://10.0.0.1/",
            "http://intranet/",
            "http://preview.localhost/",
        ] {
            assert!(!is_public_url(url), "{url}");
        }
    }

    #[test]
    fn the_warning_needs_a_public_url_and_no_icp() {
        let at = (4, 1);
        let warning = icp_warning(None, "https://zlbg.sh.gov.cn/", at).unwrap();
        assert_eq!(warning.rule, rules::ICP_MISSING);
        assert_eq!((warning.line, warning.column), at);
        assert!(warning.message.contains("ICP 备案号"));
        assert!(icp_warning(None, "https://casebook.example.org/", at).is_none());
        let with_icp = IdentityConfig {
            icp: "沪ICP备12345678号".into(),
            ..Default::default()
        };
        assert!(icp_warning(Some(&with_icp), "https://zlbg.sh.gov.cn/", at).is_none());
    }
}
