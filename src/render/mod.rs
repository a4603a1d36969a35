//! Rendering: the site model in, output files out, each handed to a
//! [`Sink`] as soon as it is made (the build's staging folder writes it and
//! lets it go, so memory stays flat as the site grows). Templates are
//! parsed once; pages render in parallel. Rendering never reads content or
//! theme files: everything it needs is in [`Site`] and [`Theme`]; files to
//! copy (images beside cases) are passed on as paths for the writer.

mod book;
mod collisions;
mod partial;
mod qr;
mod share;
mod views;

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::diagnostics::{rules, Diagnostic};
use crate::output::{Contents, OutputFile, Recorder, Sink, Written};
use crate::site::Site;
use crate::taxonomy::TaxonomyKind;
use crate::theme::{fingerprinted_path, Theme};

pub use book::{folder as book_folder, pdf_path as book_pdf_path};
pub use partial::{render_selected, site_fingerprint, Selection};
pub use views::{format_number, CaseCard};
use views::{TermLink, Views};

/// The book's print stylesheet, below the theme's `static/`.
const BOOK_STYLESHEET: &str = "css/book.css";

/// Where cases sit in the feed.
const FEED_ENTRIES: usize = 30;

/// Render the whole site into `out` (which notes each path). Template
/// errors and output path collisions come back as diagnostics; files
/// already put are then the caller's to discard. `pdfs`: years whose book
/// has a printed PDF beside it in the output (the book links it).
pub fn render_site(
    site: &Site,
    theme: &Theme,
    base_url: &str,
    search: Option<&crate::search::export::Meta>,
    pdfs: &[i64],
    out: &Recorder,
) -> Result<(), Vec<Diagnostic>> {
    render_site_as(site, theme, base_url, search, pdfs, Purpose::Publish, out)
}

/// What the rendered files are for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Publish,
    /// `casebook check`: every page is rendered (template errors, links),
    /// but QR codes are only proven encodable, not drawn, and the annual
    /// books and open-data files stand in by their paths (so links to them
    /// still resolve): they repeat content the pages already showed, can
    /// find nothing a content editor fixes, and were most of check's time.
    Check,
}

/// [`render_site`] for a purpose.
pub fn render_site_as(
    site: &Site,
    theme: &Theme,
    base_url: &str,
    search: Option<&crate::search::export::Meta>,
    pdfs: &[i64],
    purpose: Purpose,
    out: &Recorder,
) -> Result<(), Vec<Diagnostic>> {
    let (renderer, static_files) = renderer(site, theme, base_url, search, pdfs)?;
    // The open data files are made on one thread, alongside the pages
    // (which keep every other thread busy), and put after them.
    let (pages, data) = rayon::join(
        || renderer.pages(purpose, out),
        || match purpose {
            Purpose::Publish => open_data(site, base_url),
            Purpose::Check => Ok([
                crate::data::JSON_PATH,
                crate::data::SCHEMA_PATH,
                crate::data::CSV_PATH,
                crate::data::XLSX_PATH,
            ]
            .map(stand_in)
            .into()),
        },
    );
    pages.map_err(|e| vec![e])?;
    static_files.into_iter().for_each(|f| out.put(f));
    data?.into_iter().for_each(|f| out.put(f));
    site.cases
        .par_iter()
        .enumerate()
        .try_for_each(|(index, case)| {
            let url = format!("{base_url}{}", short_link_path(&case.id));
            let qr = match purpose {
                Purpose::Publish => qr::files(&renderer.views.qr, index, &case.id, &url),
                Purpose::Check => qr::paths(&case.id, &url),
            };
            let qr = qr.map_err(|message| {
                vec![Diagnostic::error(rules::QR_CODE, &case.source.rel, message)
                    .help("二维码装不下这么长的网址：缩短 site.base_url")]
            })?;
            qr.into_iter().for_each(|f| out.put(f));
            Ok::<(), Vec<Diagnostic>>(())
        })?;
    site.cases.par_iter().for_each(|case| {
        for asset in &case.assets {
            out.put(OutputFile {
                path: format!("cases/{}/{}", case.id, asset.rel),
                contents: Contents::Copy(asset.source.clone()),
            });
        }
    });
    for page in &site.pages {
        for asset in &page.assets {
            out.put(OutputFile {
                path: format!("{}/{}", page.slug, asset.rel),
                contents: Contents::Copy(asset.source.clone()),
            });
        }
    }
    // Written after rendering, by `build`, but taken all the same.
    let mut reserved = vec![crate::published::FILE.to_string()];
    reserved.extend(pdfs.iter().map(|&year| book_pdf_path(year)));
    collisions::check(site, &out.written(), &reserved)
}

