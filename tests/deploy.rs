//! `casebook deploy` against a real S3-compatible server: `s3s-fs` (from
//! crates.io, `.ci/run` installs it) on 127.0.0.1, serving a folder whose
//! buckets are subfolders, so the tests can read the bucket both through
//! the S3 API (HEAD for the headers) and from the disk. Under CI a
//! missing s3s-fs fails; elsewhere the server tests say SKIPPED.

mod common;

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{casebook, code, stderr, stdout, temp_dir};

const KEY_ID: &str = "casebooktestkey";
const SECRET: &str = "s3cr3t-Never-Shown-9b1f";
const BUCKET: &str = "site";
const INSTALL: &str = "cargo install --locked s3s-fs --version 0.14.1 --features binary";

/// A running s3s-fs, killed on drop.
struct Server {
    child: Child,
    data: tempfile::TempDir,
    endpoint: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s3s_fs() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/s3s-fs"));
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("s3s-fs"))
            .find(|p| p.is_file())
    });
    on_path.or(home.filter(|p| p.is_file()))
}

impl Server {
    /// Start s3s-fs with an empty bucket, or `None` (SKIPPED) without it.
    fn start(test: &str) -> Option<Server> {
        let Some(bin) = s3s_fs() else {
            common::skip(test, "s3s-fs", INSTALL);
            return None;
        };
        let data = temp_dir();
        std::fs::create_dir(data.path().join(BUCKET)).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", KEY_ID, "--secret-key", SECRET])
            .arg(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "s3s-fs did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Server {
            child,
            data,
            endpoint: format!("http://127.0.0.1:{port}"),
        })
    }

    fn bucket_dir(&self) -> PathBuf {
        self.data.path().join(BUCKET)
    }

    /// The bucket's objects with their bytes, read from the disk.
    fn objects(&self) -> BTreeMap<String, Vec<u8>> {
        common::snapshot(&self.bucket_dir())
    }

    fn operator(&self) -> opendal::Operator {
        opendal::install_default();
        let builder = opendal::services::S3::default()
            .bucket(BUCKET)
            .root("/www")
            .endpoint(&self.endpoint)
            .region("us-east-1")
            .access_key_id(KEY_ID)
            .secret_access_key(SECRET)
            .disable_config_load();
        opendal::Operator::new(builder).unwrap()
    }
}

/// `casebook deploy` with the server's connection in the environment.
fn deploy(server: &Server, root: &Path, extra: &[&str]) -> Output {
    deploy_command(&server.endpoint, root, extra)
        .output()
        .unwrap()
}

fn deploy_command(endpoint: &str, root: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(common::BIN);
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .args(["deploy", "--root"])
        .arg(root)
        .args(extra);
    if !extra.contains(&"--target") {
        command.args(["--target", &format!("s3://{BUCKET}/www")]);
    }
    command
}

fn ok(output: &Output) -> &Output {
    assert_eq!(
        code(output),
        0,
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
    output
}

/// The example site copied to a temporary root and built.
fn built_site() -> (tempfile::TempDir, PathBuf) {
    let dir = temp_dir();
    let root = common::example_site_at(dir.path());
    ok(&casebook(["build", "--root", root.to_str().unwrap()]));
    (dir, root)
}

/// The output's files as the bucket should hold them under `www/`.
fn expected(root: &Path) -> BTreeMap<String, Vec<u8>> {
    common::snapshot(&root.join("output"))
        .into_iter()
        // What a bucket serves: not the marker or the nginx snippet, nor
        // the build's precompressed copies (the example has no file of its
        // own ending in .gz or .br).
        .filter(|(k, _)| k != ".casebook-output" && k != ".casebook-build")
        .filter(|(k, _)| !k.starts_with(".nginx/"))
        .filter(|(k, _)| !k.ends_with(".gz") && !k.ends_with(".br"))
        .map(|(k, v)| (format!("www/{k}"), v))
        .collect()
}

/// The bucket equals the output plus the manifest.
fn assert_bucket_is_output(server: &Server, root: &Path) {
    let mut objects = server.objects();
    let manifest = objects
        .remove("www/.casebook-deploy.json")
        .expect("manifest in the bucket");
    let text = String::from_utf8(manifest).unwrap();
    assert!(
        text.contains("\"casebook-deploy 1\"") && !text.contains("\"stale\""),
        "{text}"
    );
    let expected = expected(root);
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| objects.get(*k) != expected.get(*k))
        .collect();
    let extra: Vec<_> = objects
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "differ: {missing:?}, extra: {extra:?}"
    );
}

