//! Rendering: the site model in, output files out, each handed to a
//! [`Sink`] as soon as it is made (the build's staging folder writes it and
//! lets it go, so memory stays flat as the site grows). Templates are
//! parsed once; pages render in parallel. Rendering never reads content or
//! theme files: everything it needs is in [`Site`] and [`Theme`]; files to
//! copy (images beside cases) are passed on as paths for the writer.
//!
//! - `kinds`: the one list of page kinds, the [`Selection`] to render, and
//!   what each kind depends on ([`select`], for the preview).
//! - `pages`, `overview`, `lists` (a term's list cut into pages): one
//!   method per page; `views`: the view models
//!   templates see (cards, case views, term links, the site context).
//! - `book`: the annual book's views (case bodies made part of one
//!   document: headings a level down, ids prefixed, in-book links made
//!   relative to the page: the front page, a chapter, the indices or the
//!   one-page print version) and the files of its self-contained folder.
//! - `qr`: QR codes of the short links (SVG and PNG; in [`Mode::Check`]
//!   only proven encodable); `share`: share-card values and the case
//!   pages' schema.org JSON-LD (serialised with serde_json, escaped for
//!   `<script>`, never built in templates).
//! - `collisions`: one output path twice, or a file where another output
//!   needs a folder (an alias's at its front-matter line).
//!
//! The WeChat JS-SDK script (`js/wechat.js`) is published only with
//! `[wechat]`; without it no output mentions the SDK.

mod book;
mod collisions;
mod kinds;
mod lists;
mod overview;
mod pages;
mod poster;
mod qr;
mod share;
mod views;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tera::{Context, Tera};

use crate::diagnostics::{rules, Diagnostic};
use crate::output::{Contents, OutputFile, Recorder, Sink};
use crate::search::Related;
use crate::site::Site;
use crate::theme::{fingerprinted_path, Theme};
use crate::urls;

pub use kinds::{kinds_using, select, Changes, PageKind, Selection, Snapshot};
pub use pages::{lastmod, SITEMAP_URLS};
use views::Views;
pub use views::{format_number, CaseCard};

/// The book's print stylesheet, below the theme's `static/`.
const BOOK_STYLESHEET: &str = "css/book.css";

/// What the rendered files are for; it decides what is really made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `casebook build`: everything, for publishing.
    Publish,
    /// `casebook check`: every page is rendered (template errors, links),
    /// but code is not highlighted, QR codes are only proven encodable,
    /// not drawn, there is no search export, and the annual books and
    /// open-data files stand in by their paths (so links to them still
    /// resolve): they repeat content the pages already showed, can find
    /// nothing a content editor fixes, and were most of check's time.
    Check,
    /// `casebook serve`: what `Publish` makes (no printed books), with a
    /// full search index kept for `/api/search`.
    Preview,
}

impl Mode {
    /// Are code blocks highlighted when parsed?
    pub fn highlights(self) -> bool {
        self != Mode::Check
    }

    /// Is the static search export made?
    pub fn exports_search(self) -> bool {
        self != Mode::Check
    }

    /// Are QR codes drawn and books and open data made (not stood in)?
    fn makes_everything(self) -> bool {
        self != Mode::Check
    }
}

/// What rendering draws beyond the model, with its caches under the site
/// root: the pictures' resized variants (`images::resize`).
#[derive(Debug, Default)]
pub struct Media {
    pub images: crate::images::resize::Cache,
    /// The share posters (`poster`).
    pub posters: crate::images::resize::Cache,
}

impl Media {
    /// The caches of the site at `root`.
    pub fn at(root: &std::path::Path) -> Media {
        Media {
            images: crate::images::resize::Cache::at(root),
            posters: crate::images::resize::Cache::under(
                root,
                crate::images::resize::POSTER_CACHE_DIR,
            ),
        }
    }

