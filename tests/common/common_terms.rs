//! A generated site big enough for every form the search export gives a
//! common term (src/search/export.rs: a term in more than 256 cases sends
//! its best 256 and its membership as a bitmap, a list of cases or a list
//! of the cases without it), and an oracle that reads its Markdown.
//!
//! A list of cases beats a bitmap only when the term is in fewer than one
//! case in six, and it must be in more than 256: so the site needs more
//! than 1,542 published cases. [`generate`] writes 1,680 short ones (and a
//! few unpublished), deterministically from a seed: 质量 in all but 30
//! (absent-list), 检测 in half (bitmap), 稀土 in 262 (list), 管理 in every
//! section heading (everywhere), 精益 and 西格玛 rarer. Filler text uses
//! none of those characters.
//!
//! [`expected`] is the oracle: which published cases hold every bigram of
//! every query word in their Markdown (title, enterprise, methods, body),
//! and match the facets, read from the files with no Casebook code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const PUBLISHED: usize = 1_680;
const UNPUBLISHED: usize = 24;
pub const SEED: u64 = 0x5eed_1915;

/// (name, slug) as in tests/fixtures/basic/casebook.toml.
const AREAS: [(&str, &str); 3] = [
    ("促进产业高质量发展", "industrial-quality"),
    ("促进中小企业质量提升", "sme-quality"),
    ("其他", "other"),
];
const INDUSTRIES: [(&str, &str); 4] = [
    ("集成电路", "integrated-circuits"),
    ("汽车", "automotive"),
    ("电子信息", "electronic-information"),
    ("生物医药", "biomedicine"),
];
const DISTRICTS: [(&str, &str); 3] = [
    ("浦东新区", "pudong"),
    ("嘉定区", "jiading"),
    ("松江区", "songjiang"),
];
const YEARS: [i64; 4] = [2021, 2022, 2023, 2024];

/// Filler characters: none of 质量检测稀土管理精益西格玛钨钢.
const FILLER: &str = "春夏秋冬山川河流风雨雷电花草树木金银铜铁日月星辰江湖海洋云雾霜雪";

/// splitmix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `k` distinct numbers below `n`.
    fn sample(&mut self, n: usize, k: usize) -> Vec<bool> {
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, self.below(i + 1));
        }
        let mut chosen = vec![false; n];
        for &i in &order[..k] {
            chosen[i] = true;
        }
        chosen
    }

    fn filler(&mut self, chars: usize) -> String {
        let filler: Vec<char> = FILLER.chars().collect();
        (0..chars)
            .map(|_| filler[self.below(filler.len())])
            .collect()
    }
}

/// Writes the site into `root` (casebook.toml from the basic fixture).
pub fn generate(root: &Path, seed: u64) {
    let mut rng = Rng(seed);
    std::fs::create_dir_all(root.join("content/cases")).unwrap();
    std::fs::copy(
        super::fixture("basic").join("casebook.toml"),
        root.join("casebook.toml"),
    )
    .unwrap();
    let n = PUBLISHED;
    let quality = rng.sample(n, n - 30).into_iter();
    let testing = rng.sample(n, n / 2);
    let rare_earth = rng.sample(n, 262);
    let lean = rng.sample(n, 120);
    let sigma = rng.sample(n, 40);
    let mut numbers = BTreeMap::new();
    for (i, quality) in quality
        .chain(std::iter::repeat_n(true, UNPUBLISHED))
        .enumerate()
    {
        let published = i < n;
        let has = |set: &[bool]| !published || set[i];
        let year = YEARS[rng.below(YEARS.len())];
        let number = numbers.entry(year).or_insert(0);
        *number += 1;
        let id = format!("{year}-{:03}", *number);
        let mut words: Vec<&str> = Vec::new();
        if quality {
            words.push("质量");
        }
        for (word, set) in [("检测", &testing), ("稀土", &rare_earth)] {
            if has(set) {
                words.push(word);
            }
        }
        if has(&sigma) {
            words.push("西格玛");
        }
        if !published {
            words.push("钨钢");
        }
        let methods = if has(&lean) { "[精益]" } else { "[]" };
        let status = match (published, i % 3) {
            (true, 0) => "national",
            (true, _) => "approved",
            (false, 0) => "draft",
            (false, 1) => "rejected",
            (false, _) => "submitted",
        };
        let case = case_file(&mut rng, &id, i, status, methods, &words);
        let dir = root.join(format!("content/cases/{year}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{id}.md")), case).unwrap();
    }
}

