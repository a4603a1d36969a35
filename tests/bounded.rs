//! Bounded work for any input (issue 18, class 6): metric values from the
//! ends of f64's range, metric years out of order, tens of thousands of
//! identical headings. Each hostile site is generated at test time in a
//! copy of the basic fixture and run through the real binary: a diagnostic
//! or a build, never a panic, within a generous hang guard. SECURITY.md
//! lists what is guaranteed. (`import`'s bounds are in `tests/import.rs`.)

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Hang guard for one run (debug binary, shared CI): not a speed claim.
const BOUND: Duration = Duration::from_secs(120);

fn basic_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("basic"), &root);
    (dir, root)
}

/// An approved 2023 case of the basic fixture with `extra` front matter
/// lines and `body` after the required sections' text.
fn case(id: &str, extra: &str, body: &str) -> String {
    format!(
        "---\nid: \"{id}\"\ntitle: \"上海测试有限公司{id}应用六西格玛降低缺陷的经验\"\n\
         enterprise:\n  name: 上海测试有限公司{id}\nyear: 2023\n\
         priority_area: 促进产业高质量发展\nindustry: 集成电路\ndistrict: 浦东新区\n\
         methods: [六西格玛]\nstatus: approved\n{extra}---\n## 摘要\n\n测试公司的摘要。\n\n\
         ## 企业概况\n\n测试公司位于浦东新区。\n\n## 管理方法（技术）的推进和应用情况\n\n\
         公司推行六西格玛。\n\n{body}\n\n## 管理方法（技术）的实施效果\n\n缺陷下降。\n"
    )
}

fn metric(years: &str, values: &str, benchmark: &str) -> String {
    format!(
        "metrics:\n  - name: 一次合格率\n    unit: \"%\"\n    years: {years}\n    \
         values: {values}\n    benchmark: {benchmark}\n"
    )
}

