//! Live reload: open pages listen on `/__casebook/events` (Server-Sent
//! Events) and are told which pages changed, or that the site has errors
//! (they show them over the page) and when they are fixed. The script that
//! listens is injected only into pages the preview serves, never into
//! `casebook build`'s output.

use std::io::Write;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

/// The event stream's path.
pub const EVENTS: &str = "/__casebook/events";
/// The listening script's path.
pub const SCRIPT: &str = "/__casebook/live.js";
/// The listening script.
pub const SCRIPT_SOURCE: &str = include_str!("live.js");

/// How often an idle stream sends a comment, so a closed page is noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The open event streams, and the last error (sent to pages that connect
/// while the site has one).
#[derive(Default)]
pub struct Hub {
    listeners: Mutex<Vec<Sender<String>>>,
    error: Mutex<Option<String>>,
}

impl Hub {
    /// Tell open pages these output files changed (paths below the output
    /// folder, as `output::update` reports them).
    pub fn changed(&self, files: &[String]) {
        let mut urls: Vec<String> = files.iter().filter_map(|f| page_url(f)).collect();
        urls.sort();
        urls.dedup();
        if urls.is_empty() {
            return;
        }
        self.send(&event("reload", &serde_json::json!({ "paths": urls })));
    }

    /// The site has errors: `report` is the diagnostics as the CLI prints
    /// them.
    pub fn failed(&self, report: &str) {
        *lock(&self.error) = Some(report.to_string());
        self.send(&event("failed", &serde_json::json!({ "text": report })));
    }

    /// The errors are fixed.
    pub fn fixed(&self) {
        if lock(&self.error).take().is_some() {
            self.send(&event("ok", &serde_json::json!({})));
        }
    }

    fn send(&self, message: &str) {
        lock(&self.listeners).retain(|listener| listener.send(message.to_string()).is_ok());
    }

    fn subscribe(&self) -> Receiver<String> {
        let (tx, rx) = mpsc::channel();
        if let Some(report) = lock(&self.error).as_ref() {
            let _ = tx.send(event("failed", &serde_json::json!({ "text": report })));
        }
        lock(&self.listeners).push(tx);
        rx
    }

    /// Answer an event-stream request: headers, then events as they come,
    /// until the page goes away. Blocks; run it on a thread of its own.
    pub fn stream(&self, mut writer: std::net::TcpStream) {
        let events = self.subscribe();
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\
                    Cache-Control: no-store\r\nConnection: close\r\n\r\nretry: 500\n\n";
        if writer.write_all(head.as_bytes()).is_err() || writer.flush().is_err() {
            return;
        }
        loop {
            let message = match events.recv_timeout(KEEP_ALIVE) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
                Err(RecvTimeoutError::Disconnected) => return,
            };
            if writer.write_all(message.as_bytes()).is_err() || writer.flush().is_err() {
                return;
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// One event: its name and a one-line JSON payload.
fn event(name: &str, data: &serde_json::Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// The URL path a page is opened at, for an output file that is a page
/// (`cases/x/index.html` → `/cases/x/`), or `None` for other files (their
/// pages change with them: file names carry a hash).
fn page_url(file: &str) -> Option<String> {
    if let Some(dir) = file.strip_suffix("index.html") {
        Some(format!("/{dir}"))
    } else if file.ends_with(".html") {
        Some(format!("/{file}"))
    } else {
        None
    }
}

/// `html` with the listening script added before `</body>` (or at the end).
pub fn inject(html: &[u8]) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT}\" defer></script>");
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(at) => format!("{}{tag}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{tag}").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_named_by_the_url_they_are_opened_at() {
        assert_eq!(page_url("index.html").as_deref(), Some("/"));
        assert_eq!(
            page_url("cases/2023-001/index.html").as_deref(),
            Some("/cases/2023-001/")
        );
        assert_eq!(
            page_url("c/2023-001.html").as_deref(),
            Some("/c/2023-001.html")
        );
        assert_eq!(page_url("css/site.0123.css"), None);
    }

    #[test]
    fn the_script_goes_before_the_end_of_the_body() {
        let html = inject(b"<html><body><p>x</p></body></html>");
        assert_eq!(
            String::from_utf8(html).unwrap(),
            format!("<html><body><p>x</p><script src=\"{SCRIPT}\" defer></script></body></html>")
        );
    }

    #[test]
    fn listeners_hear_changes_and_late_ones_hear_the_error() {
        let hub = Hub::default();
        let early = hub.subscribe();
        hub.changed(&["cases/a/index.html".into(), "qr/a.svg".into()]);
        assert_eq!(
            early.try_recv().unwrap(),
            "event: reload\ndata: {\"paths\":[\"/cases/a/\"]}\n\n"
        );
        hub.failed("content/x.md:1:1 错误");
        assert!(early.try_recv().unwrap().starts_with("event: failed\n"));
        let late = hub.subscribe();
        assert!(late.try_recv().unwrap().contains("content/x.md:1:1"));
        hub.fixed();
        assert_eq!(early.try_recv().unwrap(), "event: ok\ndata: {}\n\n");
    }
}