    /// The warnings of cache folders refused (symlinks, files), each
    /// folder once: the build went on without them.
    pub fn refusals(&self) -> Vec<crate::diagnostics::Diagnostic> {
        let mut out: Vec<crate::diagnostics::Diagnostic> = Vec::new();
        for warning in [self.images.refusal(), self.posters.refusal()]
            .into_iter()
            .flatten()
        {
            if !out.iter().any(|w| w.file == warning.file) {
                out.push(warning);
            }
        }
        out
    }

    /// No caches (a book alone, the probe, which draw no pictures).
    pub fn none() -> Media {
        Media::default()
    }
}

/// Render the whole site into `out` (which notes each path). Template
/// errors and output path collisions come back as diagnostics; files
/// already put are then the caller's to discard. `export`: the search
/// export's meta, which the search page inlines, and each case's related
/// cases, which its page lists (none in `check`). `pdfs`: years
/// whose book has a printed PDF beside it in the output (the book links
/// it).
pub fn render_site<'s>(
    site: &'s Site,
    theme: &Theme,
    export: Option<(&crate::search::export::Meta, &'s Related)>,
    pdfs: &[i64],
    mode: Mode,
    media: &Media,
    out: &Recorder,
) -> Result<(), Vec<Diagnostic>> {
    let (search, related) = export.unzip();
    let renderer = renderer(site, theme, search, pdfs, media)?.with_related(related);
    kinds::render(&renderer, &Selection::all(site), mode, out)?;
    let written = out.written();
    collisions::check(site, &written, &reserved_beside(site, &written, pdfs))
}

/// What `build` writes besides the rendered files, taken all the same:
/// `urls.txt`, the printed books, the nginx snippet, the output marker
/// and build record,
/// and the precompressed copy of every generated text file (so neither an
/// alias nor a static file can stand in for one).
fn reserved_beside(site: &Site, written: &[crate::output::Written], pdfs: &[i64]) -> Vec<String> {
    let mut reserved = vec![
        urls::PUBLISHED_LIST.to_string(),
        crate::nginx::SNIPPET.to_string(),
        crate::destination::MARKER.to_string(),
        crate::destination::BUILD_RECORD.to_string(),
    ];
    reserved.extend(pdfs.iter().map(|&year| urls::book_pdf(year)));
    let extensions: &[&str] = match site.config.output.brotli {
        true => &["gz", "br"],
        false => &["gz"],
    };
    for file in written {
        if file.copied_from.is_none() && crate::precompress::is_compressible(&file.path) {
            reserved.extend(extensions.iter().map(|ext| format!("{}.{ext}", file.path)));
        }
    }
    reserved
}

/// The pages of `selection` (the preview's rebuild after an edit), into
/// `out`. `search`: the export's meta, for the search page; `related`:
/// the related cases case pages list.
pub fn render_selected<'s>(
    site: &'s Site,
    theme: &Theme,
    search: Option<&crate::search::export::Meta>,
    related: Option<&'s Related>,
    selection: &Selection,
    media: &Media,
    out: &dyn Sink,
) -> Result<(), Vec<Diagnostic>> {
    let renderer = renderer(site, theme, search, &[], media)?.with_related(related);
    kinds::render(&renderer, selection, Mode::Preview, out)
}

/// Render one case page and every list and single page, keeping nothing:
/// a template error shows before the slow whole-site work.
pub fn render_probe(site: &Site, theme: &Theme) -> Result<(), Vec<Diagnostic>> {
    render_selected(
        site,
        theme,
        None,
        None,
        &Selection::probe(site),
        &Media::none(),
        &crate::output::Discard,
    )
}

/// The QR code of `url` (a case's short link) as an SVG document, for the
/// typeset book.
pub fn qr_svg(url: &str) -> Result<String, String> {
    qr::inline_svg(&qr::Codes::new(1), 0, url)
}

