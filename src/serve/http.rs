//! The preview's HTTP/1.1 server, on std's `TcpListener` with `httparse`
//! for request heads: one thread per connection, a cap on connections and
//! a separate one on event streams,
//! a deadline for a request's head, limits on its size, and one request
//! per connection (`Connection: close`). It owns what a local preview must
//! refuse before any page is looked up: a `Host` that is not this server
//! (DNS rebinding), a request head too slow, too long or malformed, a body
//! (the preview never reads one; `Expect: 100-continue` gets 417 at once),
//! methods other than GET and HEAD. tiny_http read heads on an unbounded
//! pool that queued new connections behind stalled ones, and drained
//! unread bodies on the thread that answered everyone.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A request's head (request line and headers) must arrive within this
/// long, however slowly its bytes come (slowloris).
const HEAD_TIME: Duration = Duration::from_secs(30);
/// A write that makes no progress for this long ends the connection.
const WRITE_TIME: Duration = Duration::from_secs(30);
/// The largest request head (browsers send a few KB, cookies included).
const MAX_HEAD: usize = 32 * 1024;
/// The longest request target (path and query).
pub const MAX_TARGET: usize = 8 * 1024;
/// The largest body a request may declare (it is never read).
const MAX_BODY: u64 = 1024;
/// Connections being answered at once; more get 503 until one ends.
const MAX_CONNECTIONS: usize = 128;
/// Open event streams (one per open page); counted apart from the
/// connections so that open pages never starve requests.
const MAX_STREAMS: usize = 64;
/// After answering, what the client still sends is read and dropped for
/// at most this long and this much, so that closing does not reset the
/// connection before the client has read the answer.
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;

/// A request, as far as the preview looks at it.
pub struct Request {
    pub method: String,
    /// The request target as sent: `/path?query`.
    pub target: String,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or("/")
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
}

/// An answer: a status, headers and a body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// What the preview does with a request.
pub enum Answer {
    Page(Response),
    /// The connection becomes an event stream, handed to [`Site::stream`].
    Events,
}

/// The preview's side of the server.
pub trait Site: Send + Sync + 'static {
    fn answer(&self, request: &Request) -> Answer;
    /// Write an event stream's head and events until the page goes away.
    fn stream(&self, stream: TcpStream);
}

/// Serve `site` from `listener` (bound to `port`) until the process ends.
pub fn serve(listener: TcpListener, port: u16, site: Arc<dyn Site>) {
    let connections = Arc::new(AtomicUsize::new(0));
    let streams = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of descriptors, most likely: let connections end.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let Some(slot) = Slot::take(&connections, MAX_CONNECTIONS) else {
            refuse_busy(stream);
            continue;
        };
        let site = Arc::clone(&site);
        let streams = Arc::clone(&streams);
        // If no thread can be started, the closure (the socket, its slot)
        // is dropped: the client sees the connection close.
        let _ = std::thread::Builder::new()
            .name("serve-connection".into())
            .spawn(move || connection(stream, port, &*site, slot, &streams));
    }
}

