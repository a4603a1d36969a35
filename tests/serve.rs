//! `casebook serve`: builds the example site, answers on 127.0.0.1, never
//! serves files outside its output, works with WeChat's query strings,
//! rebuilds when content changes, and tells open pages to reload (or shows
//! them the errors) over its event stream.

mod common;

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
        // SIGTERM, so that the server removes its private folder.
        let _ = stop(&mut self.child, libc::SIGTERM);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Send `signal` to `child` and wait (at most a minute) for it to end.
fn stop(child: &mut Child, signal: libc::c_int) -> Option<std::process::ExitStatus> {
    // SAFETY: kill has no memory preconditions; the pid is our child's.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The whole response to `GET path`.
fn response_bytes(port: u16, path: &str) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    Some(response)
}

/// The whole response to `GET path`, as text.
fn response(port: u16, path: &str) -> Option<String> {
    Some(String::from_utf8_lossy(&response_bytes(port, path)?).into_owned())
}

/// GET `path`; returns (status, body).
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let text = response(port, path)?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// The status line and headers of `GET path`.
fn get_head(port: u16, path: &str) -> Option<String> {
    Some(response(port, path)?.split_once("\r\n\r\n")?.0.to_string())
}

fn start(root: &Path) -> Server {
    start_with(root, &[], None)
}

/// `casebook serve` on `root` with `extra` arguments, its temporary folder
/// in `tmp` when given; returns once it answers `/`.
fn start_with(root: &Path, extra: &[&str], tmp: Option<&Path>) -> Server {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_casebook"));
    if let Some(tmp) = tmp {
        command.env("TMPDIR", tmp);
    }
    let child = command
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(root)
        .args(extra)
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

/// A copy of the example site (config and content) that the test may edit.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::example_site_at(dir.path());
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

    // The synonyms: 6σ and Six Sigma are searched as 六西格玛.
    let (_, six_sigma) = json("/api/search?q=%E5%85%AD%E8%A5%BF%E6%A0%BC%E7%8E%9B&limit=100");
    assert!(ids(&six_sigma).len() >= 3);
    for query in ["6%CF%83", "Six%20Sigma"] {
        let (status, found) = json(&format!("/api/search?q={query}&limit=100"));
        assert_eq!(status, 200);
        assert_eq!(ids(&found), ids(&six_sigma), "{query}");
    }

    // The 方法 facet, by slug or name.
    let (_, lean) = json("/api/search?q=%E8%B4%A8%E9%87%8F&method=lean&limit=100");
    let (_, by_name) = json("/api/search?q=%E8%B4%A8%E9%87%8F&method=%E7%B2%BE%E7%9B%8A&limit=100");
    let (_, everything) = json("/api/search?q=%E8%B4%A8%E9%87%8F&limit=100");
    assert!(!ids(&lean).is_empty());
    assert_eq!(ids(&lean), ids(&by_name));
    assert!(ids(&lean).len() < ids(&everything).len());
    let cli = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args([
            "search", "--json", "--limit", "100", "--method", "lean", "--root",
        ])
        .arg(site.path())
        .arg("质量")
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(ids(&lean), ids(&cli), "serve and the CLI filter alike");

    // 你是不是要找 comes in a header when nothing is found (六西格马 → 六西格玛).
    let head = |path: &str| get_head(port, path).unwrap();
    let missed = head("/api/search?q=%E5%85%AD%E8%A5%BF%E6%A0%BC%E9%A9%AC");
    assert!(missed.starts_with("HTTP/1.1 200"), "{missed}");
    let suggestion = missed
        .lines()
        .find_map(|l| l.strip_prefix("X-Casebook-Suggestion: "))
        .expect("a suggestion header");
    let decoded = percent_encoding::percent_decode_str(suggestion.trim())
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, "六西格玛");
    let found = head("/api/search?q=%E5%85%AD%E8%A5%BF%E6%A0%BC%E7%8E%9B");
    assert!(!found.contains("X-Casebook-Suggestion"), "{found}");

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
            "GET /__casebook/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
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