/// The book of `year` alone (`casebook compile`): the files of its folder,
/// paths relative to that folder; empty when the year has no book.
/// `pages`: the printed page of each anchor, for the table of contents.
pub fn render_book(
    site: &Site,
    theme: &Theme,
    year: i64,
    has_pdf: bool,
    pages: &BTreeMap<String, usize>,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let pdfs = if has_pdf { vec![year] } else { Vec::new() };
    let media = Media::none();
    let renderer = renderer(site, theme, None, &pdfs, &media)?;
    let folder = urls::book(year);
    let files = renderer.book(year, has_pdf, pages).map_err(|e| vec![e])?;
    Ok(files
        .into_iter()
        .filter_map(|mut f| {
            f.path = f.path.strip_prefix(&folder)?.to_string();
            Some(f)
        })
        .collect())
}

/// The template engine and views over `site`, with the theme's static
/// files under their published names.
fn renderer<'s>(
    site: &'s Site,
    theme: &Theme,
    search: Option<&crate::search::export::Meta>,
    pdfs: &[i64],
    media: &'s Media,
) -> Result<Renderer<'s>, Vec<Diagnostic>> {
    let urls = &site.urls;
    let (assets, static_files) =
        publish_statics(theme, urls.base_path(), site.config.wechat.is_some());
    let share_images: HashMap<String, share::Image> = assets
        .iter()
        .filter_map(|(rel, url)| {
            let name = rel.strip_prefix("img/share/")?.strip_suffix(".png")?;
            let published = url.strip_prefix(urls.base_path())?;
            let bytes = theme.statics.get(rel)?;
            Some((
                name.to_string(),
                share::Image::new(urls.permalink(published), share::blob_size(bytes)),
            ))
        })
        .collect();
    let tera = engine(theme, assets)?;
    let views = Views::new(site, pdfs);
    let book_css = theme
        .statics
        .get(BOOK_STYLESHEET)
        .cloned()
        .unwrap_or_default();
    let renderer = Renderer {
        tera,
        views,
        media,
        base: Context::new(),
        share_images,
        // Inlined into the search page, so a search needs no round trip
        // for it (absent in `check`, which skips the export).
        search_meta: search
            .map(|meta| share::script_json(&serde_json::to_value(meta).expect("plain JSON"))),
        book_css,
        static_files,
        related: None,
    };
    Ok(renderer.with_base_context())
}

/// An empty file at `path`: what `check` needs of a file it does not make.
fn stand_in(path: &str) -> OutputFile {
    OutputFile {
        path: path.to_string(),
        contents: Contents::Bytes(Vec::new()),
    }
}

/// `data/cases.{json,csv,xlsx}`: the open data (published cases only).
fn open_data(site: &Site) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let xlsx = crate::data::xlsx(site).map_err(|e| {
        vec![Diagnostic::error(
            rules::DATA_EXPORT,
            urls::DATA_XLSX,
            format!("无法生成 Excel 开放数据：{e}"),
        )
        .help("这通常是内容超出了 Excel 的限制（如单元格超过 32767 个字符）；缩短相应内容")]
    })?;
    Ok([
        (urls::DATA_JSON, crate::data::json(site)),
        (
            urls::DATA_SCHEMA,
            crate::data::JSON_SCHEMA.as_bytes().to_vec(),
        ),
        (urls::DATA_CSV, crate::data::csv(site)),
        (urls::DATA_XLSX, xlsx),
    ]
    .into_iter()
    .map(|(path, bytes)| OutputFile {
        path: path.to_string(),
        contents: Contents::Bytes(bytes),
    })
    .collect())
}

/// Static files under their published names, and the name map for the
/// `asset()` template function. The WeChat share script is published only
/// when `[wechat]` is configured: without it, no trace of the JS-SDK.
fn publish_statics(
    theme: &Theme,
    base_path: &str,
    wechat: bool,
) -> (HashMap<String, String>, Vec<OutputFile>) {
    let mut map = HashMap::new();
    let mut files = Vec::new();
    for (rel, bytes) in &theme.statics {
        if rel == WECHAT_SCRIPT && !wechat {
            continue;
        }
        let published = fingerprinted_path(rel, bytes);
        map.insert(rel.clone(), format!("{base_path}{published}"));
        files.push(OutputFile {
            path: published,
            contents: Contents::Bytes(bytes.clone()),
        });
    }
    (map, files)
}

