//! Replays the fuzz corpus (`fuzz/corpus/TARGET/`) and every crasher kept
//! as a regression case (`fuzz/regressions/TARGET/`) through the same entry
//! points the cargo-fuzz targets call (`casebook::fuzzing`), so CI checks
//! them without libFuzzer or a nightly compiler. Fuzzing itself runs
//! outside CI: see SECURITY.md.

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("case_file", casebook::fuzzing::case_file),
    ("markdown_body", casebook::fuzzing::markdown_body),
    ("search_query", casebook::fuzzing::search_query),
];

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_input_and_regression_case_runs_clean() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, target) in TARGETS {
        let corpus = inputs(&fuzz.join("corpus").join(name));
        assert!(
            corpus.len() >= 5,
            "fuzz/corpus/{name} has {} inputs: the corpus is committed",
            corpus.len()
        );
        let regressions = inputs(&fuzz.join("regressions").join(name));
        for file in corpus.iter().chain(&regressions) {
            let data = std::fs::read(file).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name} panics on {}", file.display());
        }
        eprintln!(
            "{name}: {} corpus inputs, {} regression cases",
            corpus.len(),
            regressions.len()
        );
    }
}
