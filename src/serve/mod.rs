//! `casebook serve`: a local preview. Builds into a private temporary
//! folder (`private`: never `output/`, which keeps the real base URL; its
//! owner's alone, gone when the server ends), serves it on 127.0.0.1 to
//! requests addressed to it (`http`), and rebuilds when content, templates, static files or the
//! config change: an edited case is parsed again on its own and only the
//! pages it shows on are rendered and written again (`incremental`). Open
//! pages reload when they changed, and show the diagnostics over the page
//! while the site has errors (`reload`). `/api/search` answers queries live
//! from the tantivy index of the last good build, as `casebook search
//! --json` does.
//!
//! [`Server::start`] starts it; what happens then (builds, failures, the
//! address, the end) comes back as [`Notice`]s, which `cmd::serve` reads
//! on the caller's thread. Nothing here prints: `cli` shows the events.

mod http;
mod incremental;
mod private;
mod reload;

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use crate::diagnostics::{self, Diagnostic};
use crate::search::{Filters, SearchError, SearchIndex};
use http::Response;

pub use incremental::{Outcome, Preview};

/// What the server knows of the last build: the report of a failed one,
/// the search index of the last good one.
#[derive(Default)]
struct State {
    failure: Option<String>,
    index: Option<Arc<SearchIndex>>,
}

/// The live search endpoint.
const API_SEARCH: &str = "/api/search";

/// The header holding `/api/search`'s 你是不是要找 (a query, percent-encoded
/// UTF-8), sent only when nothing was found and the suggestion finds cases.
pub const SUGGESTION_HEADER: &str = "X-Casebook-Suggestion";

/// Results `/api/search` returns unless `limit` says otherwise (at most
/// [`MAX_LIMIT`]).
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

/// The longest search (characters, after decoding): a 1 MB query took
/// 16 s to answer.
const MAX_QUERY: usize = 256;

/// Paths below the site root whose changes trigger a rebuild.
const WATCHED: &[&str] = &["casebook.toml", "content", "templates", "static", "themes"];

/// Editors save in bursts: a rebuild waits this long for quiet.
const DEBOUNCE: Duration = Duration::from_millis(30);

/// The search export and books are refreshed after this long without
/// changes (they take seconds on a large site).
const QUIET: Duration = Duration::from_millis(1000);

/// What the preview reports as it goes, for the command running it to
/// show (the browsers get theirs from `reload`).
#[derive(Debug)]
pub enum ServeEvent {
    /// A build or rebuild succeeded: `changed` files written or removed
    /// (`full`: everything was rendered again), with the build's warnings,
    /// their paths relative to `root`.
    Built {
        root: PathBuf,
        cases: usize,
        changed: usize,
        full: bool,
        warnings: Vec<Diagnostic>,
        took: Duration,
    },
    /// Content, config or templates have errors; pages show them until
    /// they are fixed.
    Failed {
        root: PathBuf,
        diagnostics: Vec<Diagnostic>,
    },
    /// Writing the private folder failed.
    WriteFailed(io::Error),
    /// The first build is done and the preview answers at `url`.
    Listening { url: String },
}

/// Why the preview could not start.
#[derive(Debug)]
pub enum ServeError {
    /// The private folder could not be made in `temp`.
    Folder { temp: PathBuf, error: io::Error },
    /// The port is taken or not ours to use.
    Bind { port: u16, error: io::Error },
    /// The file watcher could not start.
    Watch(notify::Error),
}

/// How the server ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT, SIGTERM or SIGHUP (the number).
    Signal(i32),
    /// The listener stopped taking connections.
    Closed,
}

/// What the server tells whoever runs it, in the order it happened.
pub enum Notice {
    Event(ServeEvent),
    /// The preview cannot go on (after the events before it).
    Failed(ServeError),
    Ended(Stop),
}

/// A running preview: its private folder, removed when this is dropped,
/// and the notices of the threads that build, watch and serve.
pub struct Server {
    folder: private::Folder,
    notices: mpsc::Receiver<Notice>,
}

/// Where and how the preview builds.
struct Setup {
    root: PathBuf,
    out: PathBuf,
    port: u16,
    drafts: bool,
}

