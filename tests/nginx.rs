//! The nginx snippet `casebook build` writes (`.nginx/casebook.conf`),
//! served by a real nginx on 127.0.0.1: redirects, types, cache headers,
//! precompressed bodies, the 404 page, dot files denied; and aliases that
//! would break nginx's syntax.

mod common;

use common::*;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// A minimal nginx.conf rooted at `out`, including its snippet.
fn config(dir: &Path, out: &Path, port: u16) -> PathBuf {
    let d = dir.display();
    // As root, nginx's workers would drop to `nobody`, who cannot read a
    // private temporary folder; as anyone else `user` is ignored.
    let user = if unsafe { libc::geteuid() } == 0 {
        "user root;"
    } else {
        ""
    };
    let conf = format!(
        "{user}\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n\
         access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         server {{\n    listen 127.0.0.1:{port};\n    root {};\n    include {}/.nginx/casebook.conf;\n  }}\n}}\n",
        out.display(),
        out.display()
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    path
}

fn nginx_test(nginx: &Path, conf: &Path, dir: &Path) -> std::process::Output {
    Command::new(nginx)
        .args(["-t", "-p"])
        .arg(dir)
        .arg("-c")
        .arg(conf)
        .output()
        .unwrap()
}

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

fn start(nginx: &Path, dir: &Path, out: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conf = config(dir, out, port);
    let tested = nginx_test(nginx, &conf, dir);
    assert!(
        tested.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&tested.stderr)
    );
    let child = Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, port };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!(
        "nginx did not listen: {}",
        std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
    );
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.0 request (no chunked bodies), with `extra` header lines.
fn get(server: &Server, path: &str, extra: &str) -> Response {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: casebook.test\r\n{extra}\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn nginx_serves_the_example_site_with_the_snippet() {
    let Some(nginx) = nginx_binary() else {
        return skip(
            "nginx_serves_the_example_site_with_the_snippet",
            "nginx",
            "apt-get install nginx",
        );
    };
    let built = build_ok(&repo_root(), &[]);
    let dir = temp_dir();
    let server = start(&nginx, dir.path(), &built.out);

    // Short links and aliases: 301 to the case, the query string carried.
    let short = get(&server, "/c/2023-001?from=timeline", "");
    assert_eq!(short.status, 301);
    assert_eq!(
        short.header("Location"),
        Some("/cases/2023-001/?from=timeline")
    );
    assert_eq!(
        get(&server, "/c/2023-001/", "").header("Location"),
        Some("/cases/2023-001/")
    );
    let alias = get(&server, "/old/2023-001.html", "");
    assert_eq!(alias.status, 301);
    assert_eq!(alias.header("Location"), Some("/cases/2023-001/"));
    assert_eq!(
        get(&server, "/anli/2022/ruikang.html", "").header("Location"),
        Some("/cases/2022-002/")
    );

    // Pages: HTML in UTF-8, revalidated every time.
    let page = get(&server, "/cases/2023-001/", "");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("Cache-Control"), Some("no-cache"));
    assert_eq!(
        page.body,
        std::fs::read(built.path("cases/2023-001/index.html")).unwrap()
    );

    // The precompressed copy, for readers that accept gzip.
    let zipped = get(&server, "/cases/2023-001/", "Accept-Encoding: gzip\r\n");
    assert_eq!(zipped.header("Content-Encoding"), Some("gzip"));
    assert_eq!(
        zipped.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(gunzip(&zipped.body), page.body);

    // Content-hashed theme files: a year, immutable; types with charset.
    let css = std::fs::read_dir(built.path("css"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("site.") && n.ends_with(".css"))
        .unwrap();
    let style = get(&server, &format!("/css/{css}"), "");
    assert_eq!(style.status, 200);
    assert_eq!(
        style.header("Content-Type"),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(
        style.header("Cache-Control"),
        Some("public, max-age=31536000, immutable")
    );
    let meta = get(&server, "/search/meta.json", "");
    assert_eq!(
        meta.header("Content-Type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(meta.header("Cache-Control"), Some("no-cache"));
    let sitemap = get(&server, "/sitemap.xml", "");
    assert_eq!(sitemap.status, 200);
    assert!(sitemap
        .header("Content-Type")
        .unwrap()
        .ends_with("xml; charset=utf-8"));

    // The 404 page, with its status; dot files are not the site's.
    let missing = get(&server, "/no/such/page/", "");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, std::fs::read(built.path("404.html")).unwrap());
    for hidden in ["/.nginx/casebook.conf", "/.casebook-output"] {
        assert!(
            built.path(hidden.trim_start_matches('/')).exists(),
            "{hidden}"
        );
        let answer = get(&server, hidden, "");
        assert_eq!(answer.status, 404, "{hidden}");
        assert!(
            !String::from_utf8_lossy(&answer.body).contains("location"),
            "{hidden}"
        );
    }
}

#[test]
fn aliases_that_look_like_nginx_syntax_stay_strings() {
    let Some(nginx) = nginx_binary() else {
        return skip(
            "aliases_that_look_like_nginx_syntax_stay_strings",
            "nginx",
            "apt-get install nginx",
        );
    };
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("basic"), &root);
    let case = root.join("content/cases/2023/2023-001.md");
    let text = std::fs::read_to_string(&case).unwrap();
    let hostile = r#"aliases: ["/a;b.html", "/x{y}/", "/it's.html", "/pay$uri.html", "/c}d;return.html", "/%E6%97%A7/1.html"]"#;
    std::fs::write(
        &case,
        text.replacen(
            "status: approved",
            &format!("status: approved\n{hostile}"),
            1,
        ),
    )
    .unwrap();
    let built = build_ok(&root, &[]);
    let server = start(&nginx, dir.path(), &built.out);
    for (path, encoded) in [
        ("/a;b.html", "/a;b.html"),
        ("/x{y}/", "/x%7By%7D/"),
        ("/it's.html", "/it's.html"),
        ("/pay$uri.html", "/pay$uri.html"),
        ("/c}d;return.html", "/c%7Dd;return.html"),
        // An old URL's Chinese, percent-encoded as browsers send it.
        ("/%E6%97%A7/1.html", "/%E6%97%A7/1.html"),
    ] {
        let answer = get(&server, encoded, "");
        assert_eq!(answer.status, 301, "{path}");
        assert_eq!(
            answer.header("Location"),
            Some("/cases/2023-001/"),
            "{path}"
        );
    }

    // A newline would end nginx's string: refused where it is written.
    std::fs::write(
        &case,
        text.replacen(
            "status: approved",
            "status: approved\naliases: [\"/a\\nb.html\"]",
            1,
        ),
    )
    .unwrap();
    let refused = build(&root, &[]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("alias-invalid"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("2023-001.md"), "{}", refused.stderr);
}
