//! The site configuration, `casebook.toml`: site identity and the
//! taxonomy terms (priority areas, industries, districts, known methods)
//! with their ASCII slugs and display order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{rules, Diagnostic};
use crate::slug::is_valid_slug;

mod identity;
mod syntax;
pub use identity::{is_public_url, IdentityConfig, ICP_URL, POLICE_URL};

pub const CONFIG_FILE: &str = "casebook.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub site: SiteConfig,
    #[serde(default)]
    pub priority_areas: Vec<TermConfig>,
    #[serde(default)]
    pub industries: Vec<TermConfig>,
    #[serde(default)]
    pub districts: Vec<TermConfig>,
    /// Known methods: fixed slugs and display order. Others get pinyin slugs.
    #[serde(default)]
    pub methods: Vec<TermConfig>,
    /// WeChat JS-SDK share cards; off unless the table is there.
    #[serde(default)]
    pub wechat: Option<WechatConfig>,
    /// `casebook check` settings.
    #[serde(default)]
    pub check: CheckConfig,
    /// How lists are paginated.
    #[serde(default)]
    pub lists: ListsConfig,
    /// How the search reads queries.
    #[serde(default)]
    pub search: SearchConfig,
    /// The typeset annual book (`compile --pdf`).
    #[serde(default)]
    pub book: BookConfig,
    /// Line and column of `base_url` in casebook.toml, where warnings
    /// about the site's address point (1, 1 when not found).
    #[serde(skip)]
    pub base_url_at: (usize, usize),
    /// The share posters (分享海报) drawn for every case.
    #[serde(default)]
    pub posters: PostersConfig,
    /// What `casebook build` writes besides the site (precompressed files).
    #[serde(default)]
    pub output: OutputConfig,
    /// Where `casebook deploy` publishes.
    #[serde(default)]
    pub deploy: DeployConfig,
}

/// `[posters]`: whether builds draw each case's share posters (on by
/// default; drawing 10,000 cases' posters the first time takes minutes,
/// later builds take them from the cache).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostersConfig {
    pub enabled: bool,
}

impl Default for PostersConfig {
    fn default() -> PostersConfig {
        PostersConfig { enabled: true }
    }
}

/// `[output]`: precompressed copies for servers that send them as they are
/// (nginx `gzip_static`, `brotli_static`). Gzip is always written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Also write `.br` (Brotli) beside each `.gz`.
    pub brotli: bool,
}

/// `[deploy]`: the object storage `casebook deploy` publishes to. Only
/// where: credentials are read from the environment, never from here.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployConfig {
    /// `s3://BUCKET/PREFIX` (checked by `casebook deploy`).
    pub target: Option<String>,
    /// Virtual-hosted addressing (`BUCKET.endpoint`), which Aliyun OSS
    /// requires; path style otherwise.
    #[serde(default)]
    pub virtual_host: bool,
}

/// `[book]`: the typeset book's fonts and colophon. Each font list is
/// tried in order, so one configuration serves Windows, macOS and Linux.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BookConfig {
    /// Latin serif (Times-like) for letters and digits in 宋体 text.
    pub serif: Vec<String>,
    /// CJK 宋体 for the body.
    pub song: Vec<String>,
    /// Latin sans for letters and digits in 黑体 headings.
    pub sans: Vec<String>,
    /// CJK 黑体 for titles.
    pub hei: Vec<String>,
    /// Printed on the colophon (版权页), e.g. 内部资料.
    pub note: String,
    /// Printed on two sides (cases on rectos, blank versos); false makes
    /// a screen PDF without blank pages.
    pub double_sided: bool,
    /// A picture for the cover (PNG or JPEG), relative to the site root.
    pub cover: Option<String>,
}

impl Default for BookConfig {
    fn default() -> Self {
        let list = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        BookConfig {
            serif: list(&["Times New Roman", "Liberation Serif", "TeX Gyre Termes"]),
            song: list(&["SimSun", "Songti SC", "STSong", "Noto Serif CJK SC"]),
            sans: list(&["Arial", "Helvetica", "Liberation Sans", "TeX Gyre Heros"]),
            hei: list(&["SimHei", "Heiti SC", "STHeiti", "Noto Sans CJK SC"]),
            note: "内部资料　注意保存".to_string(),
            double_sided: true,
            cover: None,
        }
    }
}