impl Server {
    /// Start the preview of `root` on 127.0.0.1:`port`. The private folder
    /// is made and the port bound before this returns; building, watching
    /// and serving go on in threads of their own, which report through
    /// [`Server::next`]. Call before any other thread starts: the ending
    /// signals are blocked here for every thread started from now on, so
    /// that only the one waiting for them gets them.
    pub fn start(root: &Path, port: u16, drafts: bool) -> Result<Server, ServeError> {
        private::block_signals();
        let temp = std::env::temp_dir();
        private::remove_leftovers(&temp);
        let folder =
            private::Folder::create(&temp).map_err(|error| ServeError::Folder { temp, error })?;
        let (notices, received) = mpsc::channel();
        let on_signal = notices.clone();
        private::on_ending_signal(move |signal| {
            let _ = on_signal.send(Notice::Ended(Stop::Signal(signal)));
        });
        let listener = match std::net::TcpListener::bind(("127.0.0.1", port)) {
            Ok(listener) => listener,
            Err(error) => {
                folder.remove();
                return Err(ServeError::Bind { port, error });
            }
        };
        let setup = Setup {
            root: root.to_path_buf(),
            out: folder.site(),
            port,
            drafts,
        };
        std::thread::spawn(move || run_preview(setup, listener, notices));
        Ok(Server {
            folder,
            notices: received,
        })
    }

    /// The next notice; waits for it.
    pub fn next(&self) -> Notice {
        self.notices.recv().unwrap_or(Notice::Ended(Stop::Closed))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.folder.remove();
    }
}

/// What the build thread shares with the server and tells the command.
struct Live {
    state: Arc<Mutex<State>>,
    hub: Arc<reload::Hub>,
    notices: mpsc::Sender<Notice>,
}

impl Live {
    fn notify(&self, notice: Notice) {
        // The receiver is gone only while the process ends.
        let _ = self.notices.send(notice);
    }
}

/// The first build, then the watcher, the listener and the rebuild loop.
fn run_preview(setup: Setup, listener: std::net::TcpListener, notices: mpsc::Sender<Notice>) {
    let live = Live {
        state: Arc::default(),
        hub: Arc::default(),
        notices,
    };
    let base_url = format!("http://127.0.0.1:{}/", setup.port);
    let mut preview = Preview::new(&setup.root, &setup.out, &base_url, setup.drafts);
    let started = Instant::now();
    let outcome = preview.build_all();
    report(&mut preview, outcome, started, &live);

    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    // Set by every change, so the slow refresh can give way.
    let pending = Arc::new(AtomicBool::new(false));
    let watcher = match start_watcher(preview.root(), tx, &pending) {
        Ok(watcher) => watcher,
        Err(error) => return live.notify(Notice::Failed(ServeError::Watch(error))),
    };
    live.notify(Notice::Event(ServeEvent::Listening { url: base_url }));
    let site = Arc::new(Site {
        out: setup.out,
        state: Arc::clone(&live.state),
        hub: Arc::clone(&live.hub),
    });
    let closed = live.notices.clone();
    std::thread::spawn(move || {
        http::serve(listener, setup.port, site);
        let _ = closed.send(Notice::Ended(Stop::Closed));
    });
    watch(preview, &rx, &pending, &live);
    drop(watcher);
}

/// Watch the site's sources; every change that is not a read is sent on
/// `tx` and sets `pending`.
fn start_watcher(
    root: &Path,
    tx: mpsc::Sender<notify::Result<notify::Event>>,
    pending: &Arc<AtomicBool>,
) -> notify::Result<notify::RecommendedWatcher> {
    let pending = Arc::clone(pending);
    let handler = move |event: notify::Result<notify::Event>| {
        // A build reads every watched file: reads are not changes
        // (counting them rebuilt in a loop, and would keep the slow
        // refresh giving way).
        if is_read(&event) {
            return;
        }
        pending.store(true, Ordering::SeqCst);
        let _ = tx.send(event);
    };
    let mut watcher = notify::recommended_watcher(handler)?;
    for name in WATCHED {
        let path = root.join(name);
        if path.exists() {
            let _ = watcher.watch(&path, RecursiveMode::Recursive);
        }
    }
    Ok(watcher)
}

