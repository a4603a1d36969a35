//! `casebook serve`: builds the example site, answers on 127.0.0.1, never
//! serves files outside its output, works with WeChat's query strings,
//! rebuilds when content changes, and tells open pages to reload (or shows
//! them the errors) over its event stream.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET `path`; returns (status, body).
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

fn start(root: &Path) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("casebook serve starts");
    let server = Server { child, port };
    // Generous: CI machines are shared and the first build is a full one.
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if matches!(get(port, "/"), Some((200, _))) {
            return server;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("casebook serve did not answer on port {port}");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the example site (config and content) that the test may edit.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(repo.join("casebook.toml"), dir.path().join("casebook.toml")).unwrap();
    copy_dir(&repo.join("content"), &dir.path().join("content"));
    dir
}

#[test]
fn serves_pages_safely_and_rebuilds_on_change() {
    let site = example_copy();
    let server = start(site.path());
    let port = server.port;

    let (status, home) = get(port, "/").unwrap();
    assert_eq!(status, 200);
    assert!(home.contains("质量标杆"), "home page served");
    // Links in the preview point at the preview, not the real host.
    assert!(home.contains(&format!("http://127.0.0.1:{port}/")));

    let (status, _) = get(port, "/cases/2023-001/?from=singlemessage&isappinstalled=0").unwrap();
    assert_eq!(status, 200, "WeChat's query strings are ignored");

    for path in [
        "/../casebook.toml",
        "/%2e%2e/casebook.toml",
        "/cases/..%2f..%2fcasebook.toml",
        "/nope/",
    ] {
        let (status, body) = get(port, path).unwrap();
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("[site]"), "{path} must not leak files");
    }

    // Edit a case: the preview rebuilds and shows the change.
    let file = site.path().join("content/pages/about.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen("\n---\n", "\n---\n\n预览更新标记XYZ\n\n", 1),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, body) = get(port, "/about/").unwrap();
        if body.contains("预览更新标记XYZ") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "preview did not rebuild after an edit"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // Break the content: pages show the diagnostic instead of stale HTML.
    std::fs::write(&file, "没有前置信息\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = get(port, "/about/").unwrap();
        if status == 500 && body.contains("front-matter-missing") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "preview did not show the build error"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `/api/search` answers from the tantivy index like `casebook search
/// --json`: the same hits, in the same order, with filters and limits.
#[test]
fn answers_search_queries_live() {
    let site = example_copy();
    let server = start(site.path());
    let port = server.port;
    let json = |path: &str| -> (u16, serde_json::Value) {
        let (status, body) = get(port, path).unwrap();
        (status, serde_json::from_str(&body).expect("JSON body"))
    };

    let (status, hits) = json("/api/search?q=%E8%A5%BF%E6%A0%BC%E7%8E%9B&from=wechat");
    assert_eq!(status, 200);
    let cli = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(["search", "--json", "--root"])
        .arg(site.path())
        .arg("西格玛")
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&hits), ids(&cli), "serve and the CLI agree");
    assert!(ids(&hits).contains(&"2023-001".to_string()));
    let first = &hits[0];
    assert!(first["snippet"].as_str().unwrap().contains("<mark>"));
    assert!(first["url"].as_str().unwrap().starts_with("/cases/"));

    // Filters and a limit.
    let (_, filtered) = json("/api/search?q=%E7%B2%BE%E7%9B%8A&area=social-responsibility");
    let mut filtered = ids(&filtered);
    filtered.sort();
    assert_eq!(filtered, ["2022-003", "2024-004"]);
    let (_, one) = json("/api/search?q=%E7%B2%BE%E7%9B%8A&limit=1");
    assert_eq!(one.as_array().unwrap().len(), 1);

    // What it cannot answer, it says, in Chinese.
    let (status, error) = json("/api/search?q=%E3%80%82");
    assert_eq!(status, 400);
    assert!(error["error"].as_str().unwrap().contains("没有可搜索"));
    let (status, _) = json("/api/search?q=x&year=abc");
    assert_eq!(status, 400);
    // Nothing unpublished is found.
    let (_, drafts) = json("/api/search?q=%E6%99%BA%E7%AE%97");
    assert_eq!(drafts, serde_json::json!([]));
}

/// The preview's event stream, read with a plain TCP client.
struct Events {
    stream: TcpStream,
    buffer: String,
}

impl Events {
    fn open(port: u16) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        write!(
            stream,
            "GET /__casebook/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut events = Events {
            stream,
            buffer: String::new(),
        };
        let head = events.next(Duration::from_secs(5)).expect("response head");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("text/event-stream"), "{head}");
        events
    }

    /// The next block (up to a blank line) within `wait`.
    fn next(&mut self, wait: Duration) -> Option<String> {
        let deadline = Instant::now() + wait;
        loop {
            let end = self.buffer.find("\r\n\r\n").map(|at| (at, 4));
            let end = end.or_else(|| self.buffer.find("\n\n").map(|at| (at, 2)));
            if let Some((at, len)) = end {
                let block = self.buffer[..at].to_string();
                self.buffer.drain(..at + len);
                return Some(block);
            }
            if Instant::now() > deadline {
                return None;
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buffer.push_str(&String::from_utf8_lossy(&chunk[..n])),
                Err(_) => {} // timed out: look at the clock again
            }
        }
    }

    /// The data of the first `name` event within `wait` (others skipped).
    fn wait_for(&mut self, name: &str, wait: Duration) -> Option<serde_json::Value> {
        let deadline = Instant::now() + wait;
        while let Some(block) = self.next(deadline.saturating_duration_since(Instant::now())) {
            let mut event = "";
            let mut data = "";
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event: ") {
                    event = value;
                } else if let Some(value) = line.strip_prefix("data: ") {
                    data = value;
                }
            }
            if event == name {
                return Some(serde_json::from_str(data).expect("JSON data"));
            }
        }
        None
    }
}