fn template_error(name: &str, err: &tera::Error) -> Diagnostic {
    // Tera nests the useful part (line, unknown variable) in the source chain.
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        message.push('：');
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    Diagnostic::error(
        rules::TEMPLATE_ERROR,
        &format!("templates/{name}"),
        format!("模板出错：{message}"),
    )
    .help("检查模板语法和用到的变量；站点 templates/ 下的同名文件会覆盖主题模板")
}

fn engine(theme: &Theme, assets: HashMap<String, String>) -> Result<Tera, Vec<Diagnostic>> {
    let mut tera = Tera::default();
    let templates: Vec<(&str, &str)> = theme
        .templates
        .iter()
        .map(|(name, source)| (name.as_str(), source.as_str()))
        .collect();
    tera.add_raw_templates(templates)
        .map_err(|e| vec![template_error("", &e)])?;
    tera.autoescape_on(vec![".html", ".xml"]);
    // Tera's default also escapes `/`, which turns every URL into `&#x2F;`
    // soup; `& < > "` (and `'`) are what HTML and XML need.
    tera.set_escape_fn(crate::text::escape_markup);
    tera.register_function("asset", move |args: &HashMap<String, tera::Value>| {
        let path = args
            .get("path")
            .and_then(|v| v.as_str())
            .ok_or_else(|| tera::Error::msg("asset() needs path=\"css/site.css\""))?;
        assets
            .get(path)
            .map(|url| tera::Value::String(url.clone()))
            .ok_or_else(|| tera::Error::msg(format!("asset(): no static file {path}")))
    });
    Ok(tera)
}

struct Renderer<'s> {
    tera: Tera,
    views: Views<'s>,
    /// Caches of what is drawn from files: resized pictures.
    media: &'s Media,
    base: Context,
    /// The default share images (absolute URL, size), by area slug
    /// (`img/share/{slug}.png`; `other` when an area has none).
    share_images: HashMap<String, share::Image>,
    /// The search export's meta as `<script>`-safe JSON.
    search_meta: Option<String>,
    /// The books' stylesheet (`static/css/book.css`), copied into each
    /// book's folder.
    book_css: Vec<u8>,
    /// The theme's static files under their published names.
    static_files: Vec<OutputFile>,
    /// Each case's related cases, and where each case is in the site.
    related: Option<(&'s Related, HashMap<&'s str, usize>)>,
}

/// What the share kit page shows and lets editors copy.
#[derive(Serialize)]
struct ShareKit {
    summary: String,
    short_url: String,
    qr_svg: String,
    qr_png: String,
    /// Ready to paste into a 公众号 article or a chat.
    text: String,
    /// The share posters (`poster`): for a phone screen, and square (none
    /// when `[posters]` is off).
    poster: Option<String>,
    poster_square: Option<String>,
}

/// The theme's WeChat JS-SDK share script (see `templates/wechat.html`).
const WECHAT_SCRIPT: &str = "js/wechat.js";

/// Characters of abstract in the share kit.
const SHARE_KIT_SUMMARY_CHARS: usize = 120;