/// `[search]`: query-time settings, applied alike by `casebook search`,
/// the preview's `/api/search` and the static search page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// A term as the cases write it → the spellings readers type for it.
    /// A query word (or run of words) equal to a spelling, after width
    /// folding and lowercasing, matches as typed or as the term. A site's
    /// table replaces [`default_synonyms`] (an empty table turns them off).
    #[serde(default = "default_synonyms")]
    pub synonyms: BTreeMap<String, Vec<String>>,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            synonyms: default_synonyms(),
        }
    }
}

/// The synonyms a site gets without a `[search] synonyms` table: the
/// abbreviations and Latin spellings readers type for the programme's
/// usual methods.
pub fn default_synonyms() -> BTreeMap<String, Vec<String>> {
    let table: [(&str, &[&str]); 6] = [
        (
            "六西格玛",
            &[
                "6σ",
                "6sigma",
                "6 sigma",
                "six sigma",
                "sixsigma",
                "6西格玛",
            ],
        ),
        ("全员生产维护", &["TPM"]),
        ("QC小组", &["QCC", "品管圈"]),
        ("统计过程控制", &["SPC"]),
        ("全面质量管理", &["TQM"]),
        ("质量功能展开", &["QFD"]),
    ];
    table
        .iter()
        .map(|(term, spellings)| {
            let spellings = spellings.iter().map(|s| s.to_string()).collect();
            (term.to_string(), spellings)
        })
        .collect()
}

/// A synonym spelling as queries are compared with it: width-folded,
/// lowercased, words separated by one space (`search.js` does the same).
pub fn normalise_spelling(spelling: &str) -> String {
    let folded = crate::text::fold_width(spelling).to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl SearchConfig {
    /// Each spelling (normalised) → its term; problems in Chinese.
    fn problems(&self) -> Vec<(String, &'static str)> {
        let mut problems = Vec::new();
        let mut owner: HashMap<String, &str> = HashMap::new();
        for (term, spellings) in &self.synonyms {
            if term.trim().is_empty() {
                problems.push((
                    "[search] synonyms 中有一项的标准词是空的".to_string(),
                    "写成 \"六西格玛\" = [\"6σ\", \"six sigma\"]：等号左边是案例里的写法，右边是读者会输入的写法",
                ));
            }
            if spellings.is_empty() {
                problems.push((
                    format!("[search] synonyms 中“{term}”没有列出任何同义写法"),
                    "在方括号里列出读者会输入的写法，或删去这一项",
                ));
            }
            for spelling in spellings {
                let key = normalise_spelling(spelling);
                if key.is_empty() {
                    problems.push((
                        format!("[search] synonyms 中“{term}”有一个空的同义写法"),
                        "删去空字符串",
                    ));
                } else if key == normalise_spelling(term) {
                    problems.push((
                        format!("[search] synonyms 中“{spelling}”就是标准词“{term}”本身"),
                        "删去这个写法：标准词本来就能搜到",
                    ));
                } else if let Some(other) = owner.insert(key, term) {
                    if other != term {
                        problems.push((
                            format!("[search] synonyms 中“{spelling}”同时指向“{other}”和“{term}”"),
                            "一个写法只能对应一个标准词，删去其中一处",
                        ));
                    }
                }
            }
        }
        problems
    }
}

/// `[lists]`: a term's list (an area, an industry …) shows `page_size`
/// cards a page; the rest follow on `page/2/`, `page/3/` …, so no list
/// page outgrows what a phone on WeChat should download.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListsConfig {
    #[serde(default = "default_page_size")]
    pub page_size: usize,
}

/// Cards on a list page: two dozen cards are about 40 KB of HTML.
pub const DEFAULT_PAGE_SIZE: usize = 24;

/// The most cards a list page may hold (about 1 MB of HTML).
pub const MAX_PAGE_SIZE: usize = 500;

fn default_page_size() -> usize {
    DEFAULT_PAGE_SIZE
}

impl Default for ListsConfig {
    fn default() -> Self {
        ListsConfig {
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

/// `[check]`: writing rules a site turns off, like a linter's allow list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Rule ids from [`rules::ALLOWABLE`] whose findings are dropped.
    #[serde(default)]
    pub allow: Vec<String>,
}

impl CheckConfig {
    /// Drop the findings of the rules this site allows.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        if !self.allow.is_empty() {
            diagnostics.retain(|d| !self.allow.iter().any(|a| a == d.rule));
        }
    }
}