/// One case's Markdown: the designed words spread over its title and
/// sections, one to three times each, between filler.
fn case_file(
    rng: &mut Rng,
    id: &str,
    i: usize,
    status: &str,
    methods: &str,
    words: &[&str],
) -> String {
    let year = &id[..4];
    let (area, _) = AREAS[rng.below(AREAS.len())];
    let (industry, _) = INDUSTRIES[rng.below(INDUSTRIES.len())];
    let (district, _) = DISTRICTS[rng.below(DISTRICTS.len())];
    let mut sections: [String; 4] = Default::default();
    let mut title_word = "";
    for &word in words {
        if title_word.is_empty() && rng.below(8) == 0 {
            title_word = word;
        }
        for _ in 0..1 + rng.below(3) {
            let section = rng.below(4);
            let length = 2 + rng.below(6);
            let text = format!("{}{word}，", rng.filler(length));
            sections[section].push_str(&text);
        }
    }
    let mut body = String::new();
    for (heading, text) in [
        "摘要",
        "企业概况",
        "管理方法（技术）的推进和应用情况",
        "管理方法（技术）的实施效果",
    ]
    .iter()
    .zip(sections)
    {
        body.push_str(&format!("## {heading}\n\n{text}{}。\n\n", rng.filler(12)));
    }
    format!(
        "---\nid: \"{id}\"\ntitle: 第{i}号{title_word}案例的经验\nenterprise:\n  name: 上海第{i}号试验有限公司\n\
         year: {year}\npriority_area: {area}\nindustry: {industry}\ndistrict: {district}\n\
         methods: {methods}\nstatus: {status}\n---\n{body}"
    )
}

/// A case as the oracle reads it from its Markdown.
struct Read {
    id: String,
    text: String,
    fields: BTreeMap<String, String>,
}

/// Every case file under `root`, read line by line.
fn read_cases(root: &Path) -> Vec<Read> {
    let mut files: Vec<PathBuf> = Vec::new();
    for year in std::fs::read_dir(root.join("content/cases")).unwrap() {
        for file in std::fs::read_dir(year.unwrap().path()).unwrap() {
            files.push(file.unwrap().path());
        }
    }
    files
        .iter()
        .map(|path| {
            let source = std::fs::read_to_string(path).unwrap();
            let (front, body) = source[4..].split_once("\n---\n").unwrap();
            let fields: BTreeMap<String, String> = front
                .lines()
                .filter_map(|line| line.trim().split_once(": "))
                .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
                .collect();
            let text = [
                fields["title"].as_str(),
                fields["name"].as_str(),
                fields["methods"].as_str(),
                body,
            ]
            .join("\n");
            Read {
                id: fields["id"].clone(),
                text,
                fields,
            }
        })
        .collect()
}

/// One query of the end-to-end tests: its words, and its facets as the
/// search page's parameters (`area`=slug …).
pub struct Query {
    pub q: &'static str,
    pub facets: &'static [(&'static str, &'static str)],
}