impl<'s> Renderer<'s> {
    /// The renderer listing `related` cases on case pages.
    fn with_related(mut self, related: Option<&'s Related>) -> Self {
        self.related = related.map(|related| {
            let cases = &self.views.site.cases;
            let position = cases
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.as_str(), i))
                .collect();
            (related, position)
        });
        self
    }

    /// The cards of the cases related to `case`, best first.
    fn related_cards(&self, case: &crate::content::Case) -> Vec<CaseCard> {
        let Some((related, position)) = &self.related else {
            return Vec::new();
        };
        related
            .of(&case.id)
            .iter()
            .filter_map(|id| position.get(id.as_str()))
            .map(|&i| self.views.card(self.views.site.cases[i]))
            .collect()
    }

    fn with_base_context(mut self) -> Self {
        self.base.insert("site", &self.views.site_view());
        self.base
            .insert("default_share_image", &self.share_images.get("other"));
        self.base.insert("wechat", &self.views.site.config.wechat);
        self
    }

    /// The share kit of case `index` (`/cases/{id}/share/`). The paste
    /// text names the enterprise after a dash, not in brackets: enterprise
    /// names often end in their own （…）.
    fn share_kit(&self, index: usize) -> ShareKit {
        let case = &self.views.site.cases[index];
        let summary = crate::text::sentence_excerpt(&case.body.summary, SHARE_KIT_SUMMARY_CHARS);
        let short_url = self.views.permalink(&urls::short_link(&case.id));
        ShareKit {
            text: format!(
                "【质量标杆案例】{}——{}\n{summary}\n阅读全文：{short_url}",
                case.title, case.enterprise.name
            ),
            summary,
            qr_svg: self.views.url(&urls::qr_code(&case.id, "svg")),
            qr_png: self.views.url(&urls::qr_code(&case.id, "png")),
            short_url,
            poster: self.poster_url(case, poster::Shape::Portrait),
            poster_square: self.poster_url(case, poster::Shape::Square),
        }
    }

    /// The URL of `case`'s poster of `shape`, when posters are drawn.
    fn poster_url(&self, case: &crate::content::Case, shape: poster::Shape) -> Option<String> {
        let enabled = self.views.site.config.posters.enabled;
        enabled.then(|| self.views.url(&urls::poster(&case.id, shape.file_name())))
    }

    /// The picture a share card shows for `case`'s cover `rel`, and its
    /// size: the resized variant `images::share_picture` picks (made with
    /// the case's other pictures' variants), else the cover as it is.
    fn cover_picture(case: &crate::content::Case, rel: &str) -> (String, Option<(u32, u32)>) {
        let asset = case.assets.iter().find(|a| a.rel == rel);
        match (asset, case.cover_size) {
            (Some(asset), Some((width, height))) => {
                let bytes = std::fs::metadata(&asset.source).map_or(0, |m| m.len());
                let (rel, width, height) = crate::images::share_picture(rel, width, height, bytes);
                (rel, Some((width, height)))
            }
            _ => (rel.to_string(), case.cover_size),
        }
    }

    /// Share card and JSON-LD values of case `index`.
    fn share(&self, index: usize, description: &str) -> share::Share {
        let site = self.views.site;
        let case = &site.cases[index];
        let case_path = Views::case_path(case);
        let image = match &case.cover {
            Some(cover) => {
                let (rel, size) = Self::cover_picture(case, cover.trim_start_matches("./"));
                share::Image::new(self.views.permalink(&format!("{case_path}{rel}")), size)
            }
            // The square share poster: the case's own title and result.
            None if site.config.posters.enabled => {
                let (width, height) = poster::Shape::Square.size();
                share::Image::new(
                    self.views
                        .permalink(&urls::poster(&case.id, poster::Shape::Square.file_name())),
                    Some((width, height)),
                )
            }
            None => {
                let slug = &site.config.priority_areas[case.area].slug;
                self.share_images
                    .get(slug.as_str())
                    .or_else(|| self.share_images.get("other"))
                    .cloned()
                    .unwrap_or_default()
            }
        };
        let config = &site.config.site;
        share::case_share(share::ShareInput {
            case,
            description,
            permalink: &self.views.permalink(&case_path),
            image,
            publisher: &config.publisher,
            language: &config.language,
        })
    }

    fn render(
        &self,
        template: &str,
        path: String,
        context: &Context,
    ) -> Result<OutputFile, Diagnostic> {
        // Into bytes directly: `Tera::render` would check the UTF-8 it
        // just wrote, a pass over every page (2% of a large build).
        let mut html = Vec::new();
        self.tera
            .render_to(template, context, &mut html)
            .map_err(|e| template_error(template, &e))?;
        Ok(OutputFile {
            path,
            contents: Contents::Bytes(html),
        })
    }

    fn context(&self, page_path: &str) -> Context {
        let mut context = self.base.clone();
        context.insert("page_url", &self.views.url(page_path));
        context.insert("permalink", &self.views.permalink(page_path));
        context
    }
}