/// `[wechat]`: custom share cards in WeChat through its JS-SDK. Needs a
/// verified 公众号 and a server that signs page URLs; the site only calls it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WechatConfig {
    /// The 公众号's AppID (`wx` and 16 hex digits).
    #[serde(default)]
    pub app_id: String,
    /// Returns `{appId, timestamp, nonceStr, signature}` for `?url=PAGE`:
    /// a root-relative path on the site's host or an `https://` URL.
    #[serde(default)]
    pub signature_endpoint: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    /// A shorter name for the header on narrow screens.
    pub short_title: Option<String>,
    #[serde(default)]
    pub description: String,
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub editor: String,
    /// `[site.identity]`: the footer's 主办/承办单位 and filing numbers.
    #[serde(default)]
    pub identity: Option<IdentityConfig>,
}

fn default_language() -> String {
    "zh-CN".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermConfig {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
}

impl Config {
    /// Read and validate `ROOT/casebook.toml`. Every problem found is returned.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) => {
                return Err(vec![Diagnostic::error(
                    rules::CONFIG_MISSING,
                    CONFIG_FILE,
                    format!("无法读取站点配置文件 {}：{err}", path.display()),
                )
                .help("在站点根目录放置 casebook.toml，或用 --root 指向含有它的目录")])
            }
        };
        Config::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let text = text.trim_start_matches('\u{feff}');
        let mut config: Config =
            toml::from_str(text).map_err(|err| vec![syntax::diagnostic(text, &err)])?;
        config.base_url_at = key_position(text, "base_url");
        let problems = config.validate(&|key| key_position(text, key));
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    /// Every value out of its allowed form; `locate` gives the line and
    /// column of a key, for the problems that name one.
    fn validate(&self, locate: &dyn Fn(&str) -> (usize, usize)) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        let mut bad = |message: String, help: &str| {
            problems.push(
                Diagnostic::error(rules::CONFIG_INVALID, CONFIG_FILE, message)
                    .help(help.to_string()),
            );
        };
        if !(self.site.base_url.starts_with("http://")
            || self.site.base_url.starts_with("https://"))
        {
            bad(
                format!(
                    "site.base_url “{}” 不是以 http:// 或 https:// 开头的网址",
                    self.site.base_url
                ),
                "写成完整网址，例如 https://casebook.example.org/",
            );
        } else if !self.site.base_url.is_ascii() {
            bad(
                format!("site.base_url “{}” 含有非 ASCII 字符", self.site.base_url),
                "网址只能用英文字母、数字和符号，微信和二维码会把中文网址弄乱",
            );
        }
        for (label, terms) in [
            ("priority_areas", &self.priority_areas),
            ("industries", &self.industries),
            ("districts", &self.districts),
            ("methods", &self.methods),
        ] {
            if terms.is_empty() && label != "methods" {
                bad(
                    format!("配置中没有 [[{label}]]"),
                    "至少配置一项，见示例站点的 casebook.toml",
                );
            }
            let mut names = HashSet::new();
            let mut slugs = HashSet::new();
            for term in terms {
                if !is_valid_slug(&term.slug) {
                    bad(
                        format!("[[{label}]] “{}” 的 slug “{}” 不合规", term.name, term.slug),
                        "slug 只能用小写英文字母、数字和连字符，例如 six-sigma",
                    );
                }
                if !names.insert(term.name.as_str()) {
                    bad(
                        format!("[[{label}]] 中“{}”出现了两次", term.name),
                        "删去重复的一项",
                    );
                }
                if !slugs.insert(term.slug.as_str()) {
                    bad(
                        format!("[[{label}]] 中 slug “{}” 被两个词条共用", term.slug),
                        "给每个词条不同的 slug，否则它们的页面会互相覆盖",
                    );
                }
            }
        }
        for rule in &self.check.allow {
            if !rules::ALLOWABLE.contains(&rule.as_str()) {
                bad(
                    format!("[check] allow 中的“{rule}”不是可以关闭的规则"),
                    &format!(
                        "可以关闭的规则：{}；其他规则关系到网站能否正确生成，不能关闭",
                        rules::ALLOWABLE.join("、")
                    ),
                );
            }
        }
        let page_size = self.lists.page_size;
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            bad(
                format!("[lists] page_size = {page_size} 不在 1 到 {MAX_PAGE_SIZE} 之间"),
                &format!("每页案例数写 1 到 {MAX_PAGE_SIZE} 之间的整数，默认 {DEFAULT_PAGE_SIZE}；删去这一行即用默认值"),
            );
        }
        for (message, help) in self.search.problems() {
            bad(message, help);
        }
        if let Some(wechat) = &self.wechat {
            problems.extend(wechat.validate());
        }
        if let Some(identity) = &self.site.identity {
            problems.extend(identity.validate(locate));
        }
        problems
    }

    /// Warnings about the configuration for a site published at
    /// `base_url` (the configured one or `--base-url`'s).
    pub fn warnings(&self, base_url: &str) -> Vec<Diagnostic> {
        identity::icp_warning(self.site.identity.as_ref(), base_url, self.base_url_at)
            .into_iter()
            .collect()
    }
}

