//! Issue 18, classes 1 and 2: output destinations are Casebook's alone, and
//! output never shares storage with the sources. Every refused destination
//! of `build`, `compile` and `import --out` exits 2 with a Chinese message
//! naming the folder and leaves every byte, link and folder as it was; the
//! accepted ones (absent, empty, an earlier output, one built before the
//! marker existed) work; writing into a built site's copies of images and
//! attachments never changes `content/`.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};

use casebook::destination::MARKER;
use common::*;

/// A folder tree as it stands: files by bytes, links by target, folders
/// (empty ones too) by name.
fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, into: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let seen = if meta.file_type().is_symlink() {
                format!("link → {}", std::fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                walk(&path, into);
                "folder".to_string()
            } else {
                let bytes = std::fs::read(&path).unwrap();
                format!("file {}", blake3::hash(&bytes))
            };
            into.insert(path, seen);
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, &mut files);
    files
}

/// A work folder holding a copy of `site` as `WORK/site`.
fn work_with(site: &Path) -> (tempfile::TempDir, PathBuf) {
    let work = temp_dir();
    let root = work.path().join("site");
    copy_dir(&site.join("content"), &root.join("content"));
    std::fs::copy(site.join("casebook.toml"), root.join("casebook.toml")).unwrap();
    (work, root)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The destinations no command may use, made inside `work` around the site
/// at `root`: (what it is, the path passed).
fn hostile_destinations(work: &Path, root: &Path) -> Vec<(&'static str, PathBuf)> {
    write(&root.join(".git/HEAD"), "ref: refs/heads/main\n");
    write(&work.join("checkout/.svn/wc.db"), "svn");
    write(&work.join("hg-repo/.hg/requires"), "store\n");
    write(&root.join("themes/default/templates/base.html"), "{{ x }}");
    write(&root.join("static/robots.txt"), "User-agent: *\n");
    write(&work.join("docs/说明.txt"), "编辑自己的文件");
    write(&work.join("public/.nojekyll"), "");
    write(&work.join("notes.pdf"), "%PDF-1.4");
    std::fs::create_dir_all(work.join("empty-target")).unwrap();
    symlink(work.join("empty-target"), work.join("link-to-empty")).unwrap();
    symlink(work.join("nowhere"), work.join("dangling-link")).unwrap();
    // A site built before: the link would be replaced by a folder.
    symlink(work.join("docs"), work.join("link-to-docs")).unwrap();
    vec![
        ("the site root", root.to_path_buf()),
        ("the parent of the root", root.join("..")),
        ("the root with a trailing dot", root.join(".")),
        ("a path ending in ..", work.join("docs/absent/..")),
        ("content/", root.join("content")),
        ("a nested content folder", root.join("content/cases")),
        (
            "an absent folder in content",
            root.join("content/site-output"),
        ),
        ("themes/", root.join("themes")),
        ("inside themes", root.join("themes/default/templates")),
        ("static/", root.join("static")),
        ("templates/ (absent)", root.join("templates")),
        ("casebook.toml", root.join("casebook.toml")),
        (".git", root.join(".git")),
        ("inside .git", root.join(".git/objects")),
        (".svn", work.join("checkout/.svn")),
        (".hg", work.join("hg-repo/.hg")),
        ("a folder with one foreign file", work.join("docs")),
        ("a folder with a hidden foreign file", work.join("public")),
        ("a file outside the site", work.join("notes.pdf")),
        ("a symlink to an empty folder", work.join("link-to-empty")),
        (
            "a symlink with a trailing slash",
            work.join("link-to-docs/"),
        ),
        ("a dangling symlink", work.join("dangling-link")),
    ]
}

/// Run `args` and check that it was refused and changed nothing in `work`.
fn assert_refused(work: &Path, what: &str, dest: &Path, args: &[OsString]) {
    let before = tree(work);
    let output = casebook(args);
    let message = stderr(&output);
    assert_eq!(code(&output), 2, "{what}: {args:?}\n{message}");
    assert!(has_cjk(&message), "{what}: {message}");
    let shown: PathBuf = dest.components().collect();
    assert!(
        message.contains(&shown.display().to_string()),
        "{what}: the message does not name {}:\n{message}",
        shown.display()
    );
    if what.contains("symlink") {
        assert!(message.contains("符号链接"), "{what}: {message}");
    }
    assert_eq!(tree(work), before, "{what}: something changed");
}

fn args(list: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    list.iter().map(|a| a.as_ref().to_os_string()).collect()
}

#[test]
fn build_refuses_every_destination_that_is_not_casebooks() {
    let (work, root) = work_with(&fixture("basic"));
    let work = work.path();
    // A marked output with something Casebook did not make added.
    let built = work.join("built");
    let ok = casebook(args(&[&"build", &"--root", &root, &"--output", &built]));
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    write(&built.join("编辑的笔记.md"), "我的");
    let mut destinations = hostile_destinations(work, &root);
    destinations.push(("an output with a foreign file", built.clone()));
    for (what, dest) in &destinations {
        let build = args(&[&"build", &"--root", &root, &"--output", dest]);
        assert_refused(work, what, dest, &build);
    }
    // The config file as output, with a previous urls.txt to compare.
    let urls = built.join("urls.txt");
    let config = root.join("casebook.toml");
    let with_published = args(&[
        &"build",
        &"--root",
        &root,
        &"--published",
        &urls,
        &"--output",
        &config,
    ]);
    assert_refused(
        work,
        "--published with casebook.toml",
        &config,
        &with_published,
    );
    // The default output folder follows the same rule.
    write(&root.join("output/index.html"), "<p>手写的页面</p>");
    let default = args(&[&"build", &"--root", &root]);
    assert_refused(
        work,
        "a hand-made ROOT/output",
        &root.join("output"),
        &default,
    );
}

#[test]
fn compile_refuses_every_destination_that_is_not_casebooks() {
    let (work, root) = work_with(&repo_root());
    let work = work.path();
    let mut destinations = hostile_destinations(work, &root);
    // The issue's own: the book's folder in content holds the preface.
    destinations.push(("content/compilation", root.join("content/compilation")));
    destinations.push((
        "a book folder in content",
        root.join("content/compilation/2023"),
    ));
    for (what, dest) in &destinations {
        let compile = args(&[
            &"compile",
            &"--year",
            &"2023",
            &"--root",
            &root,
            &"--output",
            dest,
        ]);
        assert_refused(work, what, dest, &compile);
    }
    assert!(root.join("content/compilation/2023/preface.md").is_file());
}

/// A .docx with a title and one section, made with docx-rs.
fn docx(path: &Path) {
    use docx_rs::{Docx, Paragraph, Run};
    let para = |text: &str| Paragraph::new().add_run(Run::new().add_text(text));
    let doc = Docx::new()
        .add_paragraph(para("精益生产提升一次合格率"))
        .add_paragraph(para("摘要"))
        .add_paragraph(para("企业推行精益生产，一次合格率提升。"));
    doc.build()
        .pack(std::fs::File::create(path).unwrap())
        .unwrap();
}

#[test]
fn import_out_takes_only_an_absent_or_empty_folder() {
    let (work, root) = work_with(&fixture("rulebook-good"));
    let work = work.path();
    let file = work.join("申报材料.docx");
    docx(&file);
    // The issue's shape: pictures already there (only index.md was looked at).
    write(&work.join("pictures/image1.png"), "editor's own picture");
    write(&work.join("bundle/media/image2.jpeg"), "another");
    let mut destinations = hostile_destinations(work, &root);
    destinations.retain(|(what, _)| !what.contains("content") && !what.contains("absent"));
    destinations.push(("a folder with pictures", work.join("pictures")));
    destinations.push(("a folder with a subfolder", work.join("bundle")));
    for (what, dest) in &destinations {
        let import = args(&[&"import", &file, &"--root", &root, &"--out", dest]);
        assert_refused(work, what, dest, &import);
    }
    // Absent and empty folders take the bundle.
    std::fs::create_dir_all(work.join("empty")).unwrap();
    for dest in [work.join("empty"), work.join("new/deeper/bundle")] {
        let import = args(&[&"import", &file, &"--root", &root, &"--out", &dest]);
        let output = casebook(import);
        assert_eq!(code(&output), 0, "{}: {}", dest.display(), stderr(&output));
        assert!(dest.join("index.md").is_file());
    }
}

#[test]
fn absent_empty_and_earlier_outputs_are_accepted() {
    let (work, root) = work_with(&repo_root());
    let work = work.path();
    let build = |out: &Path| {
        let output = casebook(args(&[&"build", &"--root", &root, &"--output", &out]));
        assert_eq!(code(&output), 0, "{}: {}", out.display(), stderr(&output));
    };
    let compile = |out: &Path| {
        let output = casebook(args(&[
            &"compile",
            &"--year",
            &"2023",
            &"--root",
            &root,
            &"--output",
            &out,
        ]));
        assert_eq!(code(&output), 0, "{}: {}", out.display(), stderr(&output));
    };
    // Absent (several levels), then the same folder again: it is marked.
    let out = work.join("deploy/site/out");
    build(&out);
    let marker = std::fs::read_to_string(out.join(MARKER)).unwrap();
    assert!(marker.lines().any(|l| l == "index.html"), "{marker}");
    build(&out);
    // A book compiled into it keeps it Casebook's, for both commands.
    compile(&out);
    build(&out);
    // Empty.
    std::fs::create_dir_all(work.join("empty")).unwrap();
    build(&work.join("empty"));
    // Built by the previous release: no marker, Casebook's urls.txt, and
    // none of what later releases add at the top (the nginx snippet,
    // precompressed copies, sitemap parts, the build record).
    std::fs::remove_file(out.join(MARKER)).unwrap();
    std::fs::remove_dir_all(out.join(".nginx")).unwrap();
    std::fs::remove_file(out.join(casebook::destination::BUILD_RECORD)).unwrap();
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let added = name.ends_with(".gz") || name.ends_with(".br") || name.starts_with("sitemap-");
        if added && path.is_file() {
            std::fs::remove_file(&path).unwrap();
        }
    }
    build(&out);
    assert!(out.join(MARKER).is_file(), "the next build marks it");
    // A killed marker update leaves its temporary file: still Casebook's.
    write(&out.join(format!("{MARKER}.new-4242")), "half");
    build(&out);
    // A checkout that once received a copy of a build is not a legacy
    // output: its .git, CNAME and notes are the user's.
    for (stray, bytes) in [(".git/HEAD", "ref: main"), ("CNAME", "cases.example.org")] {
        let pages = work.join(format!("pages-{}", stray.len()));
        build(&pages);
        std::fs::remove_file(pages.join(MARKER)).unwrap();
        write(&pages.join(stray), bytes);
        let before = tree(&pages);
        let refused = casebook(args(&[&"build", &"--root", &root, &"--output", &pages]));
        assert_eq!(code(&refused), 2, "{stray}: {}", stderr(&refused));
        assert_eq!(tree(&pages), before, "{stray}: the folder was touched");
    }
    // The default ROOT/output, twice.
    let default = args(&[&"build", &"--root", &root]);
    for _ in 0..2 {
        let output = casebook(&default);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
    }
    // Books compiled on their own, then again, and a legacy books folder.
    let books = work.join("books");
    compile(&books);
    compile(&books);
    let legacy = work.join("old-books");
    write(&legacy.join("compilation/2022/index.html"), "<p>2022</p>");
    write(&legacy.join("compilation/2022.pdf"), "%PDF-1.4");
    compile(&legacy);
    assert!(legacy.join("compilation/2023/index.html").is_file());
    assert!(
        legacy.join("compilation/2022.pdf").is_file(),
        "other years kept"
    );
    // A legacy look-alike with a stray file is not a legacy folder.
    write(&legacy.join("compilation/notes.txt"), "mine");
    let refused = casebook(args(&[
        &"compile",
        &"--year",
        &"2023",
        &"--root",
        &root,
        &"--output",
        &legacy,
    ]));
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
}

