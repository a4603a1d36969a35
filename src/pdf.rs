//! Printing a book to PDF with headless Chromium (`--print-to-pdf`): the
//! book's print CSS sets A4 pages, margins, running headers and page
//! numbers; Chromium adds the outline (bookmarks) from the headings
//! (`--generate-pdf-document-outline`) and keeps in-document links
//! clickable. Chromium draws CFF-outline fonts (Noto CJK) as Type 3 fonts,
//! which print shops reject, so the print CSS names TrueType CJK fonts
//! first (see `book.css`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Browser binaries tried in order, after `$CASEBOOK_CHROMIUM`.
const CANDIDATES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

/// How long one print may take before the browser is stopped.
const TIMEOUT: Duration = Duration::from_secs(180);

/// What to tell a user without a browser.
pub const INSTALL_HINT: &str = "生成 PDF 需要无界面的 Chromium 浏览器和 TrueType 中文字体：\
Debian/Ubuntu 上运行 sudo apt-get install chromium fonts-arphic-uming fonts-wqy-microhei；\
浏览器装在别处时，用环境变量 CASEBOOK_CHROMIUM 指向它的可执行文件";

/// The Chromium (or Chrome) to print with: `$CASEBOOK_CHROMIUM`, else the
/// first of the usual names found on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CASEBOOK_CHROMIUM").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let dirs = std::env::var_os("PATH")?;
    CANDIDATES.iter().find_map(|name| {
        std::env::split_paths(&dirs)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Print `html` (a local file) to `pdf` with `chromium`.
pub fn print(chromium: &Path, html: &Path, pdf: &Path) -> Result<(), String> {
    let html = html
        .canonicalize()
        .map_err(|e| format!("找不到要打印的文件 {}：{e}", html.display()))?;
    let profile = std::env::temp_dir().join(format!("casebook-chromium-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    // Its chatter goes to a file: a full pipe would stall it.
    let log_path = profile.with_extension("log");
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("无法创建临时文件 {}：{e}", log_path.display()))?;
    let mut command = Command::new(chromium);
    command
        .arg("--headless")
        .arg("--disable-gpu")
        .arg("--no-first-run")
        .arg("--disable-extensions")
        .arg("--no-pdf-header-footer")
        .arg("--generate-pdf-document-outline")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    // Chromium refuses to start its sandbox as root (containers, CI).
    if is_root() {
        command.arg("--no-sandbox");
    }
    let _ = std::fs::remove_file(pdf);
    let mut child = command
        .spawn()
        .map_err(|e| format!("无法启动 {}：{e}", chromium.display()))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_file(&log_path);
                let _ = std::fs::remove_dir_all(&profile);
                return Err(format!(
                    "Chromium 在 {} 秒内没有完成打印，已停止",
                    TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("等待 Chromium 时出错：{e}")),
        }
    };
    let stderr = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    let _ = std::fs::remove_dir_all(&profile);
    let written = std::fs::read(pdf)
        .ok()
        .filter(|bytes| bytes.starts_with(b"%PDF"));
    match written {
        Some(_) if status.success() => Ok(()),
        _ => {
            let last: Vec<&str> = stderr.lines().rev().take(5).collect();
            Err(format!(
                "Chromium 没有生成 PDF（{status}）：{}",
                last.into_iter().rev().collect::<Vec<_>>().join(" / ")
            ))
        }
    }
}

fn is_root() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// The page (1-based, as the footer counts) of each named destination of
/// a PDF Chromium printed: the ids that in-document links point to
/// (`case-2023-001`, `part-…`). Read from the `/Dests` dictionary and the
/// page tree, which Chromium writes as plain (uncompressed) objects.
/// Empty when the file does not have that shape.
pub fn destination_pages(pdf: &[u8]) -> BTreeMap<String, usize> {
    let text = String::from_utf8_lossy(pdf);
    let objects = objects(&text);
    let mut pages = Vec::new();
    let root = objects
        .iter()
        .find(|(_, body)| body.contains("/Type /Pages") && !body.contains("/Parent"));
    if let Some((&root, _)) = root {
        collect_pages(&objects, root, &mut pages, 0);
    }
    let Some(dests) = text
        .split("/Dests ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|id| id.parse::<u32>().ok())
        .and_then(|id| objects.get(&id))
    else {
        return BTreeMap::new();
    };
    let mut found = BTreeMap::new();
    for entry in dests.split('/').skip(1) {
        // `case-2023-001 [23 0 R /XYZ …]`: the name, then the page object.
        let Some((name, rest)) = entry.split_once(" [") else {
            continue;
        };
        let page = rest
            .split_whitespace()
            .next()
            .and_then(|id| id.parse::<u32>().ok())
            .and_then(|id| pages.iter().position(|&p| p == id));
        if let Some(index) = page {
            found.insert(name.trim().to_string(), index + 1);
        }
    }
    found
}

/// `N 0 obj … endobj` bodies by object number (dictionaries only: stream
/// data is cut off at `stream`).
fn objects(text: &str) -> HashMap<u32, &str> {
    let mut objects = HashMap::new();
    let mut rest = text;
    while let Some(at) = rest.find(" 0 obj") {
        let number = rest[..at]
            .rsplit(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse::<u32>().ok());
        let body = &rest[at + 6..];
        let end = [body.find("endobj"), body.find("stream")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(body.len());
        if let Some(number) = number {
            objects.insert(number, &body[..end]);
        }
        rest = &body[end..];
    }
    objects
}

/// Leaf pages below `node` in document order.
fn collect_pages(objects: &HashMap<u32, &str>, node: u32, into: &mut Vec<u32>, depth: usize) {
    let Some(body) = objects.get(&node) else {
        return;
    };
    if !body.contains("/Type /Pages") {
        into.push(node);
        return;
    }
    if depth > 32 {
        return;
    }
    let kids = body
        .split("/Kids [")
        .nth(1)
        .and_then(|k| k.split(']').next())
        .unwrap_or("");
    let ids: Vec<u32> = kids
        .split(" R")
        .filter_map(|r| r.split_whitespace().next()?.parse().ok())
        .collect();
    for kid in ids {
        collect_pages(objects, kid, into, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn destinations_map_to_pages_in_tree_order() {
        let pdf = b"%PDF-1.4\n1 0 obj\n<</Type /Catalog /Pages 9 0 R /Dests 8 0 R>>\nendobj\n\
2 0 obj\n<</Type /Page /Parent 7 0 R>>\nendobj\n3 0 obj\n<</Type /Page /Parent 7 0 R>>\nendobj\n\
4 0 obj\n<</Type /Page /Parent 6 0 R>>\nendobj\n5 0 obj\n<</Length 3>>\nstream\nabc\nendstream\nendobj\n\
6 0 obj\n<</Type /Pages\n/Count 1\n/Kids [4 0 R]\n/Parent 9 0 R>>\nendobj\n\
7 0 obj\n<</Type /Pages\n/Count 2\n/Kids [3 0 R 2 0 R]\n/Parent 9 0 R>>\nendobj\n\
8 0 obj\n<</toc [3 0 R /XYZ 0 841 0]\n/case-2023-001 [4 0 R /XYZ 0 841 0]>>\nendobj\n\
9 0 obj\n<</Type /Pages\n/Count 3\n/Kids [7 0 R 6 0 R]>>\nendobj\n";
        let pages = super::destination_pages(pdf);
        assert_eq!(pages.get("toc"), Some(&1));
        assert_eq!(pages.get("case-2023-001"), Some(&3));
    }
}