/// Line and column of the first line that sets `key` (1, 1 if none).
fn key_position(text: &str, key: &str) -> (usize, usize) {
    text.lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or((1, 1), |index| (index + 1, 1))
}

impl WechatConfig {
    fn validate(&self) -> Vec<Diagnostic> {
        let bad = |message: String, help: &str| {
            Diagnostic::error(rules::CONFIG_INVALID, CONFIG_FILE, message).help(help.to_string())
        };
        let mut problems = Vec::new();
        let (app_id, endpoint) = (self.app_id.trim(), self.signature_endpoint.trim());
        if app_id.is_empty() {
            problems.push(bad(
                "[wechat] 缺少 app_id：微信分享卡片需要公众号的 AppID".to_string(),
                "在 [wechat] 中写 app_id = \"wx…\"（公众号后台“设置与开发—基本配置”里的开发者 ID）；不用微信分享卡片就删去整个 [wechat]",
            ));
        } else if !is_app_id(app_id) {
            problems.push(bad(
                format!("[wechat] app_id “{app_id}” 不是公众号的 AppID：应为 wx 加 16 位十六进制数字，共 18 个字符"),
                "从公众号后台“设置与开发—基本配置”复制开发者 ID（AppID），不要填 AppSecret",
            ));
        }
        if endpoint.is_empty() {
            problems.push(bad(
                "[wechat] 缺少 signature_endpoint：微信 JS-SDK 要由服务器对每个页面网址签名，静态网站自己做不了".to_string(),
                "写上你们签名服务的地址，例如 signature_endpoint = \"/api/wechat-signature\"（同一网站下的路径）或 \"https://api.example.org/wechat-signature\"；没有签名服务就删去整个 [wechat]",
            ));
        } else if !(endpoint.starts_with('/') && !endpoint.starts_with("//")
            || endpoint.starts_with("https://"))
            || !endpoint.is_ascii()
            || endpoint.contains(|c: char| c.is_ascii_whitespace() || "\"'<>`".contains(c))
        {
            problems.push(bad(
                format!("[wechat] signature_endpoint “{endpoint}” 不是可用的地址：要么以 / 开头（本网站下的路径），要么是 https:// 开头的完整网址，且只含英文字符"),
                "例如 signature_endpoint = \"/api/wechat-signature\"；微信里的页面是 https 的，签名服务也必须用 https",
            ));
        }
        problems
    }
}

