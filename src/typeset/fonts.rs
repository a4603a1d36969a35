//! The book's four font families, chosen from `[book]`'s lists among the
//! fonts installed on this machine. A role with none of its families
//! installed is an error naming them: Typst would otherwise fall back to
//! whatever it finds, or print boxes.

use typst_kit::fonts::FontStore;

use crate::config::BookConfig;

/// The family chosen for each role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Families {
    pub serif: String,
    pub song: String,
    pub sans: String,
    pub hei: String,
}

/// The system's fonts (scanned once per book).
pub fn system() -> FontStore {
    let mut store = FontStore::new();
    store.extend(typst_kit::fonts::system());
    store
}

/// The first installed family of each of `config`'s lists, or the message
/// for every role that has none.
pub fn choose(store: &FontStore, config: &BookConfig) -> Result<Families, String> {
    let book = store.book();
    let first = |names: &[String]| {
        names
            .iter()
            .find(|n| book.contains_family(&n.to_lowercase()))
            .cloned()
    };
    let roles = [
        ("serif", "西文衬线字体（Times 类）", &config.serif),
        ("song", "宋体", &config.song),
        ("sans", "西文无衬线字体", &config.sans),
        ("hei", "黑体", &config.hei),
    ];
    let mut missing = Vec::new();
    let mut chosen = Vec::new();
    for (key, label, names) in roles {
        match first(names) {
            Some(name) => chosen.push(name),
            None => missing.push(format!("{label}（[book] {key}）：{}", names.join("、"))),
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "找不到排版年度汇编所需的字体。{}。Windows 和 macOS 自带宋体、黑体和 Times New Roman；\
             Linux 上请安装：apt-get install fonts-noto-cjk fonts-liberation；\
             也可在 casebook.toml 的 [book] 中改为本机已安装的字体",
            missing.join("；")
        ));
    }
    let [serif, song, sans, hei] = <[String; 4]>::try_from(chosen).expect("four roles");
    Ok(Families {
        serif,
        song,
        sans,
        hei,
    })
}

#[cfg(test)]
mod tests {
    use super::choose;
    use crate::config::BookConfig;
    use typst_kit::fonts::FontStore;

    #[test]
    fn a_machine_without_the_fonts_gets_their_names() {
        let config = BookConfig::default();
        let message = choose(&FontStore::new(), &config).unwrap_err();
        for name in ["SimSun", "Noto Serif CJK SC", "Times New Roman", "SimHei"] {
            assert!(message.contains(name), "{message}");
        }
        assert!(
            message.contains("apt-get install fonts-noto-cjk"),
            "{message}"
        );
    }
}
