//! Writes into the editor's own files (`check --fix`, `new`, `import` use
//! `editor_files`): a write that fails or is killed midway leaves every
//! file old or new, never cut; permissions are kept; nothing is written
//! through a symlink, whatever it points at.

mod common;

use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Prose with every kind of slip `--fix` repairs, `n` times.
fn slips(n: usize) -> String {
    "公司推行ＴＰＭ管理,一次合格率提升１２％;效果显著。 \n\n".repeat(n)
}

/// A copy of the basic fixture whose 2023-001 case ends with `n` slip
/// paragraphs; the case file's path.
fn site_with_slips(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let root = dir.join("site");
    copy_dir(&fixture("basic"), &root);
    let case = root.join("content/cases/2023/2023-001.md");
    let mut text = std::fs::read_to_string(&case).unwrap();
    text.push_str(&slips(n));
    std::fs::write(&case, text).unwrap();
    (root, case)
}

fn fix_command(root: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["check", "--fix", "--root"])
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Temporary files `editor_files` left anywhere under `dir`.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .map(|e| e.path().to_path_buf())
        .collect()
}

/// A file-size limit below the fixed file's size makes the write fail
/// midway (EFBIG; SIGXFSZ ignored so the process sees the error): the file
/// is byte for byte as before, no temporary file is left, and a smaller
/// file under the limit is still fixed.
#[test]
fn a_fix_that_cannot_finish_writing_leaves_the_file_as_it_was() {
    for (limit, paragraphs) in [(16 * 1024, 1_000), (100_000, 3_000), (4096, 200)] {
        let dir = temp_dir();
        let (root, case) = site_with_slips(dir.path(), paragraphs);
        let small = root.join("content/cases/2023/2023-002.md");
        let mut text = std::fs::read_to_string(&small).unwrap();
        text.push_str("\n短文,一句。\n");
        std::fs::write(&small, &text).unwrap();
        let before = std::fs::read(&case).unwrap();
        assert!(before.len() > limit as usize * 2, "{}", before.len());

        let mut command = fix_command(&root);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let rlimit = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let output = command.output().unwrap();
        let err = stderr(&output);
        assert_eq!(code(&output), 1, "limit {limit}: {err}");
        assert!(err.contains("无法写回"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(std::fs::read(&case).unwrap(), before, "limit {limit}");
        assert_eq!(temporaries(&root), Vec::<PathBuf>::new());
        let fixed = std::fs::read_to_string(&small).unwrap();
        assert!(fixed.ends_with("\n短文，一句。\n"), "{fixed}");
    }
}

/// `check --fix` killed (SIGKILL) at moments across its run over many
/// files: after every kill each file is its old bytes or its fixed bytes,
/// never anything else; a leftover temporary file is a dot file that
/// discovery never reads.
#[test]
fn a_fix_killed_midway_leaves_every_file_old_or_new() {
    let dir = temp_dir();
    let (root, case) = site_with_slips(dir.path(), 400);
    let old = std::fs::read(&case).unwrap();
    let folder = root.join("content/cases/2024");
    std::fs::create_dir_all(&folder).unwrap();
    let text = String::from_utf8(old.clone()).unwrap();
    let mut files = vec![case.clone()];
    for n in 0..120 {
        let id = format!("2024-{:03}", 100 + n);
        let file = folder.join(format!("{id}.md"));
        let text = text
            .replace("id: \"2023-001\"", &format!("id: \"{id}\""))
            .replace("year: 2023", "year: 2024");
        std::fs::write(&file, text).unwrap();
        files.push(file);
    }
    let expected: Vec<(Vec<u8>, Vec<u8>)> = files
        .iter()
        .map(|f| {
            let old = std::fs::read(f).unwrap();
            let (new, _) = casebook::fix::fix_bytes(&old).unwrap();
            assert_ne!(old, new);
            (old, new)
        })
        .collect();

    let started = Instant::now();
    let mut killed_midway = 0;
    for delay_ms in [5, 20, 40, 80, 120, 200, 300, 500] {
        // Put every file back to old.
        for (file, (old, _)) in files.iter().zip(&expected) {
            std::fs::write(file, old).unwrap();
        }
        let mut child = fix_command(&root).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let mut new = 0;
        for (file, (old, fixed)) in files.iter().zip(&expected) {
            let now = std::fs::read(file).unwrap();
            assert!(
                now == *old || now == *fixed,
                "{} is neither old nor new after a kill at {delay_ms} ms",
                file.display()
            );
            new += usize::from(now == *fixed);
        }
        if new > 0 && new < files.len() {
            killed_midway += 1;
        }
        let found = casebook::content::discover(&root).files;
        assert!(
            found
                .iter()
                .all(|(_, p)| !p.to_string_lossy().contains(".tmp-")),
            "a temporary file was discovered"
        );
    }
    eprintln!(
        "{killed_midway} of 8 kills landed between files ({:?})",
        started.elapsed()
    );
    // A run to the end fixes every file, leftovers or not (the copies are
    // duplicates with long sections, so check itself then reports errors).
    let output = fix_command(&root).output().unwrap();
    assert!(!stderr(&output).contains("无法写回"), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    for (file, (_, fixed)) in files.iter().zip(&expected) {
        assert_eq!(&std::fs::read(file).unwrap(), fixed);
    }
}

/// `check --fix` keeps each file's permissions.
#[test]
fn a_fix_keeps_permissions() {
    for mode in [0o600, 0o640, 0o664] {
        let dir = temp_dir();
        let (root, case) = site_with_slips(dir.path(), 2);
        std::fs::set_permissions(&case, std::fs::Permissions::from_mode(mode)).unwrap();
        let output = fix_command(&root).output().unwrap();
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let text = std::fs::read_to_string(&case).unwrap();
        assert!(text.contains("推行TPM管理，一次合格率提升12％；"), "{text}");
        let now = std::fs::metadata(&case).unwrap().permissions().mode() & 0o777;
        assert_eq!(now, mode, "{mode:o}");
    }
}

/// `check --fix` never writes through a link: a linked year folder or
/// `content/cases` (to a folder outside the site or inside it), a linked
/// case file (any name), a dangling `index.md`. The link and what it
/// points at are untouched.
#[test]
fn a_fix_never_writes_through_a_link() {
    type Plant = fn(&Path, &Path) -> PathBuf;
    let plants: [(&str, Plant); 5] = [
        ("linked year folder, outside", |root, outside| {
            let year = root.join("content/cases/2023");
            std::fs::rename(&year, outside.join("2023")).unwrap();
            symlink(outside.join("2023"), &year).unwrap();
            outside.join("2023")
        }),
        ("linked content/cases, inside the site", |root, _| {
            let cases = root.join("content/cases");
            let kept = root.join("kept-cases");
            std::fs::rename(&cases, &kept).unwrap();
            symlink(&kept, &cases).unwrap();
            kept
        }),
        ("linked case file", |root, outside| {
            let case = root.join("content/cases/2023/2023-001.md");
            std::fs::rename(&case, outside.join("case.md")).unwrap();
            symlink(outside.join("case.md"), &case).unwrap();
            outside.to_path_buf()
        }),
        ("linked bundle index.md", |root, outside| {
            let bundle = root.join("content/cases/2023/2023-009");
            std::fs::create_dir_all(&bundle).unwrap();
            let text = std::fs::read_to_string(root.join("content/cases/2023/2023-001.md"));
            std::fs::write(outside.join("notes.txt"), text.unwrap()).unwrap();
            symlink(outside.join("notes.txt"), bundle.join("index.md")).unwrap();
            outside.to_path_buf()
        }),
        ("dangling index.md", |root, outside| {
            let bundle = root.join("content/cases/2023/2023-009");
            std::fs::create_dir_all(&bundle).unwrap();
            symlink(outside.join("nowhere.md"), bundle.join("index.md")).unwrap();
            outside.to_path_buf()
        }),
    ];
    for (what, plant) in plants {
        let dir = temp_dir();
        let (root, _) = site_with_slips(dir.path(), 3);
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let target = plant(&root, &outside);
        let before = snapshot(&target);
        let output = fix_command(&root).output().unwrap();
        let err = stderr(&output);
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert_eq!(snapshot(&target), before, "{what}: written through");
        assert!(!outside.join("nowhere.md").exists(), "{what}");
        assert_eq!(temporaries(dir.path()), Vec::<PathBuf>::new(), "{what}");
        // Not silently skipped either: the link is named.
        assert!(err.contains("符号链接"), "{what}: {err}");
    }
}
