//! `casebook import`: Word write-ups made here with docx-rs (one with
//! heading styles, one with plain bold or centred lines, both with a list,
//! a table with 表1 above it and a picture with 图1 below it) become case
//! bundles; files that are not readable .docx get clear Chinese errors.

mod common;

use std::path::Path;

use common::*;
use docx_rs::{
    AbstractNumbering, AlignmentType, Docx, IndentLevel, Level, LevelJc, LevelText, NumberFormat,
    Numbering, NumberingId, Paragraph, Pic, Run, Start, Style, StyleType, Table, TableCell,
    TableRow,
};

fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text))
}

fn png() -> Vec<u8> {
    std::fs::read(repo_root().join("content/cases/2023/2023-002/p-chart.png")).unwrap()
}

fn table() -> Table {
    let row = |cells: &[&str]| {
        TableRow::new(
            cells
                .iter()
                .map(|c| TableCell::new().add_paragraph(para(c)))
                .collect(),
        )
    };
    Table::new(vec![
        row(&["年份", "一次合格率（%）"]),
        row(&["2021", "96.8"]),
        row(&["2022", "98.2"]),
    ])
}

/// The body both documents share after their headings, given a function
/// that makes a heading paragraph at a level (1 section, 2 sub-heading).
fn write_up(heading: impl Fn(&str, usize) -> Paragraph) -> Docx {
    let numbered = |text: &str| para(text).numbering(NumberingId::new(2), IndentLevel::new(0));
    Docx::new()
        .add_abstract_numbering(AbstractNumbering::new(1).add_level(Level::new(
            0,
            Start::new(1),
            NumberFormat::new("decimal"),
            LevelText::new("%1."),
            LevelJc::new("left"),
        )))
        .add_numbering(Numbering::new(2, 1))
        .add_paragraph(heading("上海测试有限公司实施六西格玛设计的经验", 0))
        .add_paragraph(para("申报单位：上海测试有限公司"))
        .add_paragraph(heading("一、摘要", 1))
        .add_paragraph(para("公司以六西格玛设计为主线，三年良率提升3个百分点。"))
        .add_paragraph(heading("二、企业概况", 1))
        .add_paragraph(para(
            "上海测试有限公司成立于2010年，法定代表人王某某，属集成电路制造业（行业代码C3973），位于浦东新区。",
        ))
        .add_paragraph(heading("三、管理方法（技术）的推进和应用情况", 1))
        .add_paragraph(heading("（一）背景与目标", 2))
        .add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text("核心做法").bold())
                .add_run(Run::new().add_text("是用DMAIC改进关键工序。")),
        )
        .add_paragraph(numbered("界定问题；"))
        .add_paragraph(numbered("测量现状。"))
        .add_paragraph(para("表1 一次合格率"))
        .add_table(table())
        .add_paragraph(Paragraph::new().add_run(Run::new().add_image(Pic::new_with_dimensions(
            png(),
            320,
            200,
        ))))
        .add_paragraph(para("图1 生产线控制图").align(AlignmentType::Center))
        .add_paragraph(heading("四、管理方法（技术）的实施效果", 1))
        .add_paragraph(para("一次合格率由95.1%提升到98.2%，高于行业标杆。"))
}

fn save(docx: Docx, path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    docx.build().pack(file).unwrap();
}

/// Headings as Word heading styles (and the title in the Title style).
fn styled(path: &Path) {
    let doc = write_up(|text, level| match level {
        0 => para(text).style("Title"),
        1 => para(text).style("Heading1"),
        _ => para(text).style("Heading2"),
    })
    .add_style(Style::new("Title", StyleType::Paragraph).name("Title"))
    .add_style(Style::new("Heading1", StyleType::Paragraph).name("Heading 1"))
    .add_style(Style::new("Heading2", StyleType::Paragraph).name("Heading 2"));
    save(doc, path);
}

/// No heading styles: bold centred lines, as most submissions have.
fn plain(path: &Path) {
    let doc = write_up(|text, level| {
        let p = Paragraph::new().add_run(Run::new().add_text(text).bold());
        if level <= 1 {
            p.align(AlignmentType::Center)
        } else {
            p
        }
    });
    save(doc, path);
}

