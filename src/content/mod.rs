//! The content model: cases and standalone pages, parsed and validated once.
//!
//! This module owns reading `content/`. It turns each file into a typed
//! [`Case`] or [`Page`] (or diagnostics saying why it cannot), and never
//! writes anything. Fields listed under `private` are dropped while parsing:
//! the model has no place for them, so no later phase can leak them.
//!
//! - `discover`: the files under `content/` in sorted order (a bundle
//!   folder holding other case files is `bundle-ambiguous`; a linked
//!   `content/` is refused unread).
//! - `source`: decoding (BOM, CRLF, GBK recognised and named); files over
//!   [`MAX_FILE_BYTES`] are refused unread.
//! - `frontmatter`: splitting, input-method slips, YAML, key locations;
//!   `fields`: typed field reading with "did you mean".
//! - `case`, `page`, `preface`: one file each (a book's preface is
//!   `content/compilation/{year}/preface.md`); [`parse_bytes`] is one
//!   file's bytes, also the fuzz entry.
//! - `rulebook`: the programme's writing rules (title length and shape,
//!   section 字数 limits, GB/T 4754 codes, three years of data and a
//!   comparison, heavy images).
//! - `typography`: slips with exact byte spans in prose only (never code,
//!   raw HTML, link destinations or URLs), shared with `fix`.
//! - [`check_file`]: one case on its own, for `import`.

mod case;
mod discover;
mod fields;
pub mod frontmatter;
mod page;
mod preface;
pub mod rulebook;
pub mod source;
pub mod typography;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
pub use crate::markdown::Asset;
use crate::markdown::RenderedBody;

pub use case::{
    current_year, implausible_id_year, is_valid_id, plausible_years, KNOWN_FIELDS,
    METRIC_VALUE_LIMIT, UNSORTED_HEADING,
};
pub(crate) use discover::is_markdown;
pub use discover::{discover, Discovered, SourceKind};

/// Publication status of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Submitted,
    Rejected,
    Approved,
    /// Approved, and recommended to the national list.
    National,
}

impl Status {
    pub const ALL: [(&'static str, Status); 5] = [
        ("draft", Status::Draft),
        ("submitted", Status::Submitted),
        ("rejected", Status::Rejected),
        ("approved", Status::Approved),
        ("national", Status::National),
    ];

    pub fn is_published(self) -> bool {
        matches!(self, Status::Approved | Status::National)
    }

    /// The status as pages and the open data show it.
    pub fn label(self) -> &'static str {
        match self {
            Status::National => "推荐全国",
            Status::Approved => "已入选",
            Status::Draft => "草稿",
            Status::Submitted => "已提交",
            Status::Rejected => "未入选",
        }
    }
}

/// The level-2 sections of a case, in the order the programme requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SectionKind {
    Abstract,
    Profile,
    Practice,
    Results,
    Evidence,
}

impl SectionKind {
    pub const ALL: [SectionKind; 5] = [
        SectionKind::Abstract,
        SectionKind::Profile,
        SectionKind::Practice,
        SectionKind::Results,
        SectionKind::Evidence,
    ];

    pub fn heading(self) -> &'static str {
        match self {
            SectionKind::Abstract => "摘要",
            SectionKind::Profile => "企业概况",
            SectionKind::Practice => "管理方法（技术）的推进和应用情况",
            SectionKind::Results => "管理方法（技术）的实施效果",
            SectionKind::Evidence => "证实性材料",
        }
    }

    /// The section's fixed ASCII anchor on the case page.
    pub fn anchor(self) -> &'static str {
        match self {
            SectionKind::Abstract => "abstract",
            SectionKind::Profile => "profile",
            SectionKind::Practice => "practice",
            SectionKind::Results => "results",
            SectionKind::Evidence => "evidence",
        }
    }

    pub fn is_required(self) -> bool {
        self != SectionKind::Evidence
    }

    /// The kind of a normalised level-2 heading.
    pub fn from_heading(heading: &str) -> Option<SectionKind> {
        SectionKind::ALL
            .into_iter()
            .find(|k| k.heading() == heading)
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Enterprise {
    pub name: String,
    /// The short name titles may use (华虹宏力 for 上海华虹宏力半导体制造有限公司).
    pub short_name: Option<String>,
    pub legal_representative: Option<String>,
    /// 企业性质.
    pub nature: Option<String>,
    pub founded: Option<String>,
    /// GB/T 4754-2017 code, e.g. `C3973`.
    pub industry_code: Option<String>,
    pub district: Option<String>,
    pub website: Option<String>,
}

/// Three (or more) years of one indicator, against a competitor and the
/// industry benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct Metric {
    pub name: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub years: Vec<i64>,
    pub values: Vec<f64>,
    pub competitor: Vec<f64>,
    pub benchmark: Vec<f64>,
}

