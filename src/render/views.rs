//! View models: the values templates see. List pages get light
//! [`CaseCard`]s (title, enterprise, a short summary), never a case's full
//! HTML, so that memory stays flat however many lists a case appears in.

use serde::Serialize;

use crate::content::{Case, Metric, Status};
use crate::site::Site;
use crate::taxonomy::{TaxonomyKind, Term};
use crate::text::{clause_excerpt, reading_minutes, sentence_excerpt};
use crate::urls;

/// Characters of abstract shown on cards.
const CARD_SUMMARY_CHARS: usize = 90;
/// Characters of abstract used for the page description (share cards).
const DESCRIPTION_CHARS: usize = 120;

#[derive(Serialize, Clone)]
pub struct SiteView {
    pub title: String,
    pub short_title: String,
    pub description: String,
    pub base_url: String,
    pub base_path: String,
    pub language: String,
    pub publisher: String,
    pub editor: String,
    pub drafts: bool,
    pub case_count: usize,
    pub enterprise_count: usize,
    pub year_count: usize,
    pub district_count: usize,
    pub latest_year: Option<i64>,
    pub areas: Vec<TermLink>,
    pub pages: Vec<Link>,
    /// The annual books, newest first.
    pub books: Vec<BookLink>,
    /// The footer's 主办/承办单位 and filings, when configured.
    pub identity: Option<IdentityView>,
}

/// `[site.identity]` as the footer shows it: values trimmed, empty ones
/// left out, the filing numbers with their links.
#[derive(Serialize, Clone)]
pub struct IdentityView {
    pub sponsor: Option<String>,
    pub organizer: Option<String>,
    pub icp: Option<String>,
    pub icp_url: &'static str,
    pub police: Option<String>,
    pub police_url: Option<String>,
    pub site_code: Option<String>,
    pub contact: Option<String>,
}

impl IdentityView {
    pub fn new(identity: &crate::config::IdentityConfig) -> Option<IdentityView> {
        let value = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        (!identity.is_empty()).then(|| IdentityView {
            sponsor: value(&identity.sponsor),
            organizer: value(&identity.organizer),
            icp: value(&identity.icp),
            icp_url: crate::config::ICP_URL,
            police: value(&identity.police),
            police_url: identity.police_url(),
            site_code: value(&identity.site_code),
            contact: value(&identity.contact),
        })
    }
}

/// How the Markdown renderer labels a figure's number (图N).
pub const FIGURE_LABEL: &str = "<span class=\"label\">图";

/// A link to a year's book (and its PDF, when one was printed).
#[derive(Serialize, Clone)]
pub struct BookLink {
    pub year: i64,
    pub title: String,
    pub url: String,
    pub pdf_url: Option<String>,
}

#[derive(Serialize, Clone)]
pub struct Link {
    pub title: String,
    pub url: String,
}

#[derive(Serialize, Clone)]
pub struct TermLink {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Serialize, Clone)]
pub struct TaxonomyView {
    pub key: &'static str,
    pub label: &'static str,
    pub url: String,
}

#[derive(Serialize, Clone)]
pub struct CaseCard {
    pub id: String,
    pub url: String,
    pub title: String,
    pub enterprise: String,
    pub year: i64,
    pub area: String,
    pub industry: String,
    pub district: Option<String>,
    pub methods: Vec<String>,
    pub summary: String,
    pub national: bool,
    pub draft: bool,
    /// The headline figure computed from the first metric, if any.
    pub headline: Option<HeadlineView>,
}

/// A case's headline figure as cards show it.
#[derive(Serialize, Clone)]
pub struct HeadlineView {
    pub text: String,
    /// Ahead of the benchmark (or competitor) in the last year.
    pub ahead: Option<bool>,
    pub improved: bool,
}

#[derive(Serialize)]
pub struct Group {
    pub name: String,
    pub anchor: String,
    pub count: usize,
    pub cases: Vec<CaseCard>,
}

#[derive(Clone, Serialize)]
pub struct MetricRow {
    pub year: i64,
    pub value: String,
    pub competitor: Option<String>,
    pub benchmark: Option<String>,
}

#[derive(Clone, Serialize)]
pub struct MetricView {
    /// Anchor of the figure on the case page (`metric-1` …).
    pub anchor: String,
    /// The chart, inline SVG built by `charts` (escaped there).
    pub svg: String,
    pub caption: String,
    pub name: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub has_competitor: bool,
    pub has_benchmark: bool,
    pub rows: Vec<MetricRow>,
}

#[derive(Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub anchor: String,
    pub text: String,
}

#[derive(Serialize)]
pub struct CaseView<'v> {
    #[serde(flatten)]
    pub card: CaseCard,
    pub permalink: String,
    pub description: String,
    pub enterprise_profile: crate::content::Enterprise,
    pub area_link: TermLink,
    pub industry_link: TermLink,
    pub district_link: Option<TermLink>,
    pub year_url: String,
    pub method_links: Vec<TermLink>,
    pub technologies: Vec<String>,
    pub honors: Vec<String>,
    pub status: Status,
    pub status_label: &'static str,
    pub cohort: Option<String>,
    pub recommender: Option<String>,
    pub cover_url: Option<String>,
    pub metrics: Vec<MetricView>,
    /// Figures in the body: the metric charts, which follow it, continue
    /// their numbering (图N+1 …), one sequence as in the book.
    pub figures_before: usize,
    pub html: &'v str,
    pub toc: Vec<TocEntry>,
    pub chars: usize,
    pub reading_minutes: usize,
    pub figures: usize,
    pub tables: usize,
    pub prev: Option<Link>,
    pub next: Option<Link>,
}

