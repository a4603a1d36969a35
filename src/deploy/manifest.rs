//! The deploy manifest, `.casebook-deploy.json`: every published file's
//! MD5 and size, kept at the top of the target prefix (written last) and
//! beside the output folder. The bucket's copy says which objects are
//! Casebook's (only those are ever deleted) and, where the store's ETags
//! are not MD5s, what each holds. `stale` lists objects a deploy was
//! changing when it stopped: they are never trusted, and are deleted by
//! the next deploy unless the site still has them.
//!
//! The manifest read from a bucket is untrusted input: at most
//! [`MAX_BYTES`], every key checked, every hash 32 hex digits; anything
//! else is reported and the deploy compares every file instead.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::files::{is_key, Files};

/// The manifest's object key, at the top of the target prefix.
pub const NAME: &str = ".casebook-deploy.json";

const FORMAT: &str = "casebook-deploy 1";

/// A manifest larger than this is not one Casebook wrote (87,000 files
/// take about 9 MB).
pub const MAX_BYTES: u64 = 64 << 20;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    format: String,
    pub files: Files,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub stale: BTreeSet<String>,
}

impl Manifest {
    pub fn new(files: Files, stale: BTreeSet<String>) -> Manifest {
        Manifest {
            format: FORMAT.to_string(),
            files,
            stale,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Every key the manifest names: those Casebook may delete.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.files.keys().chain(self.stale.iter())
    }
}

/// Read a manifest; the error (Chinese) says why it cannot be used.
pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!(
            "它有 {} 字节，超过上限，不是 Casebook 写的",
            bytes.len()
        ));
    }
    let manifest: Manifest =
        serde_json::from_slice(bytes).map_err(|e| format!("它不是 Casebook 的清单（{e}）"))?;
    if manifest.format != FORMAT {
        return Err(format!(
            "它的格式是 “{}”，不是 “{FORMAT}”",
            manifest.format.chars().take(80).collect::<String>()
        ));
    }
    if let Some(bad) = manifest.keys().find(|k| !is_key(k) || k.as_str() == NAME) {
        return Err(format!("它列出的文件名 “{}” 不合规", bad.escape_debug()));
    }
    let hex = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some((key, _)) = manifest.files.iter().find(|(_, f)| !hex(&f.md5)) {
        return Err(format!("它给 {key} 记的哈希不是 MD5"));
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::super::files::FileState;
    use super::*;

    #[test]
    fn a_manifest_reads_back_and_garbage_is_refused() {
        let mut files = Files::new();
        files.insert(
            "index.html".into(),
            FileState {
                md5: "0123456789abcdef0123456789abcdef".into(),
                size: 3,
            },
        );
        let manifest = Manifest::new(files, BTreeSet::from(["old.html".to_string()]));
        assert_eq!(parse(&manifest.to_json()).unwrap(), manifest);
        for bad in [
            &b"\xff\xfe garbage"[..],
            b"{\"format\":\"other 1\",\"files\":{}}",
            b"{\"format\":\"casebook-deploy 1\",\"files\":{\"../x\":{\"md5\":\"0123456789abcdef0123456789abcdef\",\"size\":1}}}",
            b"{\"format\":\"casebook-deploy 1\",\"files\":{\"a\":{\"md5\":\"nothex\",\"size\":1}}}",
            b"[1,2,3]",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(parse(&vec![b' '; MAX_BYTES as usize + 1]).is_err());
    }
}