/// Where a content file came from.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Path relative to the site root, `/`-separated: what diagnostics show.
    pub rel: String,
    /// The folder the file's relative links and images resolve against.
    pub dir: PathBuf,
}

/// One 质量标杆 case.
#[derive(Clone, Debug)]
pub struct Case {
    pub source: SourceFile,
    pub id: String,
    /// Line and column of the `id` key, for site-wide diagnostics.
    pub id_at: (usize, usize),
    pub title: String,
    /// Line and column of the `title` key, for site-wide diagnostics.
    pub title_at: (usize, usize),
    pub enterprise: Enterprise,
    pub year: i64,
    pub cohort: Option<String>,
    /// Index into `config.priority_areas`.
    pub area: usize,
    /// Index into `config.industries`.
    pub industry: usize,
    /// Index into `config.districts`.
    pub district: Option<usize>,
    pub methods: Vec<String>,
    pub technologies: Vec<String>,
    pub honors: Vec<String>,
    pub status: Status,
    pub recommender: Option<String>,
    /// Cover image, relative to the case's folder.
    pub cover: Option<String>,
    /// The cover's width and height in pixels, when its header could be read.
    pub cover_size: Option<(u32, u32)>,
    pub aliases: Vec<String>,
    /// Where each alias is written (line, column), in the same order.
    pub aliases_at: Vec<(usize, usize)>,
    pub metrics: Vec<Metric>,
    pub date: Option<chrono::NaiveDate>,
    /// When the text last changed (`updated`), for the sitemap.
    pub updated: Option<chrono::NaiveDate>,
    pub body: RenderedBody,
    pub assets: Vec<Asset>,
}

/// A standalone page (关于, 申报说明 …).
#[derive(Clone, Debug)]
pub struct Page {
    pub source: SourceFile,
    pub title: String,
    pub slug: String,
    /// Line and column of the `slug` key (or `title`, when the slug comes
    /// from the file name), for site-wide diagnostics.
    pub slug_at: (usize, usize),
    pub description: Option<String>,
    pub body: RenderedBody,
    pub assets: Vec<Asset>,
}

/// The preface of a year's book (`content/compilation/{year}/preface.md`).
#[derive(Clone, Debug)]
pub struct Preface {
    pub source: SourceFile,
    pub year: i64,
    /// `title` from the optional front matter; 前言 by default.
    pub title: String,
    pub body: RenderedBody,
    pub assets: Vec<Asset>,
}

/// Everything parsed from `content/`, with every problem found.
#[derive(Default)]
pub struct Content {
    pub cases: Vec<Case>,
    pub pages: Vec<Page>,
    pub prefaces: Vec<Preface>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Settings that shape parsing.
pub struct ParseOptions<'a> {
    pub config: &'a Config,
    pub root: &'a Path,
    /// Prefix for internal links, from the base URL (`/` or `/sub/`).
    pub base_path: String,
    /// Highlight code blocks (a build does; `check` need not).
    pub highlight: bool,
    /// Keep each body's Markdown (`compile --pdf` typesets from it).
    pub keep_markdown: bool,
}

impl<'a> ParseOptions<'a> {
    /// Markdown options for a free-form body (a page, a book's preface):
    /// no fixed section anchors, no caption rule.
    fn free_form_markdown(
        &'a self,
        file: &'a str,
        first_line: usize,
        source: &'a SourceFile,
        page_path: &'a str,
    ) -> crate::markdown::MarkdownOptions<'a> {
        crate::markdown::MarkdownOptions {
            file,
            first_line,
            dir: &source.dir,
            root: self.root,
            base_path: &self.base_path,
            page_path,
            fixed_anchor: |_| None,
            summary_anchor: None,
            require_captions: false,
            highlight: self.highlight,
            keep_markdown: self.keep_markdown,
        }
    }
}