pub use crate::text::format_number;

impl MetricView {
    /// The view of `metric`, the `number`th (from 1) of case `case_id`.
    /// Its table's numbers share one number of decimals, and are grouped
    /// in thousands when `grouped` (the case's prose writes them so).
    pub fn new(metric: &Metric, case_id: &str, number: usize, grouped: bool) -> MetricView {
        let places = [&metric.values, &metric.competitor, &metric.benchmark]
            .iter()
            .flat_map(|s| s.iter())
            .map(|v| crate::text::decimals(*v))
            .max()
            .unwrap_or(0);
        let show = |v: f64| crate::text::format_table_number(v, places, grouped);
        let at = |series: &[f64], i: usize| series.get(i).map(|v| show(*v));
        let anchor = format!("metric-{number}");
        let figure =
            crate::charts::metric_figure(metric, &crate::charts::chart_id(case_id, number));
        MetricView {
            anchor,
            svg: figure.svg,
            caption: figure.caption,
            name: metric.name.clone(),
            unit: metric.unit.clone(),
            higher_is_better: metric.higher_is_better,
            has_competitor: !metric.competitor.is_empty(),
            has_benchmark: !metric.benchmark.is_empty(),
            rows: metric
                .years
                .iter()
                .enumerate()
                .map(|(i, year)| MetricRow {
                    year: *year,
                    value: show(metric.values[i]),
                    competitor: at(&metric.competitor, i),
                    benchmark: at(&metric.benchmark, i),
                })
                .collect(),
        }
    }
}

/// Builds views from the site, with URLs under the base path.
pub struct Views<'s> {
    pub site: &'s Site<'s>,
    /// Years whose book has a printed PDF in the output.
    pub pdfs: Vec<i64>,
    /// The cases' QR codes (by case index), encoded once for the QR files
    /// and the books.
    pub qr: super::qr::Codes,
}

impl<'s> Views<'s> {
    pub fn new(site: &'s Site<'s>, pdfs: &[i64]) -> Views<'s> {
        Views {
            site,
            pdfs: pdfs.to_vec(),
            qr: super::qr::Codes::new(site.cases.len()),
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.site.urls.link(path)
    }

    pub fn permalink(&self, path: &str) -> String {
        self.site.urls.permalink(path)
    }

    /// The views of case `index`'s metrics, numbered from 1. Drawn again
    /// for each use rather than kept: all cases' charts would add ~100 MB
    /// to a 10,000-case build's peak, to save 2% of its time.
    pub fn metric_views(&self, index: usize) -> Vec<MetricView> {
        let case = &self.site.cases[index];
        let grouped = crate::text::uses_thousands_separators(&case.body.html);
        case.metrics
            .iter()
            .enumerate()
            .map(|(i, m)| MetricView::new(m, &case.id, i + 1, grouped))
            .collect()
    }

    pub fn case_path(case: &Case) -> String {
        urls::case(&case.id)
    }

    pub fn term_path(kind: TaxonomyKind, term: &Term) -> String {
        urls::term(kind, &term.slug)
    }

    pub fn term_link(&self, kind: TaxonomyKind, term: &Term) -> TermLink {
        TermLink {
            name: term.name.clone(),
            slug: term.slug.clone(),
            url: self.url(&Self::term_path(kind, term)),
            count: term.cases.len(),
            description: term.description.clone(),
        }
    }

    pub fn taxonomy(&self, kind: TaxonomyKind) -> TaxonomyView {
        TaxonomyView {
            key: kind.path(),
            label: kind.label(),
            url: self.url(&urls::taxonomy(kind)),
        }
    }

    pub fn site_view(&self) -> SiteView {
        let site = self.site;
        let config = &site.config.site;
        let mut enterprises: Vec<&str> = site
            .cases
            .iter()
            .map(|c| c.enterprise.name.as_str())
            .collect();
        enterprises.sort_unstable();
        enterprises.dedup();
        let mut districts: Vec<usize> = site.cases.iter().filter_map(|c| c.district).collect();
        districts.sort_unstable();
        districts.dedup();
        let years = site.taxonomy(TaxonomyKind::Year);
        SiteView {
            title: config.title.clone(),
            short_title: config
                .short_title
                .clone()
                .unwrap_or_else(|| config.title.clone()),
            description: config.description.clone(),
            base_url: self.site.urls.base_url().to_string(),
            base_path: self.site.urls.base_path().to_string(),
            language: config.language.clone(),
            publisher: config.publisher.clone(),
            editor: config.editor.clone(),
            drafts: site.drafts,
            case_count: site.cases.len(),
            enterprise_count: enterprises.len(),
            year_count: years.terms.len(),
            district_count: districts.len(),
            latest_year: site.cases.iter().map(|c| c.year).max(),
            areas: self.term_links(TaxonomyKind::Area),
            books: crate::book::years(site)
                .into_iter()
                .rev()
                .filter_map(|year| self.book_link(year))
                .collect(),
            pages: site
                .pages
                .iter()
                .map(|p| Link {
                    title: p.title.clone(),
                    url: self.url(&urls::page(&p.slug)),
                })
                .collect(),
            identity: config.identity.as_ref().and_then(IdentityView::new),
        }
    }