/// The rebuild loop: wait for changes, rebuild what they touch, tell open
/// pages; after a quiet spell, refresh what shows every case (search,
/// books), giving way as soon as another change comes in.
fn watch(
    mut preview: Preview,
    rx: &mpsc::Receiver<notify::Result<notify::Event>>,
    pending: &AtomicBool,
    live: &Live,
) {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut healthy = true;
    loop {
        let first = if healthy && preview.slow_pending() {
            match rx.recv_timeout(QUIET) {
                Ok(event) => event,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // Nothing came in: a flag still set is stale.
                    pending.store(false, Ordering::SeqCst);
                    let started = Instant::now();
                    if let Some(outcome) = preview.refresh_slow(&|| pending.load(Ordering::SeqCst))
                    {
                        healthy = matches!(outcome, Outcome::Built { .. });
                        let changed = match &outcome {
                            Outcome::Built { changed, .. } => changed.clone(),
                            _ => Vec::new(),
                        };
                        report(&mut preview, outcome, started, live);
                        live.hub.changed(&changed);
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match rx.recv() {
                Ok(event) => event,
                Err(_) => return,
            }
        };
        collect(first, &mut paths);
        while let Ok(event) = rx.recv_timeout(DEBOUNCE) {
            collect(event, &mut paths);
        }
        // Everything sent so far is taken: what sets the flag now is new.
        pending.store(false, Ordering::SeqCst);
        while let Ok(event) = rx.try_recv() {
            collect(event, &mut paths);
        }
        if paths.is_empty() {
            continue;
        }
        let started = Instant::now();
        let outcome = preview.apply(&paths, &mut |changed| {
            // Files are written only once the content has no errors: pages
            // that reload now must get the page, not the error report.
            live.state.lock().unwrap_or_else(|e| e.into_inner()).failure = None;
            live.hub.fixed();
            live.hub.changed(changed);
        });
        paths.clear();
        healthy = matches!(outcome, Outcome::Built { .. });
        report(&mut preview, outcome, started, live);
    }
}

/// An event that only reports a file being opened, read or closed unchanged.
fn is_read(event: &notify::Result<notify::Event>) -> bool {
    use notify::event::{AccessKind, AccessMode, EventKind};
    match event {
        Ok(event) => match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => false,
            EventKind::Access(_) => true,
            _ => false,
        },
        Err(_) => false,
    }
}

/// The paths of a watcher event that can change the site (not reads).
fn collect(event: notify::Result<notify::Event>, paths: &mut Vec<PathBuf>) {
    if is_read(&event) {
        return;
    }
    let Ok(event) = event else {
        return;
    };
    for path in event.paths {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
}

/// Pass a rebuild's outcome on to the server, open pages and the command.
fn report(preview: &mut Preview, outcome: Outcome, started: Instant, live: &Live) {
    let took = started.elapsed();
    let root = preview.root().to_path_buf();
    let index = preview.search_index.take().map(Arc::new);
    let mut state = live.state.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(index) = index {
        state.index = Some(index);
    }
    let event = match outcome {
        Outcome::Built {
            changed,
            cases,
            warnings,
            full,
        } => {
            // Open pages were told of the files as they were written.
            state.failure = None;
            drop(state);
            live.hub.fixed();
            ServeEvent::Built {
                root,
                cases,
                changed: changed.len(),
                full,
                warnings,
                took,
            }
        }
        Outcome::Failed(diags) => {
            let text = diagnostics::render_human(&diags, &root);
            state.failure = Some(text.clone());
            drop(state);
            live.hub.failed(&text);
            ServeEvent::Failed {
                root,
                diagnostics: diags,
            }
        }
        Outcome::Io(err) => {
            let text = format!("写入预览目录失败：{err}");
            state.failure = Some(text.clone());
            drop(state);
            live.hub.failed(&text);
            ServeEvent::WriteFailed(err)
        }
    };
    live.notify(Notice::Event(event));
}

/// What the server serves: the private folder's site, the reload script
/// and stream, and live search.
struct Site {
    out: PathBuf,
    state: Arc<Mutex<State>>,
    hub: Arc<reload::Hub>,
}

impl http::Site for Site {
    fn answer(&self, request: &http::Request) -> http::Answer {
        if request.path() == reload::EVENTS {
            return http::Answer::Events;
        }
        http::Answer::Page(respond(&self.out, request, &self.state))
    }

    fn stream(&self, stream: std::net::TcpStream) {
        self.hub.stream(stream);
    }
}

fn respond(out: &Path, request: &http::Request, state: &Mutex<State>) -> Response {
    let path = request.path();
    if path == reload::SCRIPT {
        let body = reload::SCRIPT_SOURCE.as_bytes().to_vec();
        return with_type(Response::new(200, body), Path::new("live.js"));
    }
    if path == API_SEARCH {
        let index = state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .index
            .clone();
        return live_search(index.as_deref(), request.query());
    }
    let Some(file) = resolve(out, path) else {
        return not_found(out);
    };
    let is_html = file.extension().is_some_and(|e| e == "html");
    if is_html {
        let failure = state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .failure
            .clone();
        if let Some(report) = failure {
            return error_page(&report);
        }
    }
    match std::fs::read(&file) {
        Ok(bytes) if is_html => with_type(Response::new(200, reload::inject(&bytes)), &file),
        Ok(bytes) => with_type(Response::new(200, bytes), &file),
        Err(_) => not_found(out),
    }
}

/// `/api/search?q=…[&area=…&industry=…&district=…&year=…&method=…&limit=N]`:
/// a JSON array of `{id, title, url, score, snippet}`, or `{"error": …}`
/// with 400 (nothing searchable, a bad number) or 503 (no good build yet).
/// With no hits, 你是不是要找 comes in [`SUGGESTION_HEADER`] (the body stays
/// an array).
fn live_search(index: Option<&SearchIndex>, query: &str) -> Response {
    let mut q = String::new();
    let mut filters = Filters::default();
    let mut limit = DEFAULT_LIMIT;
    for (key, value) in url_params(query) {
        let value = value.trim().to_string();
        match key.as_str() {
            "q" if value.chars().count() > MAX_QUERY => {
                let message = format!(
                    "搜索词太长：最多 {MAX_QUERY} 个字符，收到 {} 个；换几个关键词再搜",
                    value.chars().count()
                );
                return json_error(400, &message);
            }
            "q" => q = value,
            "area" if !value.is_empty() => filters.area = Some(value),
            "industry" if !value.is_empty() => filters.industry = Some(value),
            "district" if !value.is_empty() => filters.district = Some(value),
            "method" if !value.is_empty() => filters.method = Some(value),
            "year" if !value.is_empty() => match value.parse() {
                Ok(year) => filters.year = Some(year),
                Err(_) => return json_error(400, &format!("年度“{value}”不是数字")),
            },
            "limit" => match value.parse::<usize>() {
                Ok(n) if n >= 1 => limit = n.min(MAX_LIMIT),
                _ => return json_error(400, &format!("limit“{value}”须是正整数")),
            },
            _ => {} // `from=wechat` and the like
        }
    }
    let Some(index) = index else {
        return json_error(503, "站点还没有成功构建过：先修正内容错误");
    };
    match index.search(&q, &filters, limit) {
        Ok(hits) => {
            let list: Vec<serde_json::Value> = hits.iter().map(|h| h.to_json()).collect();
            let response = json_response(200, &serde_json::Value::Array(list));
            let suggestion = match hits.is_empty() {
                true => index.did_you_mean(&q, &filters),
                false => None,
            };
            match suggestion {
                // Percent-encoded: a header value is ASCII.
                Some(s) => response.with_header(
                    SUGGESTION_HEADER,
                    &percent_encoding::utf8_percent_encode(&s, percent_encoding::NON_ALPHANUMERIC)
                        .to_string(),
                ),
                None => response,
            }
        }
        Err(err @ SearchError::EmptyQuery) => json_error(400, &err.to_string()),
        Err(err) => json_error(500, &err.to_string()),
    }
}

/// `a=1&b=%E7%B2%BE+x` → pairs, `+` as a space, percent-decoded (invalid
/// UTF-8 replaced, never an error).
fn url_params(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn json_response(status: u16, value: &serde_json::Value) -> Response {
    let body = serde_json::to_vec(value).expect("JSON values serialise");
    Response::new(status, body).with_header("Content-Type", "application/json; charset=utf-8")
}

fn json_error(status: u16, message: &str) -> Response {
    json_response(status, &serde_json::json!({ "error": message }))
}

/// Map a request path to a file under `out`, refusing anything that could
/// leave it (`..`, encoded slashes, symlinks out).
fn resolve(out: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let rel = Path::new(decoded.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut file = out.join(rel);
    if file.is_dir() {
        file = file.join("index.html");
    }
    let real = file.canonicalize().ok()?;
    let base = out.canonicalize().ok()?;
    (real.starts_with(base) && real.is_file()).then_some(real)
}

fn with_type(response: Response, file: &Path) -> Response {
    let mime = mime_guess::from_path(file).first_or_octet_stream();
    let value =
        if mime.type_() == "text" || mime.subtype() == "javascript" || mime.subtype() == "xml" {
            format!("{mime}; charset=utf-8")
        } else {
            mime.to_string()
        };
    response.with_header("Content-Type", &value)
}

fn not_found(out: &Path) -> Response {
    let page = out.join(crate::urls::NOT_FOUND);
    let body = std::fs::read(&page).unwrap_or_else(|_| "404 Not Found".as_bytes().to_vec());
    let body = reload::inject(&body);
    with_type(Response::new(404, body), &page)
}

fn error_page(report: &str) -> Response {
    let mut escaped = String::new();
    let _ = pulldown_cmark_escape::escape_html(&mut escaped, report);
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>构建失败</title><body style=\"font-family:sans-serif;margin:1rem\"><h1>构建失败</h1>\
         <p>修改下面的问题并保存，页面会自动恢复。</p><pre style=\"white-space:pre-wrap\">{escaped}</pre></body></html>"
    );
    let html = reload::inject(html.as_bytes());
    with_type(Response::new(500, html), Path::new("x.html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_leaves_the_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/index.html"), "x").unwrap();
        assert!(resolve(dir.path(), "/a/").is_some());
        assert!(resolve(dir.path(), "/../etc/passwd").is_none());
        assert!(resolve(dir.path(), "/a/%2e%2e/%2e%2e/etc/passwd").is_none());
        assert!(resolve(dir.path(), "/a%2F..%2F..%2Fetc").is_none());
        assert!(resolve(dir.path(), "/nothing").is_none());
    }

    #[test]
    fn query_strings_decode_leniently() {
        assert_eq!(
            url_params("q=%E7%B2%BE%E7%9B%8A+%E8%B4%A8&from=wechat&&x&bad=%FF"),
            vec![
                ("q".to_string(), "精益 质".to_string()),
                ("from".to_string(), "wechat".to_string()),
                ("x".to_string(), String::new()),
                ("bad".to_string(), "\u{fffd}".to_string()),
            ]
        );
    }

    #[test]
    fn the_search_endpoint_explains_what_it_cannot_answer() {
        let response = live_search(None, "q=%E7%B2%BE%E7%9B%8A");
        assert_eq!(response.status, 503);
        assert_eq!(live_search(None, "q=x&limit=0").status, 400);
        assert_eq!(live_search(None, "q=x&year=abc").status, 400);
        // Too long, counted in characters after decoding, before the index
        // is asked.
        let long = format!("q={}", "%E8%B4%A8".repeat(MAX_QUERY + 1));
        let response = live_search(None, &long);
        assert_eq!(response.status, 400);
        assert!(String::from_utf8(response.body)
            .unwrap()
            .contains("搜索词太长"));
        let most = format!("q={}", "%E8%B4%A8".repeat(MAX_QUERY));
        assert_eq!(live_search(None, &most).status, 503);
    }
}