/// (device, inode) and path of every file below `dir`.
fn inodes(dir: &Path) -> BTreeMap<(u64, u64), PathBuf> {
    tree(dir)
        .into_keys()
        .filter(|p| std::fs::symlink_metadata(p).unwrap().is_file())
        .map(|p| {
            let meta = std::fs::metadata(&p).unwrap();
            ((meta.dev(), meta.ino()), p)
        })
        .collect()
}

#[test]
fn output_files_share_no_storage_with_sources() {
    let (work, root) = work_with(&repo_root());
    // Attachments and covers too, of other types.
    let bundle = root.join("content/cases/2023/2023-001");
    write(&bundle.join("检测报告.pdf"), "%PDF-1.4 report");
    let index = bundle.join("index.md");
    let text = std::fs::read_to_string(&index).unwrap();
    let text = format!("{text}\n\n附件：[检测报告](检测报告.pdf)\n");
    std::fs::write(&index, text).unwrap();
    let out = work.path().join("out");
    let output = casebook(args(&[&"build", &"--root", &root, &"--output", &out]));
    assert_eq!(code(&output), 0, "{}", stderr(&output));

    let content = root.join("content");
    let sources = inodes(&content);
    let source_bytes: std::collections::HashSet<Vec<u8>> = sources
        .values()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let before = tree(&content);
    let report = b"%PDF-1.4 report".to_vec();
    let mut copies = 0;
    let mut attachment = false;
    for ((dev, ino), path) in inodes(&out) {
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !sources.contains_key(&(dev, ino)),
            "{} shares its inode with {}",
            path.display(),
            sources[&(dev, ino)].display()
        );
        if source_bytes.contains(&bytes) {
            copies += 1;
            attachment |= bytes == report;
            std::fs::write(&path, "x").unwrap();
        }
    }
    assert!(
        copies >= 5,
        "only {copies} output files are copies of sources"
    );
    assert!(attachment, "the PDF attachment was not published");
    assert_eq!(
        tree(&content),
        before,
        "writing to the output changed content/"
    );
    for (_, path) in sources {
        assert_eq!(
            std::fs::metadata(&path).unwrap().nlink(),
            1,
            "{}",
            path.display()
        );
    }
}
