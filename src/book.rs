//! The annual compilation's model (年度"质量标杆"经验/案例汇编): which cases
//! make a year's book and in what order (parts by priority area in
//! configured order, within a part by industry in configured order, then by
//! id), and its indices (by industry, by district, by enterprise name in
//! pinyin order). Derived from the published site only, so nothing
//! unpublished can reach a book; reads and writes nothing. `render` turns a
//! [`Book`] into HTML; `cmd::compile` writes it and prints it to PDF.
//!
//! On the web a book is read in chapters ([`chapters`]): each part is a
//! chapter, and a part of more than [`CHAPTER_CASES`] cases is cut into
//! chapters of nearly equal length, in reading order, so no page of the web
//! book grows with the year (a case is about 40 KB of HTML in the book).

use pinyin::ToPinyin;

use crate::content::Preface;
use crate::site::Site;

/// One year's book.
pub struct Book<'s> {
    pub year: i64,
    pub preface: Option<&'s Preface>,
    /// Non-empty parts in configured area order.
    pub parts: Vec<Part>,
    /// Every case of the book in reading order (indices into `site.cases`);
    /// a case's number in the book is its position here plus one.
    pub cases: Vec<usize>,
    pub indices: [Index; 3],
}

/// A part of the book: the cases of one priority area.
pub struct Part {
    /// Index into `config.priority_areas`.
    pub area: usize,
    /// Industries in configured order, each with its cases by id.
    pub groups: Vec<Group>,
}

pub struct Group {
    /// Index into `config.industries`.
    pub industry: usize,
    pub cases: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    Industry,
    District,
    Enterprise,
}

impl IndexKind {
    pub fn title(self) -> &'static str {
        match self {
            IndexKind::Industry => "按行业索引",
            IndexKind::District => "按区索引",
            IndexKind::Enterprise => "按企业名称索引（以汉语拼音为序）",
        }
    }

    pub fn anchor(self) -> &'static str {
        match self {
            IndexKind::Industry => "index-industry",
            IndexKind::District => "index-district",
            IndexKind::Enterprise => "index-enterprise",
        }
    }
}

pub struct Index {
    pub kind: IndexKind,
    pub entries: Vec<IndexEntry>,
}

/// One heading of an index (an industry, a district, an enterprise) and
/// its cases in reading order.
pub struct IndexEntry {
    pub name: String,
    pub cases: Vec<usize>,
}

/// The most cases a chapter of the web book holds: a dozen cases are
/// about half a megabyte of HTML, under the web book's 1 MB a page.
pub const CHAPTER_CASES: usize = 12;

/// A page of the web book: a part, or a run of a long part's cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chapter {
    /// Index into [`Book::parts`].
    pub part: usize,
    /// Its number within its part, from 1.
    pub number: usize,
    /// How many chapters its part has.
    pub of: usize,
    /// Its cases in reading order (indices into `site.cases`).
    pub cases: Vec<usize>,
}

/// The chapters of `book`, in reading order: every case in exactly one.
/// A part of `n` cases is cut into `ceil(n / CHAPTER_CASES)` chapters whose
/// lengths differ by one at most (the longer first).
pub fn chapters(book: &Book) -> Vec<Chapter> {
    let mut chapters = Vec::new();
    for (p, part) in book.parts.iter().enumerate() {
        let cases: Vec<usize> = part
            .groups
            .iter()
            .flat_map(|g| g.cases.iter().copied())
            .collect();
        let of = cases.len().div_ceil(CHAPTER_CASES).max(1);
        let (short, longer) = (cases.len() / of, cases.len() % of);
        let mut rest = cases.as_slice();
        for k in 0..of {
            let (these, after) = rest.split_at(short + usize::from(k < longer));
            rest = after;
            chapters.push(Chapter {
                part: p,
                number: k + 1,
                of,
                cases: these.to_vec(),
            });
        }
    }
    chapters
}

/// Label of the district index entry for cases without a district.
pub const NO_DISTRICT: &str = "未注明区";

/// The book's title.
pub fn title(year: i64) -> String {
    format!("{year}年度“质量标杆”典型经验案例汇编")
}

