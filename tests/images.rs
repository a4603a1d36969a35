//! Responsive images (`images`): every content picture comes with WebP and
//! original-format variants at a few widths, named in `srcset` with their
//! widths, each an existing file of that width; `width`/`height` on every
//! `<img>`; the book keeps only the originals; hostile pictures are
//! diagnostics naming the file. (That a rebuild reuses the cache and that
//! builds are byte-identical: `tests/posters.rs`, which builds the example
//! three times.)

mod common;

use common::*;

/// The URLs and widths of a `srcset` value.
fn candidates(srcset: &str) -> Vec<(String, u32)> {
    srcset
        .split(", ")
        .map(|candidate| {
            let (url, width) = candidate.rsplit_once(' ').unwrap();
            let width = width.strip_suffix('w').unwrap().parse().unwrap();
            (url.to_string(), width)
        })
        .collect()
}

#[test]
fn every_srcset_names_existing_files_of_their_widths() {
    let built = example();
    let mut pictures = 0;
    for id in [
        "2023-001", "2023-002", "2023-004", "2024-001", "2024-002", "2022-003",
    ] {
        let page = built.html(&format!("cases/{id}/index.html"));
        for picture in page.select(&sel("figure picture")) {
            pictures += 1;
            let source = picture.select(&sel("source")).next().unwrap();
            assert_eq!(source.value().attr("type"), Some("image/webp"));
            let img = picture.select(&sel("img")).next().unwrap();
            let (width, height) = (
                img.value().attr("width").unwrap().parse::<u32>().unwrap(),
                img.value().attr("height").unwrap().parse::<u32>().unwrap(),
            );
            assert_eq!(img.value().attr("loading"), Some("lazy"));
            for element in [source, img] {
                let srcset = element.value().attr("srcset").unwrap();
                assert!(element.value().attr("sizes").is_some(), "{id}");
                for (url, w) in candidates(srcset) {
                    assert!(w <= width, "{id}: {url} is wider than the original");
                    let rel = url.strip_prefix('/').unwrap();
                    let file = built.path(rel);
                    let size = imagesize::size(&file)
                        .unwrap_or_else(|e| panic!("{id}: {url} is not a picture: {e}"));
                    assert_eq!(size.width as u32, w, "{id}: {url}");
                    let expected = (u64::from(height) * u64::from(w) + u64::from(width) / 2)
                        / u64::from(width);
                    assert_eq!(size.height as u64, expected.max(1), "{id}: {url}");
                }
            }
            let src = img.value().attr("src").unwrap();
            assert!(built.exists(src.strip_prefix('/').unwrap()), "{src}");
        }
    }
    assert!(pictures >= 6, "only {pictures} pictures found");
}

#[test]
fn the_book_shows_the_originals_only() {
    let built = example();
    for year in [2022, 2023, 2024] {
        let rel = format!("compilation/{year}/index.html");
        if !built.exists(&rel) {
            continue;
        }
        let html = built.read(&rel);
        assert!(!html.contains("srcset"), "{rel} has a srcset");
        assert!(!html.contains("<picture"), "{rel} has a picture element");
    }
}

/// A copy of the example site whose case 2023-002 shows `name` holding
/// `bytes`: the build's diagnostics.
fn build_with_picture(name: &str, bytes: &[u8]) -> (i32, String) {
    let dir = temp_dir();
    let site = example_site_at(dir.path());
    let case = site.join("content/cases/2023/2023-002");
    std::fs::write(case.join(name), bytes).unwrap();
    let index = case.join("index.md");
    let text = std::fs::read_to_string(&index).unwrap();
    let marker = "\n## ";
    let at = text.rfind(marker).unwrap();
    let edited = format!(
        "{}\n\n![一张有问题的图片]({name})\n{}",
        &text[..at],
        &text[at..]
    );
    std::fs::write(&index, edited).unwrap();
    let built = build(&site, &[]);
    (built.code, built.stderr)
}

fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend(width.to_be_bytes());
    bytes.extend(height.to_be_bytes());
    bytes.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

#[test]
fn hostile_pictures_are_diagnostics_naming_the_file() {
    let truncated = {
        let whole =
            std::fs::read(repo_root().join("content/cases/2023/2023-002/p-chart.png")).unwrap();
        whole[..whole.len() / 2].to_vec()
    };
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("huge.png", png_header(20_000, 20_000), "image-invalid"),
        ("cut.png", truncated, "image-invalid"),
        ("empty.png", Vec::new(), "image-invalid"),
        (
            "page.png",
            b"<html><script>alert(1)</script>".to_vec(),
            "attachment-type",
        ),
    ];
    for (name, bytes, rule) in cases {
        let (code, stderr) = build_with_picture(name, &bytes);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert!(stderr.contains(rule), "{name}: {stderr}");
        assert!(has_cjk(&stderr), "{name}: {stderr}");
    }
}