/// A 公众号 AppID: `wx` and 16 hex digits.
fn is_app_id(s: &str) -> bool {
    s.len() == 18 && s.starts_with("wx") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// 1-based line and character column of byte offset `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[site]
title = "T"
base_url = "https://example.org/casebook"
[[priority_areas]]
name = "其他"
slug = "other"
[[industries]]
name = "汽车"
slug = "automotive"
[[districts]]
name = "黄浦区"
slug = "huangpu"
"#;

    #[test]
    fn a_bad_filing_number_is_reported_at_its_line() {
        let text =
            format!("{MINIMAL}[site.identity]\nsponsor = \"某委员会\"\nicp = \"沪备1234\"\n");
        let problems = Config::parse(&text).unwrap_err();
        let line = text.lines().position(|l| l.starts_with("icp")).unwrap() + 1;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].line, problems[0].column), (line, 1));
    }

    #[test]
    fn parses_a_minimal_config() {
        let config = Config::parse(MINIMAL).unwrap();
        assert_eq!(config.site.base_url, "https://example.org/casebook");
        assert_eq!(config.site.language, "zh-CN");
    }

    #[test]
    fn reports_bad_slug_and_duplicates() {
        let text = MINIMAL.replace("slug = \"huangpu\"", "slug = \"黄浦\"");
        let errs = Config::parse(&text).unwrap_err();
        assert!(errs[0].message.contains("slug"), "{errs:?}");
    }

    #[test]
    fn reports_toml_errors_with_position() {
        let errs = Config::parse("[site]\ntitle = 未加引号\n").unwrap_err();
        assert_eq!(errs[0].rule, rules::CONFIG_INVALID);
        assert_eq!(errs[0].line, 2);
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\n质量x", 9), (2, 3));
    }

    #[test]
    fn synonyms_default_when_absent_and_a_site_table_replaces_them() {
        let defaults = Config::parse(MINIMAL).unwrap().search.synonyms;
        assert!(defaults["六西格玛"].contains(&"6σ".to_string()));
        assert_eq!(defaults["全员生产维护"], ["TPM"]);
        let text = format!("{MINIMAL}\n[search]\nsynonyms = {{ \"精益\" = [\"Lean\"] }}\n");
        let table = Config::parse(&text).unwrap().search.synonyms;
        assert_eq!(table.len(), 1);
        assert_eq!(table["精益"], ["Lean"]);
        let off = format!("{MINIMAL}\n[search]\nsynonyms = {{}}\n");
        assert!(Config::parse(&off).unwrap().search.synonyms.is_empty());
    }

    #[test]
    fn bad_synonyms_are_explained() {
        for (table, expect) in [
            ("\"精益\" = []", "没有列出任何同义写法"),
            ("\"精益\" = [\" \"]", "空的同义写法"),
            ("\"精益\" = [\"精益\"]", "就是标准词"),
            ("\"精益\" = [\"LP\"], \"精益生产\" = [\"ｌｐ\"]", "同时指向"),
            ("\" \" = [\"x\"]", "标准词是空的"),
        ] {
            let text = format!("{MINIMAL}\n[search]\nsynonyms = {{ {table} }}\n");
            let errs = Config::parse(&text).unwrap_err();
            assert_eq!(errs.len(), 1, "{table}: {errs:?}");
            assert_eq!(errs[0].rule, rules::CONFIG_INVALID);
            assert!(errs[0].message.contains(expect), "{table}: {errs:?}");
        }
    }

    #[test]
    fn spellings_are_compared_folded_and_lowercased() {
        assert_eq!(normalise_spelling(" Six\u{3000} SIGMA "), "six sigma");
        assert_eq!(normalise_spelling("６Σ"), "6σ");
    }

    #[test]
    fn wechat_is_off_by_default() {
        assert!(Config::parse(MINIMAL).unwrap().wechat.is_none());
    }

    #[test]
    fn wechat_with_app_id_and_endpoint_is_on() {
        let text = format!(
            "{MINIMAL}\n[wechat]\napp_id = \"wx0123456789abcdef\"\nsignature_endpoint = \"/api/wechat-signature\"\n"
        );
        let wechat = Config::parse(&text).unwrap().wechat.unwrap();
        assert_eq!(wechat.app_id, "wx0123456789abcdef");
        let text = text.replace("/api/wechat-signature", "https://sign.example.org/wx");
        assert!(Config::parse(&text).is_ok());
    }

    #[test]
    fn wechat_app_id_without_endpoint_is_explained() {
        let text = format!("{MINIMAL}\n[wechat]\napp_id = \"wx0123456789abcdef\"\n");
        let errs = Config::parse(&text).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].rule, rules::CONFIG_INVALID);
        assert!(errs[0].message.contains("signature_endpoint"), "{errs:?}");
        assert!(errs[0].message.contains("签名"), "{errs:?}");
    }

    #[test]
    fn wechat_bad_values_are_explained() {
        for (table, expect) in [
            ("signature_endpoint = \"/sign\"", "缺少 app_id"),
            (
                "app_id = \"secret\"\nsignature_endpoint = \"/sign\"",
                "不是公众号的 AppID",
            ),
            (
                "app_id = \"wx0123456789abcdef\"\nsignature_endpoint = \"http://x.org/s\"",
                "不是可用的地址",
            ),
            (
                "app_id = \"wx0123456789abcdef\"\nsignature_endpoint = \"//x.org/s\"",
                "不是可用的地址",
            ),
            ("appid = \"wx0123456789abcdef\"", "appid"),
        ] {
            let text = format!("{MINIMAL}\n[wechat]\n{table}\n");
            let errs = Config::parse(&text).unwrap_err();
            assert!(
                errs.iter().any(|e| e.message.contains(expect)),
                "{table}: {errs:?}"
            );
        }
    }
}
