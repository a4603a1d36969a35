//! `casebook serve`: the local preview, until a signal ends it. What
//! happens on the way (builds, rebuilds, failures, the address) is handed
//! to the caller as events, in order, on the caller's thread.

use std::path::PathBuf;

use crate::serve::{Notice, Server};
pub use crate::serve::{ServeError, ServeEvent, Stop};

pub struct ServeOptions {
    pub root: PathBuf,
    pub port: u16,
    /// Include drafts in the preview.
    pub drafts: bool,
}

#[derive(Debug)]
pub struct ServeReport {
    /// What ended the server.
    pub stop: Stop,
}

/// Serve the preview of `options.root`, passing each event to `on_event`
/// as it comes; returns when the server ends (its private folder removed).
pub fn run(
    options: &ServeOptions,
    on_event: &mut dyn FnMut(ServeEvent),
) -> Result<ServeReport, ServeError> {
    let server = Server::start(&options.root, options.port, options.drafts)?;
    loop {
        match server.next() {
            Notice::Event(event) => on_event(event),
            Notice::Failed(error) => return Err(error),
            Notice::Ended(stop) => return Ok(ServeReport { stop }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only test here that starts a server: its private folder is
    /// named by the process id, so a second one in this process would
    /// find the name taken.
    #[test]
    fn a_taken_port_is_a_typed_error_and_leaves_no_private_folder() {
        let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let options = ServeOptions {
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            port,
            drafts: false,
        };
        let mut events = 0;
        let result = run(&options, &mut |_| events += 1);
        match result {
            Err(ServeError::Bind { port: refused, .. }) => assert_eq!(refused, port),
            other => panic!("expected the port refused, got {other:?}"),
        }
        assert_eq!(events, 0, "nothing was built");
        let folder = format!("casebook-serve-{}", std::process::id());
        assert!(!std::env::temp_dir().join(folder).exists());
    }
}
