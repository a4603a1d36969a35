//! Casebook turns approved 质量标杆 case write-ups into a static website.
//!
//! The data flows one way: [`content`] discovers and parses files into a typed
//! model, [`site`] derives what is published and how it is grouped, [`render`]
//! turns that into output files, each streamed into [`output`]'s staging
//! folder, which then replaces the output atomically. [`build`] strings the
//! phases together; [`cmd`] runs each command and returns a typed report;
//! [`cli`] is the shell that prints them.
//! See ARCHITECTURE.md for the map and the invariants.

pub mod book;
pub mod build;
pub mod charts;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod content;
pub mod data;
pub mod deploy;
pub mod destination;
pub mod diagnostics;
pub mod editor_files;
pub mod fix;
#[doc(hidden)]
pub mod fuzzing;
pub mod images;
pub mod import;
pub mod markdown;
pub mod new_case;
pub mod nginx;
pub mod output;
pub mod precompress;
pub mod published;
mod rename;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod taxonomy;
pub mod text;
pub mod theme;
pub mod typeset;
pub mod urls;
