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

/// A JPEG stored `width`×`height` (left half red, right half blue) whose
/// EXIF Orientation tag (an APP1 segment built by hand) is `tag`.
fn jpeg_with_orientation(width: u32, height: u32, tag: u16) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, _| {
        image::Rgb(if x < width / 2 {
            [255, 0, 0]
        } else {
            [0, 0, 255]
        })
    });
    let mut jpeg = Vec::new();
    picture
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    // "Exif\0\0", a big-endian TIFF header, one IFD of one SHORT entry.
    let mut app1 = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    app1.extend(tag.to_be_bytes());
    app1.extend([0, 0, 0, 0, 0, 0]);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

#[test]
fn a_phone_photo_tagged_rotate_90_is_published_upright() {
    let dir = temp_dir();
    let site = dir.path().join("site");
    copy_dir(&fixture("basic"), &site);
    let case = site.join("content/cases/2022/2022-001");
    // Stored landscape 1200×800; upright it is portrait 800×1200.
    std::fs::write(case.join("photo.jpg"), jpeg_with_orientation(1200, 800, 6)).unwrap();
    let index = case.join("index.md");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, text.replace("](flow.png)", "](photo.jpg)")).unwrap();
    let built = build_ok(&site, &[]);
    let page = built.html("cases/2022-001/index.html");
    let img = page
        .select(&sel("picture img[src$='photo.jpg']"))
        .next()
        .expect("the photo's picture");
    assert_eq!(img.value().attr("width"), Some("800"));
    assert_eq!(img.value().attr("height"), Some("1200"));
    let source = page
        .select(&sel("picture source[srcset*='photo.jpg']"))
        .next()
        .unwrap();
    let listed = candidates(source.value().attr("srcset").unwrap());
    assert_eq!(listed.len(), 2, "{listed:?}");
    for (url, width) in listed {
        let bytes = std::fs::read(built.path(url.strip_prefix('/').unwrap())).unwrap();
        let picture = image::load_from_memory(&bytes).unwrap().into_rgb8();
        assert_eq!(picture.dimensions(), (width, width * 3 / 2), "{url}");
        // The stored left half (red) is the upright top half.
        let (w, h) = picture.dimensions();
        let top = picture.get_pixel(w / 2, h / 8);
        let bottom = picture.get_pixel(w / 2, h * 7 / 8);
        assert!(top[0] > 200 && top[2] < 60, "{url}: top {top:?}");
        assert!(
            bottom[2] > 200 && bottom[0] < 60,
            "{url}: bottom {bottom:?}"
        );
    }
}

#[test]
fn a_symlinked_cache_folder_is_not_written_through() {
    for link in [".casebook-cache", ".casebook-cache/images"] {
        let dir = temp_dir();
        let site = dir.path().join("site");
        copy_dir(&fixture("basic"), &site);
        // Say, the editor's home: Casebook did not make it.
        let elsewhere = dir.path().join("home");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("notes.txt"), "mine").unwrap();
        let at = site.join(link);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &at).unwrap();
        let built = build_ok(&site, &[]);
        assert!(
            built.stderr.contains("path-symlink"),
            "{link}: {}",
            built.stderr
        );
        assert!(built.stderr.contains(link), "{link}: {}", built.stderr);
        assert!(has_cjk(&built.stderr));
        let left: Vec<_> = std::fs::read_dir(&elsewhere)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["notes.txt"], "{link}: written through");
        // Built without the cache: the variants are there all the same.
        assert!(built.exists("cases/2022-001/cover.png.400.webp"), "{link}");
    }
}

#[test]
fn a_heavy_cover_is_shared_resized_with_its_size() {
    let dir = temp_dir();
    let site = dir.path().join("site");
    copy_dir(&fixture("basic"), &site);
    // A camera's cover: 1600×900 px of noise, megabytes as PNG.
    let noise = image::RgbImage::from_fn(1600, 900, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).wrapping_mul(97);
        image::Rgb([(n >> 8) as u8, (n >> 16) as u8, (n >> 24) as u8])
    });
    let cover = site.join("content/cases/2022/2022-001/cover.png");
    noise.save(&cover).unwrap();
    assert!(std::fs::metadata(&cover).unwrap().len() > 1_000_000);
    let built = build_ok(&site, &[]);
    let page = built.html("cases/2022-001/index.html");
    let meta = |property: &str| {
        page.select(&sel(&format!("meta[property=\"{property}\"]")))
            .next()
            .and_then(|m| m.value().attr("content").map(str::to_string))
            .unwrap_or_else(|| panic!("no {property}"))
    };
    let url = meta("og:image");
    assert!(url.ends_with("/cases/2022-001/cover.png.960.png"), "{url}");
    assert_eq!(meta("og:image:width"), "960");
    assert_eq!(meta("og:image:height"), "540");
    let file = built.path("cases/2022-001/cover.png.960.png");
    let size = imagesize::size(&file).unwrap();
    assert_eq!((size.width, size.height), (960, 540));
    assert!(std::fs::metadata(&file).unwrap().len() < 2_000_000);
    let twitter = page
        .select(&sel("meta[name=\"twitter:image\"]"))
        .next()
        .unwrap();
    assert_eq!(twitter.value().attr("content"), Some(url.as_str()));
    assert!(built
        .read("cases/2022-001/index.html")
        .contains(&format!("\"image\":\"{url}\"")));
}
