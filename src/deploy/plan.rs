//! What a deploy changes: the local files against the bucket's listing
//! (size and ETag of every object) and its manifest. A file is skipped only
//! when the bucket holds it: same size and an ETag equal to its MD5, or,
//! where the listing gives no MD5 ETag (multipart uploads, KMS encryption,
//! s3s-fs, which lists no ETags), same size and the manifest's MD5 — so a
//! manifest that lies about a hash cannot cause a wrong skip where ETags
//! are MD5s, and elsewhere a manifest naming another hash causes an upload.
//! Deletions are limited to objects the manifest names: nothing in the
//! bucket that Casebook did not put there is touched.

use std::collections::{BTreeMap, BTreeSet};

use super::files::{stage, FileState, Files};
use super::manifest::Manifest;

/// An object in the bucket, from its listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub size: u64,
    pub etag: Option<String>,
}

/// The bucket's objects under the prefix, by key relative to it.
pub type Listing = BTreeMap<String, Object>;

#[derive(Debug, Default)]
pub struct Plan {
    /// Keys to upload, in upload order (stage, then key).
    pub uploads: Vec<String>,
    /// Keys to delete, after every upload.
    pub deletions: Vec<String>,
    /// Files the bucket already holds.
    pub unchanged: BTreeSet<String>,
    /// Uploads that would replace an object no manifest of ours names:
    /// someone else's (or, with no usable manifest, nobody can tell).
    pub overwrites: Vec<String>,
    /// Bytes to upload.
    pub bytes: u64,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.uploads.is_empty() && self.deletions.is_empty()
    }

    /// The manifest to write before anything is uploaded: only what this
    /// deploy leaves alone is trusted; everything it touches is stale
    /// until the final manifest.
    pub fn interim_manifest(&self, files: &Files, previous: Option<&Manifest>) -> Manifest {
        let trusted = files
            .iter()
            .filter(|(k, _)| self.unchanged.contains(*k))
            .map(|(k, f)| (k.clone(), f.clone()))
            .collect();
        let mut stale: BTreeSet<String> = self.uploads.iter().cloned().collect();
        stale.extend(self.deletions.iter().cloned());
        stale.extend(previous.into_iter().flat_map(|m| m.stale.iter().cloned()));
        stale.retain(|k| !self.unchanged.contains(k));
        Manifest::new(trusted, stale)
    }
}

/// Compare `files` (the output) with the bucket.
pub fn plan(files: &Files, listing: &Listing, previous: Option<&Manifest>) -> Plan {
    let mut plan = Plan::default();
    let mut uploads = Vec::new();
    for (key, file) in files {
        let trusted = previous
            .filter(|m| !m.stale.contains(key))
            .and_then(|m| m.files.get(key));
        if holds(listing.get(key), file, trusted) {
            plan.unchanged.insert(key.clone());
        } else {
            plan.bytes += file.size;
            uploads.push((stage(key), key.clone()));
        }
    }
    uploads.sort();
    plan.uploads = uploads.into_iter().map(|(_, key)| key).collect();
    let ours: BTreeSet<&String> = previous.into_iter().flat_map(Manifest::keys).collect();
    plan.overwrites = plan
        .uploads
        .iter()
        .filter(|key| listing.contains_key(*key) && !ours.contains(key))
        .cloned()
        .collect();
    plan.deletions = ours
        .into_iter()
        .filter(|key| !files.contains_key(*key) && listing.contains_key(*key))
        .cloned()
        .collect();
    plan
}

/// Does the bucket's `object` hold `file`?
fn holds(object: Option<&Object>, file: &FileState, trusted: Option<&FileState>) -> bool {
    let Some(object) = object.filter(|o| o.size == file.size) else {
        return false;
    };
    match object.etag.as_deref().and_then(etag_md5) {
        Some(md5) => md5 == file.md5,
        None => trusted == Some(file),
    }
}