fn check_imported(make: fn(&Path)) {
    let dir = temp_dir();
    let root = import_site(dir.path());
    let docx = dir.path().join("申报材料.docx");
    make(&docx);
    let output = import_command(&root, &docx, &["--id", "2023-007"]);
    let log = stderr(&output);
    assert_eq!(code(&output), 0, "{log}");
    let bundle = root.join("content/cases/2023/2023-007");
    let md = std::fs::read_to_string(bundle.join("index.md")).unwrap();

    // Front matter: what the document says, placeholders for the rest.
    for line in [
        "id: \"2023-007\"",
        "title: \"上海测试有限公司实施六西格玛设计的经验\"",
        "  name: \"上海测试有限公司\"",
        "  legal_representative: \"王某某\"",
        "  industry_code: \"C3973\"",
        "year: 2023",
        "priority_area: \"待填写\"",
        "district: \"浦东新区\"",
        "status: submitted",
    ] {
        assert!(md.lines().any(|l| l == line), "{line:?} not in\n{md}");
    }
    // The sections, in order, under their Casebook headings.
    let positions: Vec<usize> = [
        "## 摘要\n",
        "## 企业概况\n",
        "## 管理方法（技术）的推进和应用情况\n",
        "## 管理方法（技术）的实施效果\n",
    ]
    .iter()
    .map(|h| md.find(h).unwrap_or_else(|| panic!("{h:?} not in\n{md}")))
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{md}");
    for part in [
        "### （一）背景与目标",
        "**核心做法**是用DMAIC改进关键工序。",
        "1. 界定问题；\n1. 测量现状。",
        "表：一次合格率\n\n| 年份 | 一次合格率（%） |\n| --- | --- |\n| 2021 | 96.8 |",
        "![生产线控制图](figure-1.png)",
    ] {
        assert!(md.contains(part), "{part:?} not in\n{md}");
    }
    assert!(!md.contains("图1"), "{md}");
    assert_eq!(std::fs::read(bundle.join("figure-1.png")).unwrap(), png());

    // The rulebook ran: the editor's to-do names the placeholders and the
    // missing data, nothing about the converted body's form.
    assert!(log.contains("已导入"), "{log}");
    assert!(log.contains("value-not-in-list"), "{log}");
    assert!(log.contains("priority_area"), "{log}");
    assert!(log.contains("results-data"), "{log}");
    for rule in [
        "section-missing",
        "section-empty",
        "figure-caption-missing",
        "table-caption-missing",
        "image-missing",
    ] {
        assert!(!log.contains(rule), "{rule} in\n{log}");
    }
    assert!(log.contains("编辑还需处理"), "{log}");
    // The line before the first section is kept for the editor to sort,
    // and named in the to-do list.
    let unsorted = "## 待归类内容\n\n申报单位：上海测试有限公司\n\n";
    assert!(md.contains(unsorted), "{md}");
    assert!(log.contains("1 段内容没有归入规定章节"), "{log}");
    assert!(log.contains("section-unsorted"), "{log}");

    // Sorting it and filling in the placeholders is all it takes to pass check.
    let filled = md
        .replace(unsorted, "")
        .replace("priority_area: \"待填写\"", "priority_area: 促进产业高质量发展")
        .replace("industry: \"待填写\"", "industry: 集成电路")
        .replace(
            "metrics: []",
            "metrics:\n  - name: 一次合格率\n    years: [2020, 2021, 2022]\n    values: [95.1, 96.8, 98.2]\n    benchmark: [96.0, 96.5, 97.0]",
        );
    std::fs::write(bundle.join("index.md"), filled).unwrap();
    let (code, diags) = check_json(&root);
    let ours: Vec<_> = diags
        .iter()
        .filter(|d| d.file.contains("2023-007"))
        .collect();
    assert!(ours.is_empty(), "{ours:#?}");
    assert_eq!(code, 0, "{diags:#?}");
}

#[test]
fn imports_headings_given_as_styles() {
    check_imported(styled);
}

#[test]
fn imports_headings_given_as_bold_centred_lines() {
    check_imported(plain);
}

