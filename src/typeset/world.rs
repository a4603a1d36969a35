//! Typst's [`World`] for one book: the generated source as its only Typst
//! file, charts and QR codes from memory, images read from the content
//! folder on demand, and the system's fonts. Nothing is fetched: there is
//! no package and no network access.

use std::collections::HashMap;
use std::path::PathBuf;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;

/// Where a file the book refers to comes from.
pub enum FileData {
    Memory(Bytes),
    Disk(PathBuf),
}

pub struct BookWorld<'f> {
    library: &'f LazyHash<Library>,
    fonts: &'f FontStore,
    main: Source,
    files: HashMap<String, FileData>,
    today: Option<Datetime>,
}

/// Typst's standard library, made once for every piece of a book.
pub fn library() -> LazyHash<Library> {
    LazyHash::new(Library::builder().build())
}

impl<'f> BookWorld<'f> {
    /// A world whose main file is `source`, named `name` (each piece of a
    /// book its own, so that elements of two pieces never share a
    /// location); `files` by virtual path (`/charts/…`), without the
    /// leading slash.
    pub fn new(
        name: &str,
        source: String,
        files: HashMap<String, FileData>,
        fonts: &'f FontStore,
        library: &'f LazyHash<Library>,
        today: Option<Datetime>,
    ) -> Self {
        let main = id(name).expect("a valid path");
        BookWorld {
            library,
            fonts,
            main: Source::new(main, source),
            files,
            today,
        }
    }

    pub fn source_text(&self) -> &str {
        self.main.text()
    }
}

/// The id of a file of the book's project.
pub fn id(path: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(path).ok()?;
    Some(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for BookWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let path = id.get().vpath().get_without_slash().to_string();
        match self.files.get(&path) {
            Some(FileData::Memory(bytes)) => Ok(bytes.clone()),
            Some(FileData::Disk(file)) => std::fs::read(file)
                .map(Bytes::new)
                .map_err(|e| FileError::from_io(e, file)),
            None => Err(FileError::NotFound(path.into())),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}