/// Discover and parse every content file under `ROOT/content`, in parallel.
pub fn load(options: &ParseOptions, progress: &indicatif::ProgressBar) -> Content {
    let Discovered {
        files,
        mut diagnostics,
    } = discover(options.root);
    progress.set_length(files.len() as u64);
    let parsed: Vec<(Parsed, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|(kind, path)| {
            let result = parse_file(*kind, path, options);
            progress.inc(1);
            result
        })
        .collect();
    let mut cases = Vec::new();
    let mut pages = Vec::new();
    let mut prefaces = Vec::new();
    for (item, diags) in parsed {
        diagnostics.extend(diags);
        match item {
            Parsed::Case(case) => cases.push(*case),
            Parsed::Page(page) => pages.push(*page),
            Parsed::Preface(preface) => prefaces.push(*preface),
            Parsed::Nothing => {}
        }
    }
    Content {
        cases,
        pages,
        prefaces,
        diagnostics,
    }
}

/// What one content file turned into.
pub enum Parsed {
    Case(Box<Case>),
    Page(Box<Page>),
    Preface(Box<Preface>),
    Nothing,
}

/// Parse one discovered file (the preview server re-parses only the files
/// that changed).
pub fn parse_file(
    kind: SourceKind,
    path: &Path,
    options: &ParseOptions,
) -> (Parsed, Vec<Diagnostic>) {
    let source = SourceFile {
        path: path.to_path_buf(),
        rel: relative_display(options.root, path),
        dir: path.parent().unwrap_or(options.root).to_path_buf(),
    };
    if let Some(diag) = too_large(path, &source.rel) {
        return (Parsed::Nothing, vec![diag]);
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            let diag = Diagnostic::error(
                crate::diagnostics::rules::FILE_UNREADABLE,
                &source.rel,
                format!("无法读取文件：{err}"),
            )
            .help("检查文件权限，或它是否是指向不存在位置的链接");
            return (Parsed::Nothing, vec![diag]);
        }
    };
    parse_bytes(kind, &bytes, source, options)
}

/// The largest content file Casebook reads. The longest real write-up is
/// well under 100 KB; anything this big is a mistake (a pasted export, an
/// embedded picture), and refusing it keeps time and memory bounded.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A diagnostic when the file at `path` is over [`MAX_FILE_BYTES`].
fn too_large(path: &Path, rel: &str) -> Option<Diagnostic> {
    let len = std::fs::metadata(path).ok()?.len();
    (len > MAX_FILE_BYTES).then(|| {
        Diagnostic::error(
            crate::diagnostics::rules::FILE_TOO_LARGE,
            rel,
            format!(
                "文件有 {:.1} MB，超过了内容文件的上限 {} MB",
                len as f64 / (1024.0 * 1024.0),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
        .help("案例正文通常不到 100 KB：图片请另存为文件并用 ![图题](文件名.png) 引用，不要把图片或导出的整份文档贴进 .md 文件")
    })
}

/// Decode and parse one content file's bytes (`source` says where they came
/// from; relative paths resolve against its folder).
pub fn parse_bytes(
    kind: SourceKind,
    bytes: &[u8],
    source: SourceFile,
    options: &ParseOptions,
) -> (Parsed, Vec<Diagnostic>) {
    let text = match source::decode(bytes, &source.rel) {
        Ok(text) => text,
        Err(diag) => return (Parsed::Nothing, vec![diag]),
    };
    match kind {
        SourceKind::Case => {
            let (case, diags) = case::parse(&text, source, options);
            (
                case.map_or(Parsed::Nothing, |c| Parsed::Case(Box::new(c))),
                diags,
            )
        }
        SourceKind::Page => {
            let (page, diags) = page::parse(&text, source, options);
            (
                page.map_or(Parsed::Nothing, |p| Parsed::Page(Box::new(p))),
                diags,
            )
        }
        SourceKind::Preface => {
            let (preface, diags) = preface::parse(&text, source, options);
            (
                preface.map_or(Parsed::Nothing, |p| Parsed::Preface(Box::new(p))),
                diags,
            )
        }
    }
}

/// Parse one case file on its own (for `casebook import`): every problem
/// the file has by itself, without the site-wide checks. `base_path`: the
/// site's (`urls::Urls`).
pub fn check_file(config: &Config, root: &Path, path: &Path, base_path: &str) -> Vec<Diagnostic> {
    let options = ParseOptions {
        config,
        root,
        base_path: base_path.to_string(),
        highlight: false,
        keep_markdown: false,
    };
    let (_, mut diagnostics) = parse_file(SourceKind::Case, path, &options);
    config.check.apply(&mut diagnostics);
    diagnostics
}

/// `path` relative to `root`, `/`-separated, for messages.
pub fn relative_display(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
