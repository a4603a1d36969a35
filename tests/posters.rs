//! Share posters (分享海报, `render::poster`): a PNG per case and shape, of
//! the right size, not blank, whose QR code decodes to the case's short
//! link and whose title is drawn; shown and downloadable on the share kit;
//! the square one is the share card of a case without a cover; a
//! `--drafts` build marks the posters of unpublished cases.
//!
//! The title check: a poster draws its title, and nothing else, in the
//! title ink (`#1a1a1a`; the programme is white, the enterprise grey, the
//! result blue, the QR code black). The unit test in `render::poster`
//! shows a poster drawn without its title has no pixel of that ink; here
//! every case's poster must have, per character of its title, at least
//! the ink of a small glyph. Without OCR, that is the title's text drawn
//! where the title goes.

mod common;

use common::*;

const CASES: [&str; 3] = ["2023-001", "2023-002", "2022-001"];

struct Pixels {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

fn read_png(path: &std::path::Path) -> Pixels {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    buffer.truncate(info.buffer_size());
    let rgba = match info.color_type {
        png::ColorType::Rgba => buffer,
        other => panic!("{}: unexpected colour type {other:?}", path.display()),
    };
    Pixels {
        width: info.width,
        height: info.height,
        rgba,
    }
}

impl Pixels {
    /// Pixels within `tolerance` of `rgb` in every channel.
    fn count(&self, rgb: [u8; 3], tolerance: u8) -> usize {
        self.rgba
            .chunks(4)
            .filter(|p| (0..3).all(|c| p[c].abs_diff(rgb[c]) <= tolerance))
            .count()
    }
}

fn case_ids(out: &std::path::Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(out.join("cases"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("share/index.html").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn every_case_has_two_posters_of_the_right_size_and_not_blank() {
    let built = example();
    let ids = case_ids(&built.out);
    assert!(ids.len() >= 10, "{ids:?}");
    for id in &ids {
        for (name, size) in [
            ("poster.png", (1080, 1920)),
            ("poster-square.png", (1080, 1080)),
        ] {
            let path = built.path(&format!("cases/{id}/share/{name}"));
            let poster = read_png(&path);
            assert_eq!((poster.width, poster.height), size, "{id} {name}");
            // Against a blank (white) canvas of the same size: at least a
            // fifth of the pixels differ (band, text, QR code).
            let blank = poster.count([255, 255, 255], 0);
            let total = (size.0 * size.1) as usize;
            assert!(
                total - blank > total / 5,
                "{id} {name}: only {} of {total} pixels are not white",
                total - blank
            );
            let title = text_of(
                built
                    .html(&format!("cases/{id}/index.html"))
                    .select(&sel("h1"))
                    .next()
                    .unwrap(),
            );
            let chars = title.chars().filter(|c| !c.is_whitespace()).count().min(30);
            let ink = poster.count([0x1a, 0x1a, 0x1a], 8);
            assert!(
                ink >= chars * 150,
                "{id} {name}: title “{title}” ({chars} characters) left only {ink} pixels of title ink"
            );
        }
    }
}

#[test]
fn poster_qr_codes_decode_to_the_short_links() {
    let built = example();
    let Some(zbarimg) = zbarimg() else { return };
    for id in case_ids(&built.out) {
        for name in ["poster.png", "poster-square.png"] {
            let path = built.path(&format!("cases/{id}/share/{name}"));
            let output = std::process::Command::new(zbarimg)
                .args(["--quiet", "--raw"])
                .arg(&path)
                .output()
                .unwrap();
            let decoded = String::from_utf8_lossy(&output.stdout);
            assert_eq!(
                decoded.trim(),
                format!("https://casebook.example.org/c/{id}"),
                "{id} {name}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

/// `zbarimg`, or `None` (with a SKIPPED line) when it is not installed;
/// under CI a missing zbarimg fails the test.
fn zbarimg() -> Option<&'static str> {
    let found = std::process::Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok();
    if found {
        return Some("zbarimg");
    }
    skip(
        "poster QR decoding",
        "zbarimg",
        "apt-get install zbar-tools",
    );
    None
}

#[test]
fn the_share_kit_shows_and_offers_both_posters() {
    let built = example();
    for id in CASES {
        let kit = built.html(&format!("cases/{id}/share/index.html"));
        for name in ["poster.png", "poster-square.png"] {
            let url = format!("/cases/{id}/share/{name}");
            let shown = kit
                .select(&sel(&format!("img[src=\"{url}\"]")))
                .next()
                .unwrap_or_else(|| panic!("{id}: no preview of {name}"));
            assert!(shown.value().attr("alt").is_some_and(has_cjk));
            assert!(
                shown.value().attr("width").is_some() && shown.value().attr("height").is_some()
            );
            assert!(
                kit.select(&sel(&format!("a[href=\"{url}\"][download]")))
                    .next()
                    .is_some(),
                "{id}: no download link for {name}"
            );
        }
    }
}

#[test]
fn the_share_card_is_the_square_poster_unless_the_case_has_a_cover() {
    let built = example();
    let image = |id: &str| {
        let page = built.html(&format!("cases/{id}/index.html"));
        let meta = page
            .select(&sel("meta[property=\"og:image\"]"))
            .next()
            .unwrap();
        meta.value().attr("content").unwrap().to_string()
    };
    // 2023-002 has no cover; 2023-001 has one.
    assert_eq!(
        image("2023-002"),
        "https://casebook.example.org/cases/2023-002/share/poster-square.png"
    );
    assert_eq!(
        image("2023-001"),
        "https://casebook.example.org/cases/2023-001/cover.png"
    );
}

#[test]
fn posters_are_the_same_bytes_from_the_cache_and_drawn_anew() {
    let dir = temp_dir();
    let site = example_site_at(dir.path());
    let first = build_ok(&site, &[]);
    assert!(site.join(".casebook-cache/posters").is_dir());
    assert!(
        std::fs::read_to_string(site.join(".casebook-cache/.gitignore"))
            .unwrap()
            .lines()
            .any(|l| l == "*"),
        "the cache ignores itself in git"
    );
    let second = build_ok(&site, &[]);
    assert!(
        second.stderr.contains("图片：新生成 0 个尺寸")
            && second.stderr.contains("分享海报：新绘制 0 张"),
        "a rebuild draws nothing: {}",
        second.stderr
    );
    std::fs::remove_dir_all(site.join(".casebook-cache")).unwrap();
    let third = build_ok(&site, &[]);
    let (a, b, c) = (first.files(), second.files(), third.files());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(&b[path] == bytes, "{path} differs from the cached build");
        assert!(&c[path] == bytes, "{path} differs when drawn again");
    }
}

#[test]
fn a_machine_without_a_cjk_font_gets_a_clear_error() {
    let dir = temp_dir();
    let site = example_site_at(&dir.path().join("site"));
    let empty = dir.path().join("no-fonts");
    std::fs::create_dir_all(&empty).unwrap();
    let config = dir.path().join("fonts.conf");
    std::fs::write(
        &config,
        format!(
            "<?xml version=\"1.0\"?>\n<fontconfig><dir>{}</dir></fontconfig>\n",
            empty.display()
        ),
    )
    .unwrap();
    // Fontconfig pointed at an empty folder: no font at all.
    let build_without_fonts = || {
        std::process::Command::new(BIN)
            .args(["build", "--root"])
            .arg(&site)
            .arg("--output")
            .arg(dir.path().join("out"))
            .env("FONTCONFIG_FILE", &config)
            .env("HOME", dir.path())
            .output()
            .unwrap()
    };
    let output = build_without_fonts();
    let log = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(log.contains("poster-font"), "{log}");
    assert!(
        log.contains("Noto Sans CJK SC") && log.contains("fonts-noto-cjk"),
        "{log}"
    );
    assert!(!dir.path().join("out").exists(), "nothing written");

    // A site that turns posters off builds on the same machine.
    let toml = site.join("casebook.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}\n[posters]\nenabled = false\n")).unwrap();
    let output = build_without_fonts();
    let log = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{log}");
    let out = dir.path().join("out");
    assert!(!out.join("cases/2023-002/share/poster.png").exists());
    let kit = std::fs::read_to_string(out.join("cases/2023-002/share/index.html")).unwrap();
    assert!(!kit.contains("poster"), "no poster section");
}

#[test]
fn a_drafts_build_marks_the_posters_of_unpublished_cases() {
    let built = basic_drafts();
    const BLUE: [u8; 3] = [0x0b, 0x4a, 0x8b];
    const RED: [u8; 3] = [0xb3, 0x26, 0x1e];
    // 2024-001 is a draft, 2024-002 rejected; 2023-001 is approved.
    for (id, unpublished) in [("2024-001", true), ("2024-002", true), ("2023-001", false)] {
        for name in ["poster.png", "poster-square.png"] {
            let poster = read_png(&built.path(&format!("cases/{id}/share/{name}")));
            let at = |x: u32, y: u32| {
                let i = ((y * poster.width + x) * 4) as usize;
                [poster.rgba[i], poster.rgba[i + 1], poster.rgba[i + 2]]
            };
            // The top band: red for an unpublished case, else the blue.
            let band = at(8, 8);
            let expected = if unpublished { RED } else { BLUE };
            assert_eq!(band, expected, "{id} {name}");
            // The pale red mark across the face (red over white at 16 %).
            let pale = poster.count([0xf5, 0xe0, 0xdf], 6);
            if unpublished {
                assert!(pale > 20_000, "{id} {name}: {pale} pixels of the mark");
            } else {
                assert_eq!(pale, 0, "{id} {name}");
            }
        }
    }
    // A published build draws no poster of an unpublished case.
    assert!(!basic().exists("cases/2024-001/share/poster.png"));
    assert!(basic().exists("cases/2023-001/share/poster.png"));
}