/// Years that have a book (at least one published case, drafts never
/// counting), oldest first.
pub fn years(site: &Site) -> Vec<i64> {
    let mut years: Vec<i64> = site
        .cases
        .iter()
        .filter(|c| c.status.is_published())
        .map(|c| c.year)
        .collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// The book of `year`, or `None` when no published case belongs to it.
pub fn book<'s>(site: &'s Site, year: i64) -> Option<Book<'s>> {
    let config = site.config;
    // `--drafts` previews hold drafts too: a book never does.
    let in_year: Vec<usize> = (0..site.cases.len())
        .filter(|&i| site.cases[i].year == year && site.cases[i].status.is_published())
        .collect();
    if in_year.is_empty() {
        return None;
    }
    let mut parts: Vec<Part> = Vec::new();
    for area in 0..config.priority_areas.len() {
        let groups: Vec<Group> = (0..config.industries.len())
            .filter_map(|industry| {
                let mut cases: Vec<usize> = in_year
                    .iter()
                    .copied()
                    .filter(|&i| site.cases[i].area == area && site.cases[i].industry == industry)
                    .collect();
                cases.sort_by(|&a, &b| site.cases[a].id.cmp(&site.cases[b].id));
                (!cases.is_empty()).then_some(Group { industry, cases })
            })
            .collect();
        if !groups.is_empty() {
            parts.push(Part { area, groups });
        }
    }
    let cases: Vec<usize> = parts
        .iter()
        .flat_map(|p| p.groups.iter().flat_map(|g| g.cases.iter().copied()))
        .collect();
    let position = |i: &usize| cases.iter().position(|c| c == i).unwrap_or(usize::MAX);

    let industry_index = (0..config.industries.len())
        .filter_map(|industry| {
            let members: Vec<usize> = cases
                .iter()
                .copied()
                .filter(|&i| site.cases[i].industry == industry)
                .collect();
            (!members.is_empty()).then(|| IndexEntry {
                name: config.industries[industry].name.clone(),
                cases: members,
            })
        })
        .collect();
    let mut district_index: Vec<IndexEntry> = (0..config.districts.len())
        .filter_map(|district| {
            let members: Vec<usize> = cases
                .iter()
                .copied()
                .filter(|&i| site.cases[i].district == Some(district))
                .collect();
            (!members.is_empty()).then(|| IndexEntry {
                name: config.districts[district].name.clone(),
                cases: members,
            })
        })
        .collect();
    let without: Vec<usize> = cases
        .iter()
        .copied()
        .filter(|&i| site.cases[i].district.is_none())
        .collect();
    if !without.is_empty() {
        district_index.push(IndexEntry {
            name: NO_DISTRICT.to_string(),
            cases: without,
        });
    }
    let mut names: Vec<&str> = cases
        .iter()
        .map(|&i| site.cases[i].enterprise.name.as_str())
        .collect();
    names.sort_by_cached_key(|name| (pinyin_key(name), name.to_string()));
    names.dedup();
    let enterprise_index = names
        .into_iter()
        .map(|name| {
            let mut members: Vec<usize> = cases
                .iter()
                .copied()
                .filter(|&i| site.cases[i].enterprise.name == name)
                .collect();
            members.sort_by_key(position);
            IndexEntry {
                name: name.to_string(),
                cases: members,
            }
        })
        .collect();

    Some(Book {
        year,
        preface: site.prefaces.iter().copied().find(|p| p.year == year),
        parts,
        cases,
        indices: [
            Index {
                kind: IndexKind::Industry,
                entries: industry_index,
            },
            Index {
                kind: IndexKind::District,
                entries: district_index,
            },
            Index {
                kind: IndexKind::Enterprise,
                entries: enterprise_index,
            },
        ],
    })
}

/// Sort key that orders Chinese names the way printed indices do: by the
/// toneless pinyin of each character, syllable by syllable, then by tone;
/// Latin letters and digits sort as themselves (lowercase), before or among
/// the syllables as the alphabet says.
pub fn pinyin_key(name: &str) -> Vec<(String, u8)> {
    crate::text::fold_width(name)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| match c.to_pinyin() {
            Some(py) => {
                let tone = py
                    .with_tone_num()
                    .chars()
                    .find_map(|t| t.to_digit(10))
                    .unwrap_or(5) as u8;
                (py.plain().to_string(), tone)
            }
            None => (c.to_lowercase().collect(), 0),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book_of(parts: &[usize]) -> Book<'static> {
        let mut next = 0;
        let parts: Vec<Part> = parts
            .iter()
            .enumerate()
            .map(|(area, &n)| {
                let cases: Vec<usize> = (next..next + n).collect();
                next += n;
                Part {
                    area,
                    groups: vec![Group { industry: 0, cases }],
                }
            })
            .collect();
        Book {
            year: 2023,
            preface: None,
            cases: (0..next).collect(),
            parts,
            indices: [
                IndexKind::Industry,
                IndexKind::District,
                IndexKind::Enterprise,
            ]
            .map(|kind| Index {
                kind,
                entries: Vec::new(),
            }),
        }
    }

    #[test]
    fn chapters_hold_every_case_once_and_split_long_parts_evenly() {
        let book = book_of(&[3, CHAPTER_CASES, CHAPTER_CASES + 1, 3 * CHAPTER_CASES + 2]);
        let chapters = chapters(&book);
        let walked: Vec<usize> = chapters.iter().flat_map(|c| c.cases.clone()).collect();
        assert_eq!(walked, book.cases);
        let lengths: Vec<(usize, usize, usize, usize)> = chapters
            .iter()
            .map(|c| (c.part, c.number, c.of, c.cases.len()))
            .collect();
        let half = CHAPTER_CASES / 2;
        assert_eq!(
            lengths,
            [
                (0, 1, 1, 3),
                (1, 1, 1, CHAPTER_CASES),
                (2, 1, 2, half + 1),
                (2, 2, 2, CHAPTER_CASES + 1 - (half + 1)),
                (3, 1, 4, (3 * CHAPTER_CASES + 2).div_ceil(4)),
                (3, 2, 4, (3 * CHAPTER_CASES + 2).div_ceil(4)),
                (3, 3, 4, (3 * CHAPTER_CASES + 2) / 4),
                (3, 4, 4, (3 * CHAPTER_CASES + 2) / 4),
            ]
        );
        assert!(chapters.iter().all(|c| c.cases.len() <= CHAPTER_CASES));
    }

    #[test]
    fn pinyin_orders_names_like_an_index() {
        let mut names = vec![
            "上海芯程微电子有限公司",
            "安徽某某公司",
            "北京精益科技",
            "ABB（中国）有限公司",
            "上海宝钢",
            "中芯国际",
        ];
        names.sort_by_key(|n| pinyin_key(n));
        assert_eq!(
            names,
            vec![
                "ABB（中国）有限公司",
                "安徽某某公司",
                "北京精益科技",
                "上海宝钢",
                "上海芯程微电子有限公司",
                "中芯国际",
            ]
        );
    }
}