pub const QUERIES: &[Query] = &[
    Query {
        q: "质量",
        facets: &[],
    },
    Query {
        q: "管理",
        facets: &[],
    },
    Query {
        q: "检测",
        facets: &[],
    },
    Query {
        q: "稀土",
        facets: &[],
    },
    Query {
        q: "质",
        facets: &[],
    },
    Query {
        q: "西格玛",
        facets: &[],
    },
    Query {
        q: "质量 管理",
        facets: &[],
    },
    Query {
        q: "检测 稀土",
        facets: &[],
    },
    Query {
        q: "质量 精益",
        facets: &[],
    },
    Query {
        q: "管理 西格玛",
        facets: &[],
    },
    Query {
        q: "质量检测",
        facets: &[],
    },
    Query {
        q: "检测",
        facets: &[("area", "industrial-quality")],
    },
    Query {
        q: "质量",
        facets: &[("year", "2023")],
    },
    Query {
        q: "稀土",
        facets: &[("industry", "automotive"), ("district", "jiading")],
    },
    Query {
        q: "质量 检测 稀土",
        facets: &[("district", "songjiang")],
    },
    Query {
        q: "",
        facets: &[("year", "2022")],
    },
    Query {
        q: "管理",
        facets: &[("area", "other"), ("year", "2024")],
    },
    Query {
        q: "钨钢",
        facets: &[],
    },
];

/// Whether a case's front matter names the facet `key`=`slug`.
fn has_facet(case: &Read, key: &str, slug: &str) -> bool {
    let (field, table): (&str, &[(&str, &str)]) = match key {
        "area" => ("priority_area", &AREAS),
        "industry" => ("industry", &INDUSTRIES),
        "district" => ("district", &DISTRICTS),
        _ => return case.fields["year"] == slug,
    };
    table
        .iter()
        .any(|&(name, s)| s == slug && case.fields[field] == name)
}

/// The ids of the published cases matching `query`, sorted.
fn matching(cases: &[Read], query: &Query) -> Vec<String> {
    let mut ids: Vec<String> = cases
        .iter()
        .filter(|c| matches!(c.fields["status"].as_str(), "approved" | "national"))
        .filter(|c| {
            query.q.split_whitespace().all(|word| {
                let chars: Vec<char> = word.chars().collect();
                let grams: Vec<String> = if chars.len() == 1 {
                    vec![word.to_string()]
                } else {
                    chars.windows(2).map(|w| w.iter().collect()).collect()
                };
                grams.iter().all(|g| c.text.contains(g.as_str()))
            })
        })
        .filter(|c| query.facets.iter().all(|&(k, v)| has_facet(c, k, v)))
        .map(|c| c.id.clone())
        .collect();
    ids.sort();
    ids
}

/// The queries with their expected ids, as JSON for the JS tests:
/// `[{q, params, facet_terms, ids}]`.
pub fn expected(root: &Path) -> serde_json::Value {
    let cases = read_cases(root);
    let prefix = |key: &str| match key {
        "area" => "a",
        "industry" => "i",
        "district" => "d",
        _ => "y",
    };
    QUERIES
        .iter()
        .map(|query| {
            serde_json::json!({
                "q": query.q,
                "params": query.facets.iter().map(|&(k, v)| (k, v)).collect::<BTreeMap<_, _>>(),
                "facet_terms": query.facets.iter().map(|&(k, v)| format!("#{}:{v}", prefix(k))).collect::<Vec<_>>(),
                "ids": matching(&cases, query),
            })
        })
        .collect()
}

/// The generated site, built with `casebook build`, and the oracle's
/// answers written beside it as `expected.json`.
pub struct Prepared {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
    pub out: PathBuf,
    pub expected: PathBuf,
}

pub fn prepare() -> Prepared {
    let dir = super::temp_dir();
    let root = dir.path().join("site");
    let out = dir.path().join("out");
    generate(&root, SEED);
    let built = super::casebook([
        "build".as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        built.status.success(),
        "the generated site builds:\n{}",
        super::stderr(&built)
    );
    let expected = dir.path().join("expected.json");
    std::fs::write(&expected, expected_json(&root)).unwrap();
    Prepared {
        dir,
        root,
        out,
        expected,
    }
}

fn expected_json(root: &Path) -> String {
    serde_json::to_string_pretty(&expected(root)).unwrap()
}