/// The keys a deploy says it uploads (`--dry-run` lists them on stdout).
fn planned(output: &Output) -> Vec<String> {
    stdout(output)
        .lines()
        .filter_map(|l| l.strip_prefix("上传 "))
        .map(str::to_string)
        .collect()
}

fn edit_case(root: &Path) {
    let path = root.join("content/cases/2024/2024-001/index.md");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n本段为部署测试追加的一句话。\n");
    std::fs::write(path, text).unwrap();
}

fn assert_no_secret(texts: &[&str], dirs: &[&Path]) {
    for text in texts {
        assert!(!text.contains(SECRET), "secret in output:\n{text}");
    }
    for dir in dirs {
        for entry in walkdir::WalkDir::new(dir) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let bytes = std::fs::read(entry.path()).unwrap();
                let found = bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes());
                assert!(!found, "secret written into {}", entry.path().display());
            }
        }
    }
}

#[test]
fn deploys_every_file_with_its_headers_then_only_what_changed() {
    let Some(server) = Server::start("deploys_every_file_with_its_headers_then_only_what_changed")
    else {
        return;
    };
    let (_dir, root) = built_site();
    // The prefix already holds someone's home page: a first deploy would
    // replace it, so it is refused until the user adopts it.
    let op = server.operator();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(op.write("index.html", "their home page"))
        .unwrap();
    let refused = deploy(&server, &root, &[]);
    assert_eq!(code(&refused), 1, "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("index.html") && stderr(&refused).contains("--adopt"),
        "{}",
        stderr(&refused)
    );
    let dry = ok(&deploy(&server, &root, &["--dry-run"])).clone();
    assert!(stdout(&dry).contains("--adopt") || stderr(&dry).contains("--adopt"));
    assert_eq!(server.objects().len(), 1, "a refused deploy sent something");
    let first = deploy(&server, &root, &["--adopt"]);
    ok(&first);
    assert!(
        stderr(&first).contains("没有 Casebook 的发布清单"),
        "{}",
        stderr(&first)
    );
    assert_bucket_is_output(&server, &root);

    // Every object's headers, read back through the S3 API.
    let mut immutable = 0;
    for key in expected(&root).keys() {
        let key = key.strip_prefix("www/").unwrap();
        let meta = runtime.block_on(op.stat(key)).unwrap();
        let (ty, cache) = (
            meta.content_type().unwrap_or(""),
            meta.cache_control().unwrap_or(""),
        );
        let want_type = match key.rsplit('.').next().unwrap() {
            "html" => "text/html; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "xml" if key == "atom.xml" => "application/atom+xml; charset=utf-8",
            "xml" => "application/xml; charset=utf-8",
            "json" => "application/json; charset=utf-8",
            "svg" => "image/svg+xml; charset=utf-8",
            "png" => "image/png",
            _ => ty,
        };
        assert_eq!(ty, want_type, "{key}");
        if key.ends_with(".html") || key == "search/meta.json" || key == "sitemap.xml" {
            assert_eq!(cache, "no-cache", "{key}");
        } else if key.starts_with("css/") && key.ends_with(".css") {
            assert_eq!(cache, "public, max-age=31536000, immutable", "{key}");
            immutable += 1;
        }
    }
    assert!(immutable > 0, "no fingerprinted stylesheet found");
    let changed = std::fs::read_to_string(root.join("output.deploy-changed-urls.txt")).unwrap();
    assert!(
        changed
            .lines()
            .any(|l| l == "https://casebook.example.org/cases/2024-001/"),
        "{changed}"
    );
    assert!(
        changed
            .lines()
            .any(|l| l == "https://casebook.example.org/"),
        "{changed}"
    );

    // Nothing changed: nothing is sent, not even the manifest.
    let before: BTreeMap<_, _> = mtimes(server.data.path());
    let second = ok(&deploy(&server, &root, &[])).clone();
    assert!(
        stderr(&second).contains("上传 0 个文件"),
        "{}",
        stderr(&second)
    );
    assert_eq!(
        mtimes(server.data.path()),
        before,
        "a no-change deploy wrote to the bucket"
    );
    // Run from inside the output as `--output .`: the files kept beside
    // the output land beside it, and nothing is added inside it.
    let inside = common::snapshot(&root.join("output"));
    let from_inside = deploy_command(&server.endpoint, &root, &["--output", "."])
        .current_dir(root.join("output"))
        .output()
        .unwrap();
    assert!(
        stderr(ok(&from_inside)).contains("上传 0 个文件"),
        "{}",
        stderr(&from_inside)
    );
    assert_eq!(common::snapshot(&root.join("output")), inside);

    // One case edited: the dry run names the few files that changed and
    // sends nothing; the deploy uploads exactly those.
    edit_case(&root);
    ok(&casebook(["build", "--root", root.to_str().unwrap()]));
    let dry = ok(&deploy(&server, &root, &["--dry-run"])).clone();
    let uploads = planned(&dry);
    assert!(
        uploads.iter().any(|k| k == "cases/2024-001/index.html"),
        "{uploads:?}"
    );
    // Besides the search export (whose file names another change makes
    // stable), only the case's page and the pages listing its text.
    let pages: Vec<_> = uploads
        .iter()
        .filter(|k| !k.starts_with("search/"))
        .collect();
    assert!(pages.len() <= 4, "a one-case edit uploads {pages:?}");
    assert_eq!(
        mtimes(server.data.path()),
        before,
        "a dry run wrote to the bucket"
    );
    let third = ok(&deploy(&server, &root, &[])).clone();
    assert!(
        stderr(&third).contains(&format!("上传 {} 个文件", uploads.len())),
        "{}",
        stderr(&third)
    );
    assert_bucket_is_output(&server, &root);
    let changed = std::fs::read_to_string(root.join("output.deploy-changed-urls.txt")).unwrap();
    assert!(
        changed.contains("https://casebook.example.org/cases/2024-001/"),
        "{changed}"
    );
    assert!(!changed.contains("/cases/2024-002/"), "{changed}");

    let outputs = [&first, &second, &dry, &third];
    let texts: Vec<String> = outputs
        .iter()
        .flat_map(|o| [stdout(o), stderr(o)])
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_no_secret(&texts, &[&root, server.data.path()]);
}