/// Open pages hear of changes: an edit to a case sends a reload naming its
/// page; breaking the case sends the diagnostic (and pages show it); the
/// fix clears it.
#[test]
fn tells_open_pages_to_reload_and_shows_errors() {
    let site = example_copy();
    let server = start(site.path());
    let port = server.port;

    // Served pages listen; the script is served by the preview.
    let (_, page) = get(port, "/cases/2023-003/").unwrap();
    assert!(page.contains("<script src=\"/__casebook/live.js\" defer></script></body>"));
    let (status, script) = get(port, "/__casebook/live.js").unwrap();
    assert_eq!(status, 200);
    assert!(script.contains("EventSource('/__casebook/events')"));

    let mut events = Events::open(port);
    let file = site.path().join("content/cases/2023/2023-003.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen("提升检测服务质量的经验", "提升检测服务水平的经验", 1);
    assert_ne!(edited, text);
    let saved = Instant::now();
    std::fs::write(&file, &edited).unwrap();
    let reload = events
        .wait_for("reload", Duration::from_secs(60))
        .expect("a reload event after the edit");
    let paths = reload["paths"].as_array().unwrap();
    assert!(
        paths.contains(&serde_json::json!("/cases/2023-003/")),
        "{reload}"
    );
    eprintln!("edit to reload event: {:?}", saved.elapsed());
    let (_, page) = get(port, "/cases/2023-003/").unwrap();
    assert!(page.contains("提升检测服务水平的经验"));

    // Broken: the diagnostic, as the CLI prints it, goes to open pages, and
    // pages opened now show it.
    std::fs::write(&file, "没有前置信息\n").unwrap();
    let failed = events
        .wait_for("failed", Duration::from_secs(60))
        .expect("an error event");
    let report = failed["text"].as_str().unwrap();
    assert!(report.contains("front-matter-missing"), "{report}");
    assert!(
        report.contains("content/cases/2023/2023-003.md:1:1"),
        "{report}"
    );
    let (status, page) = get(port, "/cases/2023-001/").unwrap();
    assert_eq!(status, 500);
    assert!(page.contains("front-matter-missing"));
    assert!(
        page.contains("/__casebook/live.js"),
        "the error page recovers by itself"
    );
    // A page that connects now hears the error at once.
    let mut late = Events::open(port);
    assert!(late.wait_for("failed", Duration::from_secs(5)).is_some());

    // Fixed: the error clears and pages are served again.
    std::fs::write(&file, &edited).unwrap();
    assert!(events.wait_for("ok", Duration::from_secs(60)).is_some());
    let (status, page) = get(port, "/cases/2023-003/").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("提升检测服务水平的经验"));
}

/// A copy of `tests/fixtures/rules/base` with `extra` more cases, each
/// naming 质量管理 in its summary.
fn generated_site(extra: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/base");
    copy_dir(&base, dir.path());
    let case = std::fs::read_to_string(base.join("content/cases/2023/2023-001/index.md")).unwrap();
    for n in 2..extra + 2 {
        let id = format!("2023-{n:03}");
        let text = case
            .replace("2023-001", &id)
            .replace("上海测试有限公司", &format!("上海测试{n}号有限公司"))
            .replace("![生产线](line.png)", "")
            .replace("摘要正文。", "推进质量管理。");
        std::fs::write(dir.path().join(format!("content/cases/2023/{id}.md")), text).unwrap();
    }
    dir
}

/// Send `request` and read until the end of the response head (or 10 s
/// pass: a refused connection is left open, not closed).
fn response_head(port: u16, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && matches!(stream.read(&mut byte), Ok(1)) {
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[test]
fn bodies_over_one_kilobyte_are_answered_413() {
    let site = generated_site(0);
    let server = start(site.path());
    let port = server.port;
    for length in ["1025", "4096", "99999999999"] {
        let request = format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\nab");
        let head = response_head(port, request.as_bytes());
        assert!(
            head.starts_with("HTTP/1.1 413 "),
            "Content-Length {length}: {head:?}"
        );
    }
    // A body of exactly 1 KB is read and the request answered as usual.
    let body = "a".repeat(1024);
    let request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 1024\r\n\r\n{body}"
    );
    let head = response_head(port, request.as_bytes());
    assert!(head.starts_with("HTTP/1.1 200 "), "1024 bytes: {head:?}");
}

#[test]
fn search_api_caps_limit_at_100() {
    // 130 cases hold the query's terms: more than the cap.
    let site = generated_site(130);
    let server = start(site.path());
    let count = |query: &str| -> usize {
        // HTTP/1.0: the whole body, never chunked.
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let path = format!("/api/search?q=%E8%B4%A8%E9%87%8F{query}");
        write!(stream, "GET {path} HTTP/1.0\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.0 200 "), "{head}\n{body}");
        let hits: serde_json::Value = serde_json::from_str(body).unwrap();
        hits.as_array().unwrap().len()
    };
    assert_eq!(count(""), 10, "the default limit");
    assert_eq!(count("&limit=120"), 100);
    assert_eq!(count("&limit=1000"), 100);
    assert_eq!(count("&limit=99999999999999"), 100);
    assert_eq!(count("&limit=37"), 37);
}