/// The book of `year` alone (`casebook compile`): the files of its folder,
/// paths relative to that folder; empty when the year has no book.
/// `pages`: the printed page of each anchor, for the table of contents.
pub fn render_book(
    site: &Site,
    theme: &Theme,
    base_url: &str,
    year: i64,
    has_pdf: bool,
    pages: &BTreeMap<String, usize>,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let pdfs = if has_pdf { vec![year] } else { Vec::new() };
    let (renderer, _) = renderer(site, theme, base_url, None, &pdfs)?;
    let folder = book::folder(year);
    let files = renderer.book(year, has_pdf, pages).map_err(|e| vec![e])?;
    Ok(files
        .into_iter()
        .filter_map(|mut f| {
            f.path = f.path.strip_prefix(&folder)?.to_string();
            Some(f)
        })
        .collect())
}

/// The template engine and views over `site`, and the theme's static files
/// under their published names.
fn renderer<'s>(
    site: &'s Site,
    theme: &Theme,
    base_url: &str,
    search: Option<&crate::search::export::Meta>,
    pdfs: &[i64],
) -> Result<(Renderer<'s>, Vec<OutputFile>), Vec<Diagnostic>> {
    let base_path = crate::config::base_path_of(base_url);
    let (assets, static_files) = publish_statics(theme, &base_path, site.config.wechat.is_some());
    let share_images: HashMap<String, share::Image> = assets
        .iter()
        .filter_map(|(rel, url)| {
            let name = rel.strip_prefix("img/share/")?.strip_suffix(".png")?;
            let published = url.strip_prefix(base_path.as_str())?;
            let bytes = theme.statics.get(rel)?;
            Some((
                name.to_string(),
                share::Image::new(format!("{base_url}{published}"), share::blob_size(bytes)),
            ))
        })
        .collect();
    let tera = engine(theme, assets)?;
    let views = Views::new(site, base_url, pdfs);
    let book_css = theme
        .statics
        .get(BOOK_STYLESHEET)
        .cloned()
        .unwrap_or_default();
    let renderer = Renderer {
        tera,
        views,
        base: Context::new(),
        share_images,
        // Inlined into the search page, so a search needs no round trip
        // for it (absent in `check`, which skips the export).
        search_meta: search
            .map(|meta| share::script_json(&serde_json::to_value(meta).expect("plain JSON"))),
        book_css,
    };
    Ok((renderer.with_base_context(), static_files))
}

/// `data/cases.{json,csv,xlsx}`: the open data (published cases only).
/// An empty file at `path`: what `check` needs of a file it does not make.
fn stand_in(path: &str) -> OutputFile {
    OutputFile {
        path: path.to_string(),
        contents: Contents::Bytes(Vec::new()),
    }
}

