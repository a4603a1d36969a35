//! Precompressed copies of the text files a build writes, for servers that
//! send a file's `.gz` (or `.br`) as it is when the reader accepts it
//! (nginx `gzip_static`/`brotli_static`): compressed once here, at a higher
//! level than a server compresses on the fly, never per request.
//!
//! [`Precompress`] is a sink in front of the staging folder: a text file
//! (HTML, CSS, JS, JSON, XML, SVG, text, CSV) of at least [`MIN_BYTES`] is
//! passed on with `NAME.gz` beside it (and `NAME.br` with `[output]
//! brotli`), only where compressing saves at least a tenth. Files arrive
//! from the render's rayon workers, so compression runs in parallel with
//! the rest of the build. Gzip output is deterministic: no name, no time
//! in the header, fixed level; so is Brotli's.

use std::io::Write as _;

use crate::output::{Contents, OutputFile, Sink};

/// Smaller files are sent as they are: a server's gzip header and a
/// request's round trip cost more than the bytes saved.
pub const MIN_BYTES: usize = 1024;

/// Gzip level 6: on Casebook's pages and search files (90 MB of a
/// 2,000-case site) level 9 saves 0.16 % of the bytes, and zlib-rs's
/// level 9 was a quarter of a clean build's CPU (perf, bench/README.md).
/// Decompressing costs readers the same at any level.
const GZIP_LEVEL: u32 = 6;

/// Brotli quality and window: 11 is several times slower than 9 for 1-2 %
/// less; a 4 MiB window covers the largest page.
const BROTLI_QUALITY: u32 = 9;
const BROTLI_WINDOW: u32 = 22;

/// Extensions of files worth compressing (images, PDFs, XLSX already are).
const TEXT: &[&str] = &[
    "html", "htm", "css", "js", "mjs", "json", "xml", "svg", "txt", "csv", "map",
];

/// Does a file of `path` and `len` bytes get precompressed copies (when
/// they come out smaller)?
pub fn gets_copies(path: &str, len: usize) -> bool {
    len >= MIN_BYTES && is_compressible(path)
}

/// Is `path` a text file worth a precompressed copy?
pub fn is_compressible(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| TEXT.contains(&ext.to_ascii_lowercase().as_str()))
}

/// A sink that passes every file on to `inner`, with compressed copies of
/// the text files.
pub struct Precompress<'a> {
    inner: &'a dyn Sink,
    brotli: bool,
}

impl<'a> Precompress<'a> {
    pub fn new(inner: &'a dyn Sink, brotli: bool) -> Self {
        Precompress { inner, brotli }
    }
}

impl Sink for Precompress<'_> {
    fn put(&self, file: OutputFile) {
        if let Contents::Bytes(bytes) = &file.contents {
            if gets_copies(&file.path, bytes.len()) {
                if let Some(gz) = smaller(bytes, gzip(bytes)) {
                    self.inner.put(copy(&file.path, "gz", gz));
                }
                if self.brotli {
                    if let Some(br) = smaller(bytes, brotli(bytes)) {
                        self.inner.put(copy(&file.path, "br", br));
                    }
                }
            }
        }
        self.inner.put(file);
    }
}

fn copy(path: &str, extension: &str, bytes: Vec<u8>) -> OutputFile {
    OutputFile {
        path: format!("{path}.{extension}"),
        contents: Contents::Bytes(bytes),
    }
}

/// `compressed` if it saves at least a tenth of `original`.
fn smaller(original: &[u8], compressed: Vec<u8>) -> Option<Vec<u8>> {
    (compressed.len() * 10 <= original.len() * 9).then_some(compressed)
}

/// Gzip with a bare header: no file name, modification time 0.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW);
        writer.write_all(bytes).expect("writing to memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;
    use std::sync::Mutex;

    struct Keep(Mutex<Vec<OutputFile>>);

    impl Sink for Keep {
        fn put(&self, file: OutputFile) {
            self.0.lock().unwrap().push(file);
        }
    }

    fn bytes_of(file: &OutputFile) -> &[u8] {
        match &file.contents {
            Contents::Bytes(b) => b,
            Contents::Copy(_) => panic!("a copy"),
        }
    }

    #[test]
    fn text_files_get_deterministic_gzip_and_brotli_copies() {
        let keep = Keep(Mutex::new(Vec::new()));
        let page = "<p>质量标杆案例</p>\n".repeat(200).into_bytes();
        let sink = Precompress::new(&keep, true);
        for path in ["a/index.html", "tiny.css", "img/x.png"] {
            let bytes = if path == "tiny.css" {
                b"a{}".to_vec()
            } else {
                page.clone()
            };
            sink.put(OutputFile {
                path: path.to_string(),
                contents: Contents::Bytes(bytes),
            });
        }
        let files = keep.0.into_inner().unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "a/index.html.gz",
                "a/index.html.br",
                "a/index.html",
                "tiny.css",
                "img/x.png"
            ]
        );
        let gz = bytes_of(&files[0]);
        // Header: magic, deflate, no flags (no name), mtime 0.
        assert_eq!(&gz[..8], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, page);
        assert_eq!(gzip(&page), gz, "the same bytes every time");
        let mut plain = Vec::new();
        brotli::Decompressor::new(bytes_of(&files[1]), 4096)
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, page);
    }

    #[test]
    fn only_text_is_compressible() {
        assert!(is_compressible("search/ab/s1.json"));
        assert!(is_compressible("INDEX.HTML"));
        assert!(!is_compressible("data/cases.xlsx"));
        assert!(!is_compressible("qr/x.png"));
        assert!(!is_compressible("noextension"));
    }
}