fn write_case(root: &Path, id: &str, text: &str) -> PathBuf {
    let path = root.join(format!("content/cases/2023/{id}.md"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Run casebook within [`BOUND`]: (exit code, stdout, stderr); never a panic.
fn run_bounded(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let (out, err) = (out.join().unwrap(), err.join().unwrap());
            let code = status.code().expect("exited, not killed by a signal");
            assert!(!err.contains("panicked"), "panic:\n{err}");
            assert!(code == 0 || code == 1, "exit {code}:\n{err}");
            return (code, out, err);
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("casebook {args:?} ran longer than {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn check(root: &Path) -> (i32, Vec<Diag>) {
    let (code, out, err) = run_bounded(&[
        "check".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
    ]);
    let diags = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, diags)
}

fn build(root: &Path, out: &Path) -> (i32, String) {
    let (code, _, err) = run_bounded(&[
        "build".as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
    ]);
    (code, err)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// Values past ±1e15 (the documented bound) are `metric-invalid` at their
/// field, in `check` and `build` alike; never a panic (`1e308` with
/// `-1e308` panicked the chart's tick arithmetic, exit 101).
#[test]
fn metric_values_out_of_range_are_diagnostics_not_panics() {
    let hostile = [
        ("[1e308, -1e308, 1.0]", "values"),
        ("[-1e308, 0.0, 1e308]", "values"),
        ("[1.7976931348623157e308, 1.0, 2.0]", "values"),
        ("[2.0, -1.7976931348623157e308, 3.0]", "values"),
        ("[1e16, 1.0, 2.0]", "values"),
        ("[1.0, 2.0, -1000000000000001.0]", "values"),
    ];
    for (values, field) in hostile {
        let (_dir, root) = basic_copy();
        let text = case(
            "2023-009",
            &metric("[2021, 2022, 2023]", values, "[1, 2, 3]"),
            "",
        );
        let file = write_case(&root, "2023-009", &text);
        let (code, diags) = check(&root);
        assert_eq!(code, 1, "{values}");
        let d = diags
            .iter()
            .find(|d| d.rule == "metric-invalid" && d.file.ends_with("2023-009.md"))
            .unwrap_or_else(|| panic!("{values}: {diags:?}"));
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(d.line, line_of(&text, &format!("{field}:")), "{d:?}");
        assert!(has_cjk(&d.message) && d.help.is_some(), "{d:?}");
        let out = root.parent().unwrap().join("out");
        let (code, err) = build(&root, &out);
        assert_eq!(code, 1, "{values}: {err}");
        assert!(err.contains("metric-invalid"), "{err}");
    }
    // The benchmark series is bounded the same way.
    let (_dir, root) = basic_copy();
    let text = case(
        "2023-009",
        &metric("[2021, 2022]", "[1, 2]", "[1, -1e300]"),
        "",
    );
    write_case(&root, "2023-009", &text);
    let (_, diags) = check(&root);
    assert!(
        diags.iter().any(|d| d.rule == "metric-invalid"),
        "{diags:?}"
    );
}

/// Every finite value within the bound draws a chart: the ends of the
/// range, subnormals, negative zero, all values equal, huge beside tiny.
#[test]
fn metric_values_at_the_edges_of_the_range_build() {
    let (_dir, root) = basic_copy();
    let series = [
        "[1e15, -1e15, 0.0]",
        "[1e-308, 5e-324, -0.0]",
        "[-0.0, -0.0, -0.0]",
        "[1e15, 1e15, 1e15]",
        "[999999999999999.9, 1e-300, -1e-300]",
        "[-1e15, -999999999999999.0, -1e15]",
    ];
    for (i, values) in series.iter().enumerate() {
        let id = format!("2023-0{}", 50 + i);
        let text = case(&id, &metric("[2019, 2020, 2023]", values, values), "");
        write_case(&root, &id, &text);
    }
    let out = root.parent().unwrap().join("out");
    let (code, err) = build(&root, &out);
    assert_eq!(code, 0, "{err}");
    for (i, values) in series.iter().enumerate() {
        let page = std::fs::read_to_string(out.join(format!("cases/2023-0{}/index.html", 50 + i)));
        let page = page.unwrap();
        assert!(page.contains("<svg"), "no chart for {values}");
        assert!(!page.contains("NaN") && !page.contains("inf\""), "{values}");
    }
}

/// Metric years out of order or repeated are `metric-years` at the
/// `years` field (the headline read first → last and called a decline a
/// rise); in order they build, with the headline right.
#[test]
fn metric_years_must_increase() {
    let bad = [
        "[2023, 2021, 2022]",
        "[2021, 2021, 2022]",
        "[2022, 2023, 2023]",
        "[2023, 2022, 2021]",
        "[2020, 2022, 2021]",
    ];
    for years in bad {
        let (_dir, root) = basic_copy();
        let text = case(
            "2023-009",
            &metric(years, "[99.0, 90.0, 95.0]", "[1, 2, 3]"),
            "",
        );
        write_case(&root, "2023-009", &text);
        let (code, diags) = check(&root);
        assert_eq!(code, 1, "{years}");
        let d = diags
            .iter()
            .find(|d| d.rule == "metric-years")
            .unwrap_or_else(|| panic!("{years}: {diags:?}"));
        assert!(d.file.ends_with("2023-009.md"), "{d:?}");
        assert_eq!(d.line, line_of(&text, "years:"), "{d:?}");
        assert!(d.column > 1 && has_cjk(&d.message), "{d:?}");
    }
    // In order: the headline reads the first and last year and the fall
    // from 99 to 90 (higher is better) is a decline.
    let (_dir, root) = basic_copy();
    let text = case(
        "2023-009",
        &metric("[2019, 2021, 2023]", "[99.0, 95.0, 90.0]", "[1, 2, 3]"),
        "",
    );
    write_case(&root, "2023-009", &text);
    let out = root.parent().unwrap().join("out");
    let (code, err) = build(&root, &out);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(out.join("cases/2023-009/index.html")).unwrap();
    assert!(
        page.contains("99% → 90%（−9个百分点）"),
        "headline missing or wrong"
    );
}

/// 50,000 identical headings (and some that look like their suffixed
/// anchors) build within the hang guard, each with its own anchor. The
/// linear bound itself is counted in `slug::tests::anchors_take_linear_work`.
/// (A page, not a case: a case's sections have a length limit.)
#[test]
fn tens_of_thousands_of_identical_headings_build() {
    let (_dir, root) = basic_copy();
    let mut page = String::from("---\ntitle: 标题测试\nslug: headings\n---\n");
    for i in 0..50_000 {
        page.push_str("## 小结\n\n");
        if i % 10_000 == 0 {
            page.push_str(&format!("## xiao-jie-{}\n\n", i + 2));
        }
    }
    std::fs::write(root.join("content/pages/headings.md"), page).unwrap();
    let out = root.parent().unwrap().join("out");
    let (code, err) = build(&root, &out);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(out.join("headings/index.html")).unwrap();
    let ids: Vec<&str> = page
        .split("id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|id| id.starts_with("xiao-jie"))
        .collect();
    let distinct: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(ids.len(), 50_005, "one anchor per heading");
    assert_eq!(distinct.len(), ids.len(), "anchors collide");
}
