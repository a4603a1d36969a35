//! What a build produces, before it is written: output files (bytes, or a
//! source file to copy) and the sinks they are handed to as soon as they
//! are made. Renderers and the search export produce; `Staging`, the
//! preview's collector and `check`'s [`Discard`] consume.

use std::path::PathBuf;
use std::sync::Mutex;

/// What an output file holds.
#[derive(Debug)]
pub enum Contents {
    Bytes(Vec<u8>),
    /// Copy this source file (images and attachments beside cases).
    Copy(PathBuf),
}

#[derive(Debug)]
pub struct OutputFile {
    /// Path below the output folder, `/`-separated.
    pub path: String,
    pub contents: Contents,
}

/// Where rendered files go.
pub trait Sink: Sync {
    /// Take `file`. Failures to store it are the sink's to remember and
    /// report (the build checks before it commits).
    fn put(&self, file: OutputFile);
}

/// A sink that keeps nothing (`casebook check`: rendering is the test).
pub struct Discard;

impl Sink for Discard {
    fn put(&self, _file: OutputFile) {}
}

/// What was rendered to a path (kept for the sitemap, `urls.txt`, the link
/// check and collisions; the bytes are gone).
#[derive(Debug, Clone)]
pub struct Written {
    pub path: String,
    /// The source file, for copies.
    pub copied_from: Option<PathBuf>,
}

/// A sink that notes every path before passing the file on.
pub struct Recorder<'a> {
    sink: &'a dyn Sink,
    written: Mutex<Vec<Written>>,
}

impl<'a> Recorder<'a> {
    pub fn new(sink: &'a dyn Sink) -> Self {
        Recorder {
            sink,
            written: Mutex::new(Vec::new()),
        }
    }

    /// Every path put so far, in the order they came.
    pub fn written(&self) -> Vec<Written> {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn into_written(self) -> Vec<Written> {
        self.written.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Sink for Recorder<'_> {
    fn put(&self, file: OutputFile) {
        let copied_from = match &file.contents {
            Contents::Copy(source) => Some(source.clone()),
            Contents::Bytes(_) => None,
        };
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Written {
                path: file.path.clone(),
                copied_from,
            });
        self.sink.put(file);
    }
}