/// Modification times of every file under `dir`.
fn mtimes(dir: &Path) -> BTreeMap<PathBuf, std::time::SystemTime> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().to_path_buf(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_killed_deploy_leaves_the_site_whole_and_the_next_one_completes_it() {
    let Some(server) =
        Server::start("a_killed_deploy_leaves_the_site_whole_and_the_next_one_completes_it")
    else {
        return;
    };
    let (_dir, root) = built_site();
    ok(&deploy(&server, &root, &[]));
    let old = server.objects();
    // A new site title changes every page.
    let config = root.join("casebook.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let title = text
        .lines()
        .find(|l| l.starts_with("title"))
        .unwrap()
        .to_string();
    std::fs::write(
        &config,
        text.replacen(&title, "title = \"质量标杆案例库（新版）\"", 1),
    )
    .unwrap();
    ok(&casebook(["build", "--root", root.to_str().unwrap()]));
    let new = expected(&root);

    // One upload at a time; killed once a few new files are in.
    let mut child = deploy_command(&server.endpoint, &root, &["--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let objects = server.objects();
        // Mid-deploy every page of the old site is still there.
        for key in old.keys() {
            assert!(objects.contains_key(key), "{key} vanished mid-deploy");
        }
        let arrived = new
            .iter()
            .filter(|(k, v)| old.get(*k) != Some(*v) && objects.get(*k) == Some(*v))
            .count();
        if arrived >= 3 || child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the deploy uploaded nothing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let finished_first = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !finished_first,
        "the deploy finished before it could be killed"
    );
    let objects = server.objects();
    for key in old.keys() {
        assert!(objects.contains_key(key), "{key} vanished after the kill");
    }
    let manifest = String::from_utf8(objects["www/.casebook-deploy.json"].clone()).unwrap();
    assert!(
        manifest.contains("\"stale\""),
        "the interim manifest marks the pages being changed"
    );

    ok(&deploy(&server, &root, &[]));
    assert_bucket_is_output(&server, &root);
}

#[test]
fn a_lying_or_garbage_bucket_manifest_never_skips_a_changed_file() {
    let Some(server) =
        Server::start("a_lying_or_garbage_bucket_manifest_never_skips_a_changed_file")
    else {
        return;
    };
    let (_dir, root) = built_site();
    ok(&deploy(&server, &root, &[]));
    let op = server.operator();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Someone replaced a page behind the manifest's back: the manifest
    // still names the old hash, the bucket holds other bytes.
    runtime
        .block_on(op.write("cases/2024-002/index.html", "defaced"))
        .unwrap();
    let again = ok(&deploy(&server, &root, &[])).clone();
    assert!(
        stderr(&again).contains("上传 1 个文件"),
        "{}",
        stderr(&again)
    );
    assert_bucket_is_output(&server, &root);

    // The manifest names another hash for a page than the bucket holds
    // (s3s-fs lists no ETags, so the manifest is what a skip rests on):
    // that page is uploaded again.
    let manifest = runtime
        .block_on(op.read(".casebook-deploy.json"))
        .unwrap()
        .to_vec();
    let mut manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    manifest["files"]["cases/2024-003/index.html"]["md5"] = "0".repeat(32).into();
    runtime
        .block_on(op.write(
            ".casebook-deploy.json",
            serde_json::to_vec(&manifest).unwrap(),
        ))
        .unwrap();
    let lie = ok(&deploy(&server, &root, &["--dry-run"])).clone();
    assert_eq!(planned(&lie), ["cases/2024-003/index.html"]);

    // A manifest of garbage: reported, every file compared, none lost.
    runtime
        .block_on(op.write(".casebook-deploy.json", vec![0xff_u8; 4096]))
        .unwrap();
    runtime
        .block_on(op.write("cases/2024-001/index.html", "defaced"))
        .unwrap();
    // The defaced page is no longer provably ours: refused, then adopted.
    let refused = deploy(&server, &root, &[]);
    assert_eq!(code(&refused), 1, "{}", stderr(&refused));
    // (s3s-fs lists no ETags: without a manifest no object is provably
    // the same, so every one is named, not only the defaced page.)
    assert!(
        stderr(&refused).contains("个对象不在 Casebook 的发布清单里")
            && stderr(&refused).contains("--adopt"),
        "{}",
        stderr(&refused)
    );
    let defaced = runtime
        .block_on(op.read("cases/2024-001/index.html"))
        .unwrap()
        .to_vec();
    assert_eq!(defaced, b"defaced", "a refused deploy changed the bucket");
    let garbage = ok(&deploy(&server, &root, &["--adopt"])).clone();
    assert!(
        stderr(&garbage).contains("发布清单") && stderr(&garbage).contains("不能用"),
        "{}",
        stderr(&garbage)
    );
    assert_bucket_is_output(&server, &root);

    // Objects the manifest does not name are never deleted.
    runtime
        .block_on(op.write("theirs.txt", "not Casebook's"))
        .unwrap();
    ok(&deploy(&server, &root, &[]));
    assert!(server.bucket_dir().join("www/theirs.txt").exists());
}

#[test]
fn an_unreachable_endpoint_fails_after_bounded_retries_without_the_secret() {
    let (_dir, root) = built_site();
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = deploy_command(&format!("http://127.0.0.1:{port}"), &root, &[])
        .output()
        .unwrap();
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("已尝试 5 次") && err.contains("AWS_ENDPOINT_URL"),
        "{err}"
    );
    assert_no_secret(&[&err, &stdout(&output)], &[&root]);
}

#[test]
fn bad_targets_missing_variables_and_unfinished_outputs_are_refused() {
    let dir = temp_dir();
    let root = common::example_site_at(dir.path());
    let endpoint = "http://127.0.0.1:9";
    let run = |extra: &[&str]| deploy_command(endpoint, &root, extra).output().unwrap();
    // No build yet.
    let none = run(&[]);
    assert_eq!(code(&none), 1);
    assert!(
        stderr(&none).contains("casebook build"),
        "{}",
        stderr(&none)
    );
    ok(&casebook([
        "build",
        "--root",
        root.to_str().unwrap(),
        "--drafts",
    ]));
    let drafts = run(&[]);
    assert!(stderr(&drafts).contains("--drafts"), "{}", stderr(&drafts));
    // A site's own base.html without the drafts banner: the build's record,
    // not the page, says it was a preview.
    let base = std::fs::read_to_string("themes/default/templates/base.html").unwrap();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("templates/base.html"),
        base.replace("draft-banner", "notice"),
    )
    .unwrap();
    ok(&casebook([
        "build",
        "--root",
        root.to_str().unwrap(),
        "--drafts",
    ]));
    assert!(!std::fs::read_to_string(root.join("output/index.html"))
        .unwrap()
        .contains("draft-banner"));
    let drafts = run(&[]);
    assert_eq!(code(&drafts), 1);
    assert!(stderr(&drafts).contains("--drafts"), "{}", stderr(&drafts));
    std::fs::remove_dir_all(root.join("templates")).unwrap();
    ok(&casebook(["build", "--root", root.to_str().unwrap()]));
    for target in [
        "s3://site/../etc",
        "file:///etc/passwd",
        "s3://A_B/x",
        "s3://site/a//b",
        "oss://site/x",
    ] {
        let output = run(&["--target", target]);
        assert_eq!(code(&output), 1, "{target}");
        assert!(
            stderr(&output).contains("s3://"),
            "{target}: {}",
            stderr(&output)
        );
    }
    // Missing variables are all named, in Chinese.
    let output = Command::new(common::BIN)
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args([
            "deploy",
            "--root",
            root.to_str().unwrap(),
            "--target",
            "s3://site/www",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&output), 1);
    for name in [
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        assert!(stderr(&output).contains(name), "{}", stderr(&output));
    }
    // A file Casebook did not make, deep in the output: never published.
    let note = root.join("output/cases/评审意见.txt");
    std::fs::write(&note, "内部评审意见").unwrap();
    let foreign = run(&["--dry-run"]);
    assert_eq!(code(&foreign), 1);
    assert!(
        stderr(&foreign).contains("cases/评审意见.txt"),
        "{}",
        stderr(&foreign)
    );
    std::fs::remove_file(&note).unwrap();
    // An output without the build's record (an older release's, or edited
    // by hand) is not published.
    let record = root
        .join("output")
        .join(casebook::destination::BUILD_RECORD);
    std::fs::remove_file(&record).unwrap();
    let unrecorded = run(&["--dry-run"]);
    assert_eq!(code(&unrecorded), 1);
    assert!(
        stderr(&unrecorded).contains("casebook build"),
        "{}",
        stderr(&unrecorded)
    );
    // A key typed into casebook.toml: named, never shown, nothing sent.
    let config = root.join("casebook.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let typed = "TypedIntoTheConfig0123456789";
    std::fs::write(
        &config,
        format!("{original}\n[deploy]\nsecret_access_key = \"{typed}\"\n"),
    )
    .unwrap();
    let leaked = run(&["--dry-run"]);
    let check = casebook(["check", "--root", root.to_str().unwrap()]);
    let check_json = casebook([
        "check",
        "--root",
        root.to_str().unwrap(),
        "--format",
        "json",
    ]);
    for output in [&leaked, &check, &check_json] {
        assert_eq!(code(output), 1);
        let text = format!("{}{}", stdout(output), stderr(output));
        assert!(text.contains("secret_access_key"), "{text}");
        assert!(!text.contains(typed), "the key was shown:\n{text}");
    }
    assert!(stderr(&leaked).contains("AWS_SECRET_ACCESS_KEY"));
    assert!(!stderr(&leaked).contains("构建失败"), "{}", stderr(&leaked));
    std::fs::write(&config, original).unwrap();
    // A file Casebook did not make at the output's top.
    ok(&casebook(["build", "--root", root.to_str().unwrap()]));
    std::fs::write(root.join("output/notes.txt"), "mine").unwrap();
    let foreign = run(&[]);
    assert_eq!(code(&foreign), 1);
    assert!(
        stderr(&foreign).contains("notes.txt"),
        "{}",
        stderr(&foreign)
    );
}