/// One counted place among at most `max`, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(count: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        let taken = count
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .is_ok();
        taken.then(|| Slot(Arc::clone(count)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn refuse_busy(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let response = text(503, "预览服务器正忙：同时连接过多，请稍后再试");
    let _ = write_response(&mut stream, &response, false);
}

fn connection(
    mut stream: TcpStream,
    port: u16,
    site: &dyn Site,
    slot: Slot,
    streams: &Arc<AtomicUsize>,
) {
    let _ = stream.set_write_timeout(Some(WRITE_TIME));
    let (response, head_only) = match read_head(&mut stream) {
        Err(None) => return, // closed or timed out before a request
        Err(Some(response)) => (response, false),
        Ok(head) => match check(&head, port) {
            Err(response) => (response, false),
            Ok(request) => match site.answer(&request) {
                Answer::Page(response) => (response, request.method == "HEAD"),
                Answer::Events => match Slot::take(streams, MAX_STREAMS) {
                    Some(stream_slot) => {
                        drop(slot);
                        site.stream(stream);
                        drop(stream_slot);
                        return;
                    }
                    None => (text(503, "打开的预览页面过多：关掉一些再刷新"), false),
                },
            },
        },
    };
    if write_response(&mut stream, &response, head_only).is_ok() {
        linger(&mut stream);
    }
}

/// Read up to the end of the request head (`\r\n\r\n`), within
/// [`HEAD_TIME`] and [`MAX_HEAD`]. `Err(None)`: nothing to answer.
fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, Option<Response>> {
    let deadline = Instant::now() + HEAD_TIME;
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    // Where the search for the end goes on from: a head sent a byte at a
    // time is not searched again from its start for every byte.
    let mut searched = 0;
    loop {
        if let Some(end) = find(&head[searched..], b"\r\n\r\n") {
            head.truncate(searched + end);
            return Ok(head);
        }
        searched = head.len().saturating_sub(3);
        if head.len() > MAX_HEAD {
            return Err(Some(if find(&head, b"\r\n").is_none() {
                let line = String::from_utf8_lossy(&head[..64]);
                too_long(line.split(' ').nth(1).unwrap_or(""))
            } else {
                text(431, "请求头太大")
            }));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err((!head.is_empty()).then(|| text(408, "请求头没有按时发完")));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(None),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err((!head.is_empty()).then(|| text(408, "请求头没有按时发完"))),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Headers a request may have (browsers send about twenty).
const MAX_HEADERS: usize = 100;

/// Parse a request head (without its blank line) with `httparse` and refuse
/// what the preview never answers.
fn check(head: &[u8], port: u16) -> Result<Request, Response> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let whole = [head, b"\r\n\r\n"].concat();
    match parsed.parse(&whole) {
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::TooManyHeaders) => return Err(text(431, "请求头太多")),
        Err(httparse::Error::Version) => return Err(text(505, "只支持 HTTP/1.0 和 HTTP/1.1")),
        Ok(httparse::Status::Partial) | Err(_) => return Err(text(400, "请求头格式错误")),
    }
    let (Some(method), Some(target)) = (parsed.method, parsed.path) else {
        return Err(text(400, "请求行格式错误"));
    };
    if target.len() > MAX_TARGET {
        return Err(too_long(target));
    }
    if !target.starts_with('/') {
        return Err(text(400, "请求地址格式错误"));
    }
    let mut hosts = Vec::new();
    let mut body = false;
    let mut expects = false;
    for header in parsed.headers.iter() {
        let value = std::str::from_utf8(header.value)
            .map_err(|_| text(400, "请求头不是有效的 UTF-8"))?
            .trim();
        match header.name.to_ascii_lowercase().as_str() {
            "host" => hosts.push(value),
            "expect" => expects = true,
            "transfer-encoding" => body = true,
            "content-length" => match value.parse::<u64>() {
                Ok(n) => body |= n > MAX_BODY,
                Err(_) => return Err(text(400, "Content-Length 不是数字")),
            },
            _ => {}
        }
    }
    match hosts[..] {
        [host] if allowed_host(host, port) => {}
        [] => return Err(text(400, "请求缺少 Host 头")),
        _ => {
            return Err(text(
                421,
                &format!(
                    "预览服务器只接受 http://127.0.0.1:{port}/ 或 http://localhost:{port}/ 的请求"
                ),
            ))
        }
    }
    if expects {
        // Answered at once: waiting for a body that never comes was how
        // one client stalled the old server.
        return Err(text(417, "预览服务器不接收请求正文（不支持 Expect）"));
    }
    if body {
        return Err(text(413, "预览服务器不接收请求正文"));
    }
    if !matches!(method, "GET" | "HEAD") {
        return Err(
            text(405, "预览服务器只接受 GET 和 HEAD 请求").with_header("Allow", "GET, HEAD")
        );
    }
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
    })
}

/// Whether `host` (a `Host` header) names this server: `127.0.0.1`,
/// `localhost` or `[::1]` (any case), with the server's port (which may be
/// left out only when it is 80). Any other name, even one that resolves to
/// 127.0.0.1, is a page of another site reaching in (DNS rebinding);
/// `localhost.` is another name too.
pub fn allowed_host(host: &str, port: u16) -> bool {
    let host = host.to_ascii_lowercase();
    let (name, given) = match host.rsplit_once(':') {
        Some((name, given)) if !given.contains(']') => (name, Some(given)),
        _ => (host.as_str(), None),
    };
    let port_ok = match given {
        Some(given) => given == port.to_string(),
        None => port == 80,
    };
    port_ok && matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

/// 414 for a request target over [`MAX_TARGET`]: JSON for the search
/// endpoint (its callers read JSON), text elsewhere.
fn too_long(target: &str) -> Response {
    let message = format!(
        "请求地址太长：最多 {MAX_TARGET} 字节（搜索词最多 {} 个字符）",
        super::MAX_QUERY
    );
    if target.starts_with(super::API_SEARCH) {
        super::json_error(414, &message)
    } else {
        text(414, &message)
    }
}

pub fn text(status: u16, message: &str) -> Response {
    Response::new(status, format!("{status} {message}\n").into_bytes())
        .with_header("Content-Type", "text/plain; charset=utf-8")
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    head_only: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n",
        response.status,
        reason(response.status),
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(&response.body)?;
    }
    stream.flush()
}

/// Close gently: stop sending, then read and drop what the client still
/// sends, within bounds (closing a socket with unread data resets it, and
/// the client may lose the answer).
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER_TIME;
    let mut seen = 0;
    let mut chunk = [0u8; 8192];
    while seen < LINGER_BYTES {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen += n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_servers_own_names_are_answered() {
        for ok in [
            "127.0.0.1:4000",
            "localhost:4000",
            "LOCALHOST:4000",
            "LocalHost:4000",
            "[::1]:4000",
        ] {
            assert!(allowed_host(ok, 4000), "{ok}");
        }
        for bad in [
            "evil.example:4000",
            "evil.example",
            "127.0.0.1.nip.io:4000",
            "localhost.:4000",
            "localhost:80",
            "localhost:40000",
            "localhost:04000",
            "localhost",
            "127.0.0.1",
            "127.0.0.2:4000",
            "0.0.0.0:4000",
            "[::1]",
            "[0:0:0:0:0:0:0:1]:4000",
            "[::ffff:127.0.0.1]:4000",
            "localhost:4000@evil.example",
            "",
            ":4000",
        ] {
            assert!(!allowed_host(bad, 4000), "{bad}");
        }
        assert!(allowed_host("localhost", 80));
        assert!(allowed_host("127.0.0.1:80", 80));
    }

    /// The head `sent` (in pieces of `piece` bytes) as `read_head` reads it.
    fn read_sent(sent: &[u8], piece: usize) -> Result<Vec<u8>, Option<u16>> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client.set_nodelay(true).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let sent = sent.to_vec();
        let writer = std::thread::spawn(move || {
            for part in sent.chunks(piece) {
                if client.write_all(part).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            // Closed when all is sent: a reader waiting for more sees the end.
            let _ = client.shutdown(Shutdown::Write);
            client
        });
        let head = read_head(&mut server).map_err(|e| e.map(|r| r.status));
        drop(writer.join());
        head
    }

    #[test]
    fn a_head_ends_at_its_blank_line_however_it_is_cut() {
        let sent = b"GET / HTTP/1.1\r\nHost: localhost:1\r\n\r\nbody after";
        for piece in [1, 2, 3, 5, 4096] {
            let head = read_sent(sent, piece).unwrap();
            assert_eq!(head, b"GET / HTTP/1.1\r\nHost: localhost:1", "{piece}");
        }
        let long_line = [b"GET /".as_slice(), &[b'a'; MAX_HEAD + 10]].concat();
        assert_eq!(read_sent(&long_line, 4096), Err(Some(414)));
        let many = [
            b"GET / HTTP/1.1\r\n".as_slice(),
            &b"X: y\r\n".repeat(MAX_HEAD / 5),
        ]
        .concat();
        assert_eq!(read_sent(&many, 4096), Err(Some(431)));
        assert_eq!(read_sent(b"", 1), Err(None));
    }

    fn status(head: &str) -> u16 {
        match check(head.as_bytes(), 4000) {
            Ok(_) => 200,
            Err(response) => response.status,
        }
    }

    #[test]
    fn heads_are_checked_before_anything_is_looked_up() {
        assert_eq!(status("GET / HTTP/1.1\r\nHost: 127.0.0.1:4000"), 200);
        assert_eq!(status("HEAD /a?b HTTP/1.0\r\nhost: localhost:4000"), 200);
        assert_eq!(status("GET / HTTP/1.1\r\nHost: evil.example:4000"), 421);
        assert_eq!(status("GET / HTTP/1.0"), 400);
        let twice = "GET / HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nHost: evil.example";
        assert_eq!(status(twice), 421);
        let host = "Host: localhost:4000";
        assert_eq!(
            status(&format!("GET / HTTP/1.1\r\n{host}\r\nExpect: 100-continue")),
            417
        );
        assert_eq!(
            status(&format!(
                "POST / HTTP/1.1\r\n{host}\r\nContent-Length: 5000"
            )),
            413
        );
        assert_eq!(
            status(&format!("POST / HTTP/1.1\r\n{host}\r\nContent-Length: -1")),
            400
        );
        assert_eq!(
            status(&format!(
                "POST / HTTP/1.1\r\n{host}\r\nTransfer-Encoding: chunked"
            )),
            413
        );
        assert_eq!(status(&format!("POST / HTTP/1.1\r\n{host}")), 405);
        assert_eq!(status(&format!("GET http://evil/ HTTP/1.1\r\n{host}")), 400);
        assert_eq!(status(&format!("GET / HTTP/2.0\r\n{host}")), 505);
        assert_eq!(status(&format!("GET  / HTTP/1.1\r\n{host}")), 400);
        let long = format!("GET /{} HTTP/1.1\r\n{host}", "a".repeat(MAX_TARGET));
        assert_eq!(status(&long), 414);
        let long_search = format!(
            "GET /api/search?q={} HTTP/1.1\r\n{host}",
            "a".repeat(MAX_TARGET)
        );
        let refusal = check(long_search.as_bytes(), 4000).err().unwrap();
        assert_eq!(refusal.status, 414);
        assert!(String::from_utf8(refusal.body)
            .unwrap()
            .contains("\"error\""));
    }
}