fn open_data(site: &Site, base_url: &str) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let xlsx = crate::data::xlsx(site, base_url).map_err(|e| {
        vec![Diagnostic::error(
            rules::DATA_EXPORT,
            crate::data::XLSX_PATH,
            format!("无法生成 Excel 开放数据：{e}"),
        )
        .help("这通常是内容超出了 Excel 的限制（如单元格超过 32767 个字符）；缩短相应内容")]
    })?;
    Ok([
        (crate::data::JSON_PATH, crate::data::json(site, base_url)),
        (
            crate::data::SCHEMA_PATH,
            crate::data::JSON_SCHEMA.as_bytes().to_vec(),
        ),
        (crate::data::CSV_PATH, crate::data::csv(site, base_url)),
        (crate::data::XLSX_PATH, xlsx),
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
    base: Context,
    /// The default share images (absolute URL, size), by area slug
    /// (`img/share/{slug}.png`; `other` when an area has none).
    share_images: HashMap<String, share::Image>,
    /// The search export's meta as `<script>`-safe JSON.
    search_meta: Option<String>,
    /// The books' stylesheet (`static/css/book.css`), copied into each
    /// book's folder.
    book_css: Vec<u8>,
}

#[derive(Serialize)]
struct Matrix {
    columns: Vec<TermLink>,
    rows: Vec<MatrixRow>,
}

#[derive(Serialize)]
struct MatrixRow {
    area: TermLink,
    cells: Vec<MatrixCell>,
}

#[derive(Serialize)]
struct MatrixCell {
    count: usize,
    url: String,
}

/// One chart of the overview page.
#[derive(Serialize)]
struct OverviewChart {
    id: &'static str,
    title: String,
    hint: Option<&'static str>,
    svg: String,
    /// Every number of the chart, in words.
    caption: String,
    list_url: Option<String>,
    list_label: String,
}

#[derive(Serialize)]
struct OpenDataLinks {
    count: usize,
    schema: &'static str,
    json: String,
    json_schema: String,
    csv: String,
    xlsx: String,
}

/// Methods shown on the overview (the most used).
const OVERVIEW_METHODS: usize = 10;

#[derive(Serialize)]
struct FeedEntry {
    title: String,
    url: String,
    enterprise: String,
    summary: String,
    updated: String,
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
}

/// The theme's WeChat JS-SDK share script (see `templates/wechat.html`).
const WECHAT_SCRIPT: &str = "js/wechat.js";

/// Characters of abstract in the share kit.
const SHARE_KIT_SUMMARY_CHARS: usize = 120;

#[derive(Serialize)]
struct SitemapEntry {
    loc: String,
}

impl<'s> Renderer<'s> {
    fn with_base_context(mut self) -> Self {
        self.base.insert("site", &self.views.site_view());
        self.base
            .insert("default_share_image", &self.share_images.get("other"));
        self.base.insert("wechat", &self.views.site.config.wechat);
        self
    }

    /// The share kit of case `index` (`/cases/{id}/share/`).
    fn share_kit(&self, index: usize) -> ShareKit {
        let case = &self.views.site.cases[index];
        let summary = crate::text::sentence_excerpt(&case.body.summary, SHARE_KIT_SUMMARY_CHARS);
        let short_url = self.views.permalink(&short_link_path(&case.id));
        ShareKit {
            text: format!(
                "【质量标杆案例】{}（{}）\n{summary}\n阅读全文：{short_url}",
                case.title, case.enterprise.name
            ),
            summary,
            qr_svg: self.views.url(&format!("qr/{}.svg", case.id)),
            qr_png: self.views.url(&format!("qr/{}.png", case.id)),
            short_url,
        }
    }

    /// Share card and JSON-LD values of case `index`.
    fn share(&self, index: usize, description: &str) -> share::Share {
        let site = self.views.site;
        let case = &site.cases[index];
        let case_path = Views::case_path(case);
        let image = match &case.cover {
            Some(cover) => share::Image::new(
                self.views
                    .permalink(&format!("{case_path}{}", cover.trim_start_matches("./"))),
                case.cover_size,
            ),
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

    fn pages(&self, purpose: Purpose, out: &Recorder) -> Result<(), Diagnostic> {
        let site = self.views.site;
        let cards: Vec<CaseCard> = site.cases.iter().map(|c| self.views.card(c)).collect();

        (0..site.cases.len()).into_par_iter().try_for_each(|i| {
            let [page, kit] = self.case_pages(i, &cards[i])?;
            out.put(page);
            out.put(kit);
            Ok(())
        })?;

        out.put(self.home(&cards)?);
        out.put(self.overview()?);
        for kind in TaxonomyKind::ALL {
            self.taxonomy(kind, &cards, out)?;
        }
        for page in &site.pages {
            out.put(self.free_page(page)?);
        }
        out.put(self.search_page()?);
        out.put(self.render(
            "404.html",
            "404.html".to_string(),
            &self.context("404.html"),
        )?);
        crate::book::years(site)
            .into_par_iter()
            .try_for_each(|year| {
                let files = match purpose {
                    Purpose::Publish => {
                        let has_pdf = self.views.pdfs.contains(&year);
                        self.book(year, has_pdf, &BTreeMap::new())?
                    }
                    Purpose::Check => vec![stand_in(&format!("{}index.html", book::folder(year)))],
                };
                files.into_iter().for_each(|f| out.put(f));
                Ok(())
            })?;
        self.aliases_and_short_links(out)?;
        out.put(self.feed(&cards)?);
        out.put(self.sitemap(&out.written())?);
        out.put(self.render(
            "robots.txt",
            "robots.txt".to_string(),
            &self.context("robots.txt"),
        )?);
        Ok(())
    }

    fn home(&self, cards: &[CaseCard]) -> Result<OutputFile, Diagnostic> {
        let site = self.views.site;
        let areas = self.views.term_links(TaxonomyKind::Area);
        let industries = self.views.term_links(TaxonomyKind::Industry);
        let area_terms = &site.taxonomy(TaxonomyKind::Area).terms;
        let matrix = Matrix {
            columns: industries.clone(),
            rows: area_terms
                .iter()
                .zip(&areas)
                .map(|(term, link)| MatrixRow {
                    area: link.clone(),
                    cells: site
                        .taxonomy(TaxonomyKind::Industry)
                        .terms
                        .iter()
                        .map(|industry| MatrixCell {
                            count: term
                                .cases
                                .iter()
                                .filter(|&&i| industry.cases.binary_search(&i).is_ok())
                                .count(),
                            url: format!("{}#{}", link.url, industry.slug),
                        })
                        .collect(),
                })
                .collect(),
        };
        let latest_year = site.cases.iter().map(|c| c.year).max();
        let latest: Vec<&CaseCard> = cards
            .iter()
            .filter(|c| Some(c.year) == latest_year)
            .collect();
        let mut context = self.context("");
        context.insert("areas", &areas);
        context.insert("industries", &industries);
        context.insert("years", &self.views.term_links(TaxonomyKind::Year));
        context.insert("matrix", &matrix);
        context.insert("latest_year", &latest_year);
        context.insert("latest", &latest);
        context.insert(
            "taxonomies",
            &TaxonomyKind::ALL.map(|k| self.views.taxonomy(k)),
        );
        self.render("index.html", "index.html".to_string(), &context)
    }

    /// `/overview/`: the programme in charts, each linking to the lists it
    /// counts, and the open data downloads.
    fn overview(&self) -> Result<OutputFile, Diagnostic> {
        use crate::charts::overview::{bar_chart, heat_map, trend_chart, Bar, Cell, Trend};
        let site = self.views.site;
        let views = &self.views;
        let term_url = |kind: TaxonomyKind, term: &crate::taxonomy::Term| {
            views.url(&Views::term_path(kind, term))
        };
        let bars_of = |kind: TaxonomyKind, terms: &[&crate::taxonomy::Term]| -> Vec<Bar> {
            terms
                .iter()
                .map(|t| Bar {
                    label: t.name.clone(),
                    count: t.cases.len(),
                    url: term_url(kind, t),
                })
                .collect()
        };
        let used = |kind: TaxonomyKind| -> Vec<&crate::taxonomy::Term> {
            site.taxonomy(kind)
                .terms
                .iter()
                .filter(|t| !t.cases.is_empty())
                .collect()
        };
        let describe = |bars: &[Bar]| {
            bars.iter()
                .map(|b| format!("{} {} 个", b.label, b.count))
                .collect::<Vec<_>>()
                .join("，")
        };
        let mut charts = Vec::new();
        let mut bars_section = |id: &'static str,
                                kind: TaxonomyKind,
                                title: String,
                                terms: Vec<&crate::taxonomy::Term>| {
            let bars = bars_of(kind, &terms);
            if bars.is_empty() {
                return;
            }
            charts.push(OverviewChart {
                id,
                svg: bar_chart(id, &title, &bars),
                caption: format!("{title}：{}", describe(&bars)),
                title,
                hint: None,
                list_url: Some(self.views.taxonomy(kind).url),
                list_label: format!("全部{}", kind.label()),
            });
        };
        bars_section(
            "by-area",
            TaxonomyKind::Area,
            "按遴选重点统计".into(),
            used(TaxonomyKind::Area),
        );
        bars_section(
            "by-industry",
            TaxonomyKind::Industry,
            "按行业统计".into(),
            used(TaxonomyKind::Industry),
        );
        bars_section(
            "by-district",
            TaxonomyKind::District,
            "按区统计".into(),
            used(TaxonomyKind::District),
        );
        let mut years = used(TaxonomyKind::Year);
        years.sort_by(|a, b| a.slug.cmp(&b.slug));
        bars_section(
            "by-year",
            TaxonomyKind::Year,
            "按年度统计".into(),
            years.clone(),
        );

        // Area × industry: industries down (there are many), areas across.
        let areas = used(TaxonomyKind::Area);
        let industries = used(TaxonomyKind::Industry);
        let shared =
            |a: &[usize], b: &[usize]| a.iter().filter(|i| b.binary_search(i).is_ok()).count();
        if !areas.is_empty() {
            let cells: Vec<Vec<Cell>> = industries
                .iter()
                .map(|industry| {
                    areas
                        .iter()
                        .map(|area| Cell {
                            count: shared(&area.cases, &industry.cases),
                            url: format!(
                                "{}#{}",
                                term_url(TaxonomyKind::Area, area),
                                industry.slug
                            ),
                        })
                        .collect()
                })
                .collect();
            let title = "遴选重点 × 行业".to_string();
            let svg = heat_map(
                "area-industry",
                &title,
                &industries
                    .iter()
                    .map(|t| t.name.clone())
                    .collect::<Vec<_>>(),
                &areas.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
                &cells,
            );
            charts.push(OverviewChart {
                id: "area-industry",
                caption: format!("{title}：格中数字为案例数，颜色越深案例越多"),
                title,
                hint: Some(
                    "每行一个行业，每列一个遴选重点；点击格子查看该遴选重点下这一行业的案例。",
                ),
                svg,
                list_url: None,
                list_label: String::new(),
            });
        }

        // Trends: cases per year in all and per area, oldest year first.
        if !years.is_empty() {
            let year_numbers: Vec<i64> = years.iter().filter_map(|t| t.slug.parse().ok()).collect();
            let per_year = |cases: &[usize]| -> Vec<usize> {
                years.iter().map(|y| shared(cases, &y.cases)).collect()
            };
            let all: Vec<usize> = (0..site.cases.len()).collect();
            let mut trends = vec![Trend {
                name: "合计".into(),
                counts: per_year(&all),
                url: self.views.taxonomy(TaxonomyKind::Year).url,
            }];
            trends.extend(areas.iter().map(|a| Trend {
                name: a.name.clone(),
                counts: per_year(&a.cases),
                url: term_url(TaxonomyKind::Area, a),
            }));
            let title = "历年趋势".to_string();
            let svg = trend_chart(
                "trend",
                &title,
                &year_numbers,
                years
                    .iter()
                    .map(|y| term_url(TaxonomyKind::Year, y))
                    .collect(),
                &trends,
            );
            let caption = trends
                .iter()
                .map(|t| {
                    let counts: Vec<String> = year_numbers
                        .iter()
                        .zip(&t.counts)
                        .map(|(y, c)| format!("{y}年 {c} 个"))
                        .collect();
                    format!("{}：{}", t.name, counts.join("，"))
                })
                .collect::<Vec<_>>()
                .join("；");
            charts.push(OverviewChart {
                id: "trend",
                title,
                hint: Some("每年入选的案例数，合计及各遴选重点；点击年份或线条查看相应案例。"),
                svg,
                caption,
                list_url: Some(self.views.taxonomy(TaxonomyKind::Year).url),
                list_label: "全部年度".into(),
            });
        }

        // The methods most used, and in which industries.
        let mut methods = used(TaxonomyKind::Method);
        methods.sort_by_key(|m| std::cmp::Reverse(m.cases.len()));
        methods.truncate(OVERVIEW_METHODS);
        if !methods.is_empty() {
            let bars = bars_of(TaxonomyKind::Method, &methods);
            let title = "最常用的管理方法".to_string();
            charts.push(OverviewChart {
                id: "methods",
                svg: bar_chart("methods", &title, &bars),
                caption: format!("{title}：{}", describe(&bars)),
                title,
                hint: None,
                list_url: Some(self.views.taxonomy(TaxonomyKind::Method).url),
                list_label: "全部管理方法".into(),
            });
            let method_industries: Vec<&crate::taxonomy::Term> = industries
                .iter()
                .copied()
                .filter(|i| methods.iter().any(|m| shared(&m.cases, &i.cases) > 0))
                .collect();
            let cells: Vec<Vec<Cell>> = methods
                .iter()
                .map(|m| {
                    method_industries
                        .iter()
                        .map(|i| Cell {
                            count: shared(&m.cases, &i.cases),
                            url: term_url(TaxonomyKind::Method, m),
                        })
                        .collect()
                })
                .collect();
            let title = "管理方法 × 行业".to_string();
            let svg = heat_map(
                "method-industry",
                &title,
                &methods.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
                &method_industries
                    .iter()
                    .map(|t| t.name.clone())
                    .collect::<Vec<_>>(),
                &cells,
            );
            charts.push(OverviewChart {
                id: "method-industry",
                caption: format!("{title}：格中数字为用到该方法的案例数"),
                title,
                hint: Some("常用管理方法在哪些行业得到应用；点击格子查看用到该方法的案例。"),
                svg,
                list_url: None,
                list_label: String::new(),
            });
        }

        let mut context = self.context("overview/");
        context.insert("charts", &charts);
        context.insert(
            "data",
            &OpenDataLinks {
                count: site
                    .cases
                    .iter()
                    .filter(|c| c.status.is_published())
                    .count(),
                schema: crate::data::SCHEMA,
                json: self.views.url(crate::data::JSON_PATH),
                json_schema: self.views.url(crate::data::SCHEMA_PATH),
                csv: self.views.url(crate::data::CSV_PATH),
                xlsx: self.views.url(crate::data::XLSX_PATH),
            },
        );
        self.render("overview.html", "overview/index.html".to_string(), &context)
    }

    /// The taxonomy's index page and one page per term.
    fn taxonomy(
        &self,
        kind: TaxonomyKind,
        cards: &[CaseCard],
        out: &Recorder,
    ) -> Result<(), Diagnostic> {
        out.put(self.taxonomy_index(kind)?);
        let taxonomy = self.views.site.taxonomy(kind);
        taxonomy.terms.par_iter().try_for_each(|term| {
            out.put(self.term_page(kind, term, cards)?);
            Ok(())
        })
    }

    /// The book of `year` (`compilation/{year}/index.html`) and the files
    /// of its folder; nothing when the year has no published case.
    fn book(
        &self,
        year: i64,
        has_pdf: bool,
        pages: &BTreeMap<String, usize>,
    ) -> Result<Vec<OutputFile>, Diagnostic> {
        let site = self.views.site;
        let Some(book) = crate::book::book(site, year) else {
            return Ok(Vec::new());
        };
        let stylesheet = (BOOK_STYLESHEET, self.book_css.as_slice());
        let (view, mut files) = book::view(&self.views, &book, stylesheet, has_pdf, pages)
            .map_err(|(file, message)| {
                Diagnostic::error(rules::QR_CODE, &file, message)
                    .help("二维码装不下这么长的网址：缩短 site.base_url")
            })?;
        let path = book::folder(year);
        let mut context = self.context(&path);
        context.insert("book", &view);
        files.push(self.render("compilation.html", format!("{path}index.html"), &context)?);
        Ok(files)
    }

    /// A redirect page at each alias (old links keep working) and at each
    /// case's short link `/c/{id}` (for WeChat articles, posters and QR
    /// codes): `c/{id}/index.html`, which hosts serve for `/c/{id}` when
    /// they resolve directories, and `c/{id}.html`.
    fn aliases_and_short_links(&self, out: &Recorder) -> Result<(), Diagnostic> {
        self.views.site.cases.par_iter().try_for_each(|case| {
            let aliases = self.case_aliases(case)?;
            let short_links = self.case_short_links(case)?;
            aliases
                .into_iter()
                .chain(short_links)
                .for_each(|f| out.put(f));
            Ok(())
        })
    }

    fn feed(&self, cards: &[CaseCard]) -> Result<OutputFile, Diagnostic> {
        let site = self.views.site;
        let mut order: Vec<usize> = (0..site.cases.len()).collect();
        let updated_of = |i: usize| {
            let case = &site.cases[i];
            case.date
                .map(|d| d.format("%Y-%m-%dT00:00:00+08:00").to_string())
                .unwrap_or_else(|| format!("{}-12-31T00:00:00+08:00", case.year))
        };
        order.sort_by(|&a, &b| {
            updated_of(b)
                .cmp(&updated_of(a))
                .then_with(|| site.cases[a].id.cmp(&site.cases[b].id))
        });
        let entries: Vec<FeedEntry> = order
            .iter()
            .take(FEED_ENTRIES)
            .map(|&i| FeedEntry {
                title: cards[i].title.clone(),
                url: self.views.permalink(&Views::case_path(&site.cases[i])),
                enterprise: cards[i].enterprise.clone(),
                summary: crate::text::excerpt(&site.cases[i].body.summary, 200),
                updated: updated_of(i),
            })
            .collect();
        let mut context = self.context("atom.xml");
        context.insert(
            "updated",
            &entries
                .first()
                .map_or("2000-01-01T00:00:00+08:00".to_string(), |e| {
                    e.updated.clone()
                }),
        );
        context.insert("entries", &entries);
        self.render("atom.xml", "atom.xml".to_string(), &context)
    }

    /// Every HTML page except the 404 and redirects, sorted.
    fn sitemap(&self, files: &[Written]) -> Result<OutputFile, Diagnostic> {
        let alias_paths: Vec<String> = self
            .views
            .site
            .cases
            .iter()
            .flat_map(|c| {
                c.aliases
                    .iter()
                    .map(|a| a.trim_start_matches('/').to_string())
            })
            .collect();
        let mut locs: Vec<String> = files
            .iter()
            .filter(|f| {
                f.path.ends_with("index.html")
                    && !f.path.starts_with("c/")
                    && !f.path.ends_with("/share/index.html")
            })
            .map(|f| f.path.trim_end_matches("index.html").to_string())
            .filter(|p| {
                !alias_paths
                    .iter()
                    .any(|a| a.trim_end_matches('/') == p.trim_end_matches('/'))
            })
            .collect();
        locs.sort();
        let entries: Vec<SitemapEntry> = locs
            .iter()
            .map(|p| SitemapEntry {
                loc: self.views.permalink(p),
            })
            .collect();
        let mut context = self.context("sitemap.xml");
        context.insert("entries", &entries);
        self.render("sitemap.xml", "sitemap.xml".to_string(), &context)
    }
}

/// The short link of a case, below the site's base: `c/{id}`.
pub fn short_link_path(id: &str) -> String {
    format!("c/{id}")
}

/// The files that serve a case's short link.
fn short_link_files(id: &str) -> [String; 2] {
    let short = short_link_path(id);
    [format!("{short}/index.html"), format!("{short}.html")]
}