#[test]
fn picks_the_next_id_and_never_overwrites() {
    let dir = temp_dir();
    let root = import_site(dir.path());
    let docx = dir.path().join("a.docx");
    plain(&docx);
    let out = dir.path().join("bundle");
    let first = import_command(&root, &docx, &["--out", out.to_str().unwrap()]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let md = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert!(md.contains("id: \""), "{md}");
    let again = import_command(&root, &docx, &["--out", out.to_str().unwrap()]);
    assert_eq!(code(&again), 2);
    assert!(stderr(&again).contains("已存在"), "{}", stderr(&again));
    let bad_id = import_command(&root, &docx, &["--id", "2023-7"]);
    assert_eq!(code(&bad_id), 2);
    // Outside a site, only with --out.
    let not_a_site = import_command(dir.path(), &docx, &[]);
    assert_eq!(code(&not_a_site), 2);
    assert!(stderr(&not_a_site).contains("casebook.toml"));
    let elsewhere = dir.path().join("elsewhere");
    let outside = import_command(dir.path(), &docx, &["--out", elsewhere.to_str().unwrap()]);
    assert_eq!(code(&outside), 0, "{}", stderr(&outside));
    assert!(elsewhere.join("index.md").is_file());
    assert!(stderr(&outside).contains("未检查"), "{}", stderr(&outside));
}

/// A Compound File (OLE) header followed by the named streams, as Word
/// writes them (UTF-16LE directory names).
fn compound_file(streams: &[&str]) -> Vec<u8> {
    let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    bytes.resize(512, 0);
    for name in streams {
        bytes.extend(name.encode_utf16().flat_map(u16::to_le_bytes));
        bytes.resize(bytes.len() + 64, 0);
    }
    bytes
}

#[test]
fn unreadable_documents_get_clear_errors() {
    let dir = temp_dir();
    let root = import_site(dir.path());
    let mut corrupt = b"PK\x03\x04".to_vec();
    corrupt.extend(std::iter::repeat_n(0x5a, 300));
    let cases: [(&str, Vec<u8>, &str, &str); 4] = [
        (
            "encrypted.docx",
            compound_file(&["EncryptionInfo", "EncryptedPackage"]),
            "密码",
            "清空密码",
        ),
        (
            "old.doc",
            compound_file(&["WordDocument", "1Table"]),
            "Word 97-2003",
            "另存为",
        ),
        ("broken.docx", corrupt, "损坏", "另存为"),
        (
            "notes.docx",
            "这只是一个文本文件".as_bytes().to_vec(),
            "不是 Word 文档",
            ".docx",
        ),
    ];
    let before = snapshot(&root);
    for (name, bytes, message, help) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = import_command(&root, &path, &[]);
        let log = stderr(&output);
        assert_eq!(code(&output), 1, "{name}: {log}");
        assert!(log.contains(message), "{name}: {log}");
        assert!(log.contains(help), "{name}: {log}");
        assert_eq!(snapshot(&root), before, "{name}: the site changed");
    }
    let missing = import_command(&root, &dir.path().join("nope.docx"), &[]);
    assert_eq!(code(&missing), 2);
}

/// Import checks every file it would write (index.md AND each picture)
/// before writing any: a picture or a link (even dangling) already at one
/// of those names in the target folder means nothing is written and
/// nothing there changes. A target folder, `content/cases` or year folder
/// that is a link is refused too: import never writes through a link.
#[test]
fn import_never_overwrites_or_writes_through_a_link() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir();
    let root = import_site(dir.path());
    let docx = dir.path().join("a.docx");
    styled(&docx);
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("keep.txt"), "theirs").unwrap();

    // Something already at a name import would write, in --out DIR.
    type Plant = fn(&Path, &Path);
    let taken: [(&str, Plant); 4] = [
        ("picture", |out, _| {
            std::fs::write(out.join("figure-1.png"), "their picture").unwrap()
        }),
        ("picture link", |out, outside| {
            symlink(outside.join("keep.txt"), out.join("figure-1.png")).unwrap()
        }),
        ("dangling index.md", |out, outside| {
            symlink(outside.join("nowhere.md"), out.join("index.md")).unwrap()
        }),
        ("index.md", |out, _| {
            std::fs::write(out.join("index.md"), "their text").unwrap()
        }),
    ];
    for (n, (what, plant)) in taken.into_iter().enumerate() {
        let out = dir.path().join(format!("bundle-{n}"));
        std::fs::create_dir_all(&out).unwrap();
        plant(&out, &outside);
        let before = entries(&out);
        let output = import_command(&root, &docx, &["--out", out.to_str().unwrap()]);
        assert_eq!(code(&output), 2, "{what}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("已存在"),
            "{what}: {}",
            stderr(&output)
        );
        assert_eq!(
            entries(&out),
            before,
            "{what}: a file was written or changed"
        );
    }
    assert!(!outside.join("nowhere.md").exists());
    assert_eq!(snapshot(&outside).len(), 1);

    // A link where import would make or enter a folder: `--out` naming a
    // link is a refused destination (exit 2, like every refused folder).
    let link_out = dir.path().join("linked-bundle");
    symlink(&outside, &link_out).unwrap();
    let output = import_command(&root, &docx, &["--out", link_out.to_str().unwrap()]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("符号链接"), "{}", stderr(&output));
    for link in ["content/cases/2024", "content/cases"] {
        let site_dir = dir.path().join(format!("site-{}", link.len()));
        copy_dir(&fixture("rulebook-good"), &site_dir);
        let link = site_dir.join(link);
        if link.exists() {
            std::fs::remove_dir_all(&link).unwrap();
        }
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        symlink(&outside, &link).unwrap();
        let output = import_command(&site_dir, &docx, &["--id", "2024-050"]);
        assert_eq!(code(&output), 1, "{link:?}: {}", stderr(&output));
        assert!(stderr(&output).contains("符号链接"), "{}", stderr(&output));
        assert!(link.is_symlink());
    }
    let after = snapshot(&outside);
    assert_eq!(after.len(), 1, "{:?}", after.keys());
    assert_eq!(after["keep.txt"], b"theirs");
}