    /// The link to the book of `year`, if the year has one.
    pub fn book_link(&self, year: i64) -> Option<BookLink> {
        // Drafts (in `--drafts` previews) never make a book.
        self.site
            .cases
            .iter()
            .any(|c| c.year == year && c.status.is_published())
            .then(|| BookLink {
                year,
                title: crate::book::title(year),
                url: self.url(&urls::book(year)),
                pdf_url: self
                    .pdfs
                    .contains(&year)
                    .then(|| self.url(&urls::book_pdf(year))),
            })
    }

    pub fn term_links(&self, kind: TaxonomyKind) -> Vec<TermLink> {
        self.site
            .taxonomy(kind)
            .terms
            .iter()
            .map(|t| self.term_link(kind, t))
            .collect()
    }

    pub fn card(&self, case: &Case) -> CaseCard {
        let config = self.site.config;
        CaseCard {
            id: case.id.clone(),
            url: self.url(&Self::case_path(case)),
            title: case.title.clone(),
            enterprise: case.enterprise.name.clone(),
            year: case.year,
            area: config.priority_areas[case.area].name.clone(),
            industry: config.industries[case.industry].name.clone(),
            district: case.district.map(|d| config.districts[d].name.clone()),
            methods: case.methods.clone(),
            summary: clause_excerpt(&case.body.summary, CARD_SUMMARY_CHARS),
            national: case.status == Status::National,
            draft: !case.status.is_published(),
            headline: crate::charts::case_headline(&case.metrics).map(|h| HeadlineView {
                ahead: h.versus.as_ref().map(|v| v.ahead),
                improved: h.improved,
                text: h.text,
            }),
        }
    }

    fn find_term_link(&self, kind: TaxonomyKind, name: &str) -> Option<TermLink> {
        self.site
            .taxonomy(kind)
            .term_by_name(name)
            .map(|t| self.term_link(kind, t))
    }

    /// The full view of case `index`, with its neighbours in book order
    /// within its priority area.
    pub fn case_view(&self, index: usize, card: CaseCard) -> CaseView<'_> {
        let site = self.site;
        let case = &site.cases[index];
        let config = site.config;
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| site.cases.get(i))
                .filter(|other| other.area == case.area)
                .map(|other| Link {
                    title: other.title.clone(),
                    url: self.url(&Self::case_path(other)),
                })
        };
        let area = &config.priority_areas[case.area].name;
        let industry = &config.industries[case.industry].name;
        CaseView {
            permalink: self.permalink(&Self::case_path(case)),
            description: sentence_excerpt(&case.body.summary, DESCRIPTION_CHARS),
            enterprise_profile: case.enterprise.clone(),
            area_link: self
                .find_term_link(TaxonomyKind::Area, area)
                .expect("area term exists"),
            industry_link: self
                .find_term_link(TaxonomyKind::Industry, industry)
                .expect("industry term exists"),
            district_link: case.district.and_then(|d| {
                self.find_term_link(TaxonomyKind::District, &config.districts[d].name)
            }),
            year_url: self.url(&format!("years/{}/", case.year)),
            method_links: case
                .methods
                .iter()
                .filter_map(|m| {
                    let folded = crate::text::fold_width(m);
                    self.site
                        .taxonomy(TaxonomyKind::Method)
                        .terms
                        .iter()
                        .find(|t| crate::text::fold_width(&t.name) == folded)
                        .map(|t| self.term_link(TaxonomyKind::Method, t))
                })
                .collect(),
            technologies: case.technologies.clone(),
            honors: case.honors.clone(),
            status: case.status,
            status_label: case.status.label(),
            cohort: case.cohort.clone(),
            recommender: case.recommender.clone(),
            cover_url: case.cover.as_ref().map(|c| {
                self.url(&format!(
                    "{}{}",
                    Self::case_path(case),
                    c.trim_start_matches("./")
                ))
            }),
            metrics: self.metric_views(index),
            figures_before: case.body.html.matches(FIGURE_LABEL).count(),
            html: &case.body.html,
            toc: case
                .body
                .headings
                .iter()
                .filter(|h| h.level == 2)
                .map(|h| TocEntry {
                    level: h.level,
                    anchor: h.anchor.clone(),
                    text: h.text.clone(),
                })
                .collect(),
            chars: case.body.chars,
            reading_minutes: reading_minutes(case.body.chars),
            figures: case.body.figures,
            tables: case.body.tables,
            prev: neighbour(index.checked_sub(1)),
            next: neighbour(Some(index + 1)),
            card,
        }
    }
}