/// The MD5 an ETag states, when it is one (`"…"`, 32 hex digits; a
/// multipart ETag has a `-N` suffix and is not).
fn etag_md5(etag: &str) -> Option<String> {
    let bare = etag.trim_start_matches("W/").trim_matches('"');
    (bare.len() == 32 && bare.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| bare.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0123456789abcdef0123456789abcdef";
    const B: &str = "fedcba9876543210fedcba9876543210";

    fn file(md5: &str) -> FileState {
        FileState {
            md5: md5.into(),
            size: 5,
        }
    }

    fn object(etag: &str) -> Object {
        Object {
            size: 5,
            etag: Some(etag.into()),
        }
    }

    #[test]
    fn etags_decide_and_a_lying_manifest_cannot_cause_a_skip() {
        let files = Files::from([("a.html".into(), file(A)), ("b.css".into(), file(A))]);
        let listing = Listing::from([
            (
                "a.html".into(),
                object(&format!("\"{}\"", A.to_uppercase())),
            ),
            ("b.css".into(), object(&format!("\"{B}\""))),
        ]);
        // The manifest claims b.css holds A; the ETag says otherwise.
        let lying = Manifest::new(files.clone(), BTreeSet::new());
        let plan = plan(&files, &listing, Some(&lying));
        assert_eq!(plan.uploads, ["b.css"]);
        assert_eq!(plan.unchanged, BTreeSet::from(["a.html".to_string()]));
    }

    #[test]
    fn without_md5_etags_only_a_trusted_manifest_entry_skips() {
        let files = Files::from([("a.html".into(), file(A))]);
        let listing = Listing::from([("a.html".into(), object("\"abc-2\""))]);
        assert_eq!(plan(&files, &listing, None).uploads, ["a.html"]);
        let manifest = Manifest::new(files.clone(), BTreeSet::new());
        assert!(plan(&files, &listing, Some(&manifest)).is_empty());
        let stale = Manifest::new(files.clone(), BTreeSet::from(["a.html".to_string()]));
        assert_eq!(plan(&files, &listing, Some(&stale)).uploads, ["a.html"]);
    }

    #[test]
    fn only_objects_the_manifest_names_are_deleted_and_uploads_follow_the_stages() {
        let files = Files::from([
            ("index.html".into(), file(A)),
            ("cases/x/index.html".into(), file(A)),
            ("css/s.css".into(), file(A)),
        ]);
        let listing = Listing::from([
            ("old.html".into(), object(A)),
            ("theirs.txt".into(), object(A)),
            ("gone-already.html".into(), object(A)),
        ]);
        let previous = Manifest::new(
            Files::from([("old.html".into(), file(A))]),
            BTreeSet::from(["missing.html".to_string()]),
        );
        let plan = plan(&files, &listing, Some(&previous));
        assert_eq!(
            plan.uploads,
            ["css/s.css", "cases/x/index.html", "index.html"]
        );
        assert_eq!(plan.deletions, ["old.html"]);
        assert_eq!(plan.bytes, 15);
        let interim = plan.interim_manifest(&files, Some(&previous));
        assert!(interim.files.is_empty());
        assert!(interim.stale.contains("old.html") && interim.stale.contains("index.html"));
        assert!(interim.stale.contains("missing.html"));
        assert!(plan.overwrites.is_empty());
    }

    #[test]
    fn replacing_an_object_no_manifest_names_is_an_overwrite() {
        let files = Files::from([
            ("index.html".into(), file(A)),
            ("ours.html".into(), file(A)),
            ("same.html".into(), file(A)),
            ("new.html".into(), file(A)),
        ]);
        let listing = Listing::from([
            ("index.html".into(), object(B)),
            ("ours.html".into(), object(B)),
            ("same.html".into(), object(A)),
        ]);
        let previous = Manifest::new(
            Files::from([("ours.html".into(), file(B))]),
            BTreeSet::new(),
        );
        let with = plan(&files, &listing, Some(&previous));
        assert_eq!(with.overwrites, ["index.html"]);
        // No usable manifest: nothing in the bucket is provably ours, but
        // identical bytes are no loss.
        let without = plan(&files, &listing, None);
        assert_eq!(without.overwrites, ["ours.html", "index.html"]);
        assert!(without.unchanged.contains("same.html"));
    }
}