/// Each entry of `dir`: its name and its bytes, or where it links to.
fn entries(dir: &Path) -> Vec<(std::ffi::OsString, Vec<u8>)> {
    use std::os::unix::ffi::OsStrExt;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = match std::fs::read_link(&path) {
                Ok(target) => target.as_os_str().as_bytes().to_vec(),
                Err(_) => std::fs::read(&path).unwrap(),
            };
            (path.file_name().unwrap().to_owned(), bytes)
        })
        .collect();
    entries.sort();
    entries
}

/// The current year in UTC, from `date` (not from Casebook's code).
fn year_now() -> i64 {
    let out = std::process::Command::new("date")
        .args(["-u", "+%Y"])
        .output()
        .expect("run date");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn import_without_id_takes_the_next_free_id_of_this_year() {
    let dir = temp_dir();
    let root = import_site(dir.path());
    let docx = dir.path().join("b.docx");
    plain(&docx);
    let year = year_now();
    let case = std::fs::read_to_string(root.join("content/cases/2023/2023-002/index.md")).unwrap();
    // This year's cases as a file and as bundles, numbered with gaps; a
    // higher number in another year and a name that is no id around them.
    let this_year = root.join(format!("content/cases/{year}"));
    for rel in [
        format!("{year}-004.md"),
        format!("{year}-012/index.md"),
        format!("{year}-009/index.md"),
        format!("{year}-notes.md"),
    ] {
        let path = this_year.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &case).unwrap();
    }
    let last_year = root.join(format!("content/cases/{}", year - 1));
    std::fs::create_dir_all(&last_year).unwrap();
    std::fs::write(last_year.join(format!("{}-050.md", year - 1)), &case).unwrap();

    let output = import_command(&root, &docx, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let expected = format!("{year}-013");
    let bundle = this_year.join(&expected);
    if !bundle.exists() && year_now() != year {
        return; // The year turned while the test ran: nothing to compare.
    }
    let md = std::fs::read_to_string(bundle.join("index.md"))
        .unwrap_or_else(|e| panic!("no bundle {expected} ({e}): {}", stderr(&output)));
    assert!(md.contains(&format!("id: \"{expected}\"")), "{md}");
}

/// A PNG of `width`×`height` px with some detail (so PNG cannot compress
/// it to nothing).
fn wide_png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 7 % 251) as u8,
            (y * 13 % 241) as u8,
            ((x ^ y) % 256) as u8,
        ])
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// A write-up holding one 3200 px wide picture.
fn with_wide_picture(path: &Path) {
    let doc =
        Docx::new()
            .add_paragraph(para("上海测试有限公司实施精益生产的经验"))
            .add_paragraph(para("一、摘要"))
            .add_paragraph(para("公司推行精益生产。"))
            .add_paragraph(Paragraph::new().add_run(
                Run::new().add_image(Pic::new_with_dimensions(wide_png(3200, 900), 320, 90)),
            ))
            .add_paragraph(para("图1 车间布局").align(AlignmentType::Center));
    save(doc, path);
}

#[test]
fn import_names_wide_pictures_and_shrink_narrows_them() {
    let dir = temp_dir();
    let root = import_site(dir.path());
    let docx = dir.path().join("wide.docx");
    with_wide_picture(&docx);
    let kept = import_command(&root, &docx, &["--id", "2023-008"]);
    assert_eq!(code(&kept), 0, "{}", stderr(&kept));
    assert!(stderr(&kept).contains("--shrink"), "{}", stderr(&kept));
    assert!(
        stderr(&kept).contains("图片“figure-1.png”有 3200×900 像素，宽于 1600 像素"),
        "{}",
        stderr(&kept)
    );
    let original = root.join("content/cases/2023/2023-008/figure-1.png");
    assert_eq!(imagesize::size(&original).unwrap().width, 3200);

    let shrunk = import_command(&root, &docx, &["--id", "2023-009", "--shrink"]);
    assert_eq!(code(&shrunk), 0, "{}", stderr(&shrunk));
    assert!(!stderr(&shrunk).contains("重新导入时加 --shrink"));
    let picture = root.join("content/cases/2023/2023-009/figure-1.png");
    let size = imagesize::size(&picture).unwrap();
    assert_eq!((size.width, size.height), (1600, 450));
    assert!(
        std::fs::metadata(&picture).unwrap().len() < std::fs::metadata(&original).unwrap().len()
    );
}