// ---------------------------------------------------------------------------
// Safe to leave running: only its own names, no client delays another,
// bounded queries, a private folder that never outlives the server.
// ---------------------------------------------------------------------------

fn basic_fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic")
}

/// Send `head` (request line and headers, without the blank line) and
/// read the whole answer; returns (status, body).
fn raw(port: u16, head: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(b"\r\n\r\n").unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string());
    (status, body.unwrap_or_default())
}

/// A page of another site whose name resolves to 127.0.0.1 (DNS
/// rebinding) sends its own name as `Host`: refused, whatever the path;
/// the server's own names, in any case, with its port, are answered.
#[test]
fn answers_only_requests_for_its_own_names() {
    let server = start_with(&basic_fixture(), &["--drafts"], None);
    let port = server.port;
    let other = port.wrapping_add(1);
    let refused = [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("localhost.nip.io:{port}"),
        format!("localhost.:{port}"),
        format!("LOCALHOST.:{port}"),
        "localhost:80".to_string(),
        format!("localhost:{other}"),
        format!("127.0.0.1:{other}"),
        format!("localhost:0{port}"),
        "127.0.0.1".to_string(),
        "localhost".to_string(),
        format!("127.0.0.2:{port}"),
        format!("0.0.0.0:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
        format!("[0:0:0:0:0:0:0:1]:{port}"),
        "[::1]".to_string(),
        format!("localhost:{port}@evil.example"),
        format!("evil.example#@localhost:{port}"),
    ];
    // The drafts, the search and the event stream are what a rebinding
    // page would be after.
    for path in [
        "/",
        "/cases/2024-001/",
        "/api/search?q=test",
        "/__casebook/events",
    ] {
        for host in &refused {
            let (status, body) = raw(port, &format!("GET {path} HTTP/1.1\r\nHost: {host}"));
            assert_eq!(status, 421, "Host: {host} on {path}");
            assert!(body.contains("预览服务器只接受"), "Host: {host}: {body}");
            assert!(!body.contains("<html"), "Host: {host} got a page");
        }
        // Two Host headers, one of them right: refused too.
        let two = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example");
        assert_eq!(raw(port, &two).0, 421, "two Host headers on {path}");
        // No Host at all (HTTP/1.0 allows it): refused, a browser always
        // sends one.
        let (status, body) = raw(port, &format!("GET {path} HTTP/1.0"));
        assert_eq!(status, 400, "no Host on {path}");
        assert!(body.contains("Host"), "{body}");
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
    ] {
        for version in ["HTTP/1.1", "HTTP/1.0"] {
            let (status, body) = raw(
                port,
                &format!("GET /cases/2024-001/ {version}\r\nHost: {host}"),
            );
            assert_eq!(status, 200, "Host: {host} {version}");
            assert!(body.contains("<html"), "Host: {host}");
        }
        let (status, _) = raw(
            port,
            &format!("GET /api/search?q=test HTTP/1.1\r\nhost: {host}"),
        );
        assert_eq!(status, 200, "search with Host: {host}");
    }
}

/// Whether the server still holds `stream` open (nothing to read, not
/// closed).
fn still_open(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let open =
        matches!(stream.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
    stream.set_nonblocking(false).unwrap();
    open
}

/// Clients that stall (`Expect: 100-continue` and then nothing, headers a
/// byte at a time, a connection that says nothing, a head without its end)
/// never delay another: while they are all still open, other clients get
/// pages, searches, and the refusal of a 1 MB query.
#[test]
fn no_stalled_client_delays_another() {
    let server = start_with(&basic_fixture(), &[], None);
    let port = server.port;
    let host = format!("Host: 127.0.0.1:{port}");

    // Expect: 100-continue, a body declared and never sent: refused at
    // once (the old server waited for the body on the thread that answered
    // everyone), in either size, on any method.
    let mut expecting = Vec::new();
    for (method, length) in [("POST", 500), ("PUT", 10), ("GET", 1_000_000)] {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        write!(
            stream,
            "{method} /about/ HTTP/1.1\r\n{host}\r\nExpect: 100-continue\r\nContent-Length: {length}\r\n\r\n"
        )
        .unwrap();
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 417", "{method} {length}");
        expecting.push(stream);
    }
    // Slowloris: a header a byte every 50 ms, for as long as the test runs.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let slow = {
        let done = std::sync::Arc::clone(&done);
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        std::thread::spawn(move || {
            stream.write_all(b"GET / HTTP/1.1\r\n").unwrap();
            let mut sent = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                if stream.write_all(b"X").is_err() {
                    return None;
                }
                sent += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            Some(sent)
        })
    };
    // Forty connections that say nothing, and some heads never finished.
    let idle: Vec<TcpStream> = (0..40)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    let mut unfinished = Vec::new();
    for head in [
        format!("GET / HTTP/1.1\r\n{host}"),
        format!("GET /api/search?q=test HTTP/1.1\r\n{host}\r\n"),
        "GET /cases/2023-001/ HTT".to_string(),
    ] {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        unfinished.push(stream);
    }

    // Meanwhile, everyone else is answered.
    for _ in 0..5 {
        let (status, body) = get(port, "/about/").unwrap();
        assert_eq!(status, 200);
        assert!(body.contains("<html"));
    }
    let (status, hits) = get(port, "/api/search?q=test").unwrap();
    assert_eq!(status, 200, "{hits}");
    assert!(hits.starts_with('['), "{hits}");
    // A 1 MB query: refused, in Chinese JSON, without reading it all.
    let huge = format!(
        "GET /api/search?q={} HTTP/1.1\r\n{host}",
        "质".repeat(350_000)
    );
    let (status, body) = raw(port, &huge);
    assert_eq!(status, 414);
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(error["error"].as_str().unwrap().contains("请求地址太长"));

    // All of that happened while the stalled clients were still there.
    for stream in idle.iter().chain(&unfinished) {
        assert!(still_open(stream), "a stalled connection was closed");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let sent = slow.join().unwrap();
    assert!(sent.is_some_and(|n| n > 0), "the slow client was cut off");
    drop((expecting, idle, unfinished));
    assert_eq!(get(port, "/").unwrap().0, 200);
}

/// `/api/search` takes at most 256 characters of query, counted after
/// decoding: longer ones are refused with a Chinese JSON error (a 1 MB
/// query took 16 s).
#[test]
fn search_queries_have_a_length_limit() {
    let server = start_with(&basic_fixture(), &[], None);
    let port = server.port;
    let encoded = |c: &str, n: usize| {
        percent_encoding::utf8_percent_encode(&c.repeat(n), percent_encoding::NON_ALPHANUMERIC)
            .to_string()
    };
    for (text, n) in [("a", 256), ("质", 256), ("质量 ", 85)] {
        let (status, body) = get(port, &format!("/api/search?q={}", encoded(text, n))).unwrap();
        assert_eq!(status, 200, "{n} × {text:?}: {body}");
    }
    for (text, n) in [("a", 257), ("质", 257), ("质量 ", 86), ("x", 2000)] {
        let (status, body) = get(port, &format!("/api/search?q={}", encoded(text, n))).unwrap();
        assert_eq!(status, 400, "{n} × {text:?}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        let message = error["error"].as_str().unwrap();
        assert!(
            message.contains("搜索词太长") && message.contains("256"),
            "{message}"
        );
    }
    // Over the request-target limit, anywhere: 414.
    let (status, body) = get(port, &format!("/{}", "a".repeat(9000))).unwrap();
    assert_eq!(status, 414);
    assert!(body.contains("请求地址太长"), "{body}");
}

/// The preview folder of the server with process id `pid` in `tmp`.
fn private_folder(tmp: &Path, pid: u32) -> std::path::PathBuf {
    tmp.join(format!("casebook-serve-{pid}"))
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

/// With `--drafts` the private folder holds drafts: it is its owner's
/// alone from the start (0700), and SIGTERM, SIGINT and SIGHUP remove it;
/// the server exits with 128 + the signal.
#[test]
fn ending_signals_remove_the_private_folder() {
    for (signal, code) in [
        (libc::SIGTERM, 143),
        (libc::SIGINT, 130),
        (libc::SIGHUP, 129),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let mut server = start_with(&basic_fixture(), &["--drafts"], Some(tmp.path()));
        let folder = private_folder(tmp.path(), server.child.id());
        assert_eq!(mode(&folder), 0o700, "{folder:?}");
        let draft = folder.join("site/cases/2024-001/index.html");
        assert!(draft.is_file(), "the draft is built into {folder:?}");
        let status = stop(&mut server.child, signal).expect("the server ends");
        assert_eq!(status.code(), Some(code), "signal {signal}");
        assert!(!folder.exists(), "signal {signal} left {folder:?}");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }
}

/// SIGKILL cannot be caught: the folder stays, and the next start removes
/// it. Nothing else in the temporary directory is touched: folders by the
/// same name without the mark, with a copied mark but a live process or a
/// name Casebook never makes, a link to a marked folder, a plain file.
#[test]
fn the_next_start_removes_a_killed_servers_folder_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let mut killed = start_with(&basic_fixture(), &["--drafts"], Some(tmp));
    let leftover = private_folder(tmp, killed.child.id());
    let status = stop(&mut killed.child, libc::SIGKILL).unwrap();
    assert!(status.code().is_none());
    assert!(leftover.join("site/cases/2024-001/index.html").is_file());
    let mark = std::fs::read(leftover.join(".casebook-serve")).unwrap();

    // Process ids that are gone: short processes, waited for.
    let dead = || {
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let keep = |name: String, marked: bool| {
        let path = tmp.join(name);
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep.txt"), "not Casebook's").unwrap();
        if marked {
            std::fs::write(path.join(".casebook-serve"), &mark).unwrap();
        }
        path
    };
    let kept = [
        keep(format!("casebook-serve-{}", dead()), false),
        keep(format!("casebook-serve-{}", std::process::id()), true),
        keep(format!("casebook-serve-0{}", dead()), true),
        keep(format!("casebook-serve-{}.old", dead()), true),
        keep(format!("casebook-server-{}", dead()), true),
    ];
    let wrong_mark = keep(format!("casebook-serve-{}", dead()), false);
    std::fs::write(wrong_mark.join(".casebook-serve"), "casebook\n").unwrap();
    let target = keep("marked-elsewhere".to_string(), true);
    let link = tmp.join(format!("casebook-serve-{}", dead()));
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let file = tmp.join(format!("casebook-serve-{}", dead()));
    std::fs::write(&file, "a file").unwrap();

    let mut next = start_with(&basic_fixture(), &[], Some(tmp));
    assert!(!leftover.exists(), "the killed server's folder stays");
    for path in kept.iter().chain([&wrong_mark, &target]) {
        assert!(path.join("keep.txt").is_file(), "{path:?} was touched");
    }
    assert!(link.is_symlink() && target.join(".casebook-serve").is_file());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a file");
    let own = private_folder(tmp, next.child.id());
    assert_eq!(mode(&own), 0o700);
    assert_eq!(
        stop(&mut next.child, libc::SIGTERM).unwrap().code(),
        Some(143)
    );
    assert!(!own.exists());
}

/// A copy of `tests/fixtures/rules/base` with `extra` more cases, each
/// naming 质量管理 in its summary.
fn generated_site(extra: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/base");
    common::copy_dir(&base, dir.path());
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
        let request = format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {length}\r\n\r\nab"
        );
        let head = response_head(port, request.as_bytes());
        assert!(
            head.starts_with("HTTP/1.1 413 "),
            "Content-Length {length}: {head:?}"
        );
    }
    // A body of exactly 1 KB is let through (and never read): the request
    // is answered as usual.
    let body = "a".repeat(1024);
    let request =
        format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 1024\r\n\r\n{body}");
    let head = response_head(port, request.as_bytes());
    assert!(head.starts_with("HTTP/1.1 200 "), "1024 bytes: {head:?}");
}

#[test]
fn search_api_caps_limit_at_100() {
    // 130 cases hold the query's terms: more than the cap.
    let site = generated_site(130);
    let server = start(site.path());
    let count = |query: &str| -> usize {
        // One request per connection: the body ends when the server closes.
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let path = format!("/api/search?q=%E8%B4%A8%E9%87%8F{query}");
        let port = server.port;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200 "), "{head}\n{body}");
        let hits: serde_json::Value = serde_json::from_str(body).unwrap();
        hits.as_array().unwrap().len()
    };
    assert_eq!(count(""), 10, "the default limit");
    assert_eq!(count("&limit=120"), 100);
    assert_eq!(count("&limit=1000"), 100);
    assert_eq!(count("&limit=99999999999999"), 100);
    assert_eq!(count("&limit=37"), 37);
}

/// A copy of the basic fixture whose configured base URL is `base_url`.
fn basic_at(base_url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&basic_fixture(), dir.path());
    let config = dir.path().join("casebook.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let moved = text.replace("https://fixture.example.org/", base_url);
    assert_ne!(moved, text, "the fixture names its base URL");
    std::fs::write(&config, moved).unwrap();
    dir
}

/// The preview serves every page at its own root (`http://127.0.0.1:PORT/`)
/// whatever the configured base URL: `/api/search`'s links point there too,
/// at pages it serves, not under the configured sub-path.
#[test]
fn search_api_links_follow_the_preview_base_not_the_config() {
    for configured in [
        "https://fixture.example.org/casebook/",
        "http://localhost:8080/deep/sub/path/",
        "https://cases.example.org/%E6%A1%88%E4%BE%8B/",
    ] {
        let site = basic_at(configured);
        let server = start(site.path());
        let port = server.port;
        let (status, home) = get(port, "/").unwrap();
        assert_eq!(status, 200);
        // The pages link to the preview's own root.
        assert!(home.contains("href=\"/cases/"), "{configured}");
        // 经验: in every published case's title.
        let (status, body) = get(port, "/api/search?q=%E7%BB%8F%E9%AA%8C").unwrap();
        assert_eq!(status, 200, "{body}");
        let hits: serde_json::Value = serde_json::from_str(&body).unwrap();
        let hits = hits.as_array().unwrap();
        assert!(hits.len() >= 3, "{configured}: {body}");
        for hit in hits {
            let id = hit["id"].as_str().unwrap();
            let url = hit["url"].as_str().unwrap();
            assert_eq!(url, format!("/cases/{id}/"), "{configured}");
            let (status, page) = get(port, url).unwrap();
            assert_eq!(status, 200, "{configured}: {url}");
            assert!(page.contains(hit["title"].as_str().unwrap()), "{url}");
        }
    }
}

/// The body of `GET path`, as bytes (for pictures).
fn get_bytes(port: u16, path: &str) -> Option<Vec<u8>> {
    let response = response_bytes(port, path)?;
    let end = response.windows(4).position(|w| w == b"\r\n\r\n")?;
    response
        .starts_with(b"HTTP/1.1 200")
        .then(|| response[end + 4..].to_vec())
}

/// The preview's posters are the published ones, byte for byte: their QR
/// codes link the public site (no phone opens the editor's 127.0.0.1), so
/// a preview on any port reuses what the build drew.
#[test]
fn the_preview_shows_the_published_posters() {
    let site = example_copy();
    let built = common::build_ok(site.path(), &[]);
    let server = start(site.path());
    let mut compared = 0;
    for (path, bytes) in built.files() {
        if path.starts_with("cases/") && path.contains("/share/") && path.ends_with(".png") {
            let served = get_bytes(server.port, &format!("/{path}"));
            assert!(
                served.as_ref() == Some(&bytes),
                "{path} differs in the preview"
            );
            compared += 1;
        }
    }
    assert!(compared >= 2, "no posters compared");
}
