//! Code highlighting with syntect, as CSS classes (no inline styles), so
//! one stylesheet themes every block and pages stay small.

use std::sync::LazyLock;

use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Loaded once per process on first use and shared by every thread.
static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

/// `<pre><code>` for a code block; highlighted when `lang` is known. A
/// `lang` that is not a language name (`vbscript:x()`, markup) is dropped:
/// it would only ride into the page as an attribute value.
pub fn highlight(code: &str, lang: &str) -> String {
    let lang = if is_language_name(lang) { lang } else { "" };
    let lang_attr = escape(lang);
    if !lang.is_empty() {
        if let Some(syntax) = SYNTAXES.find_syntax_by_token(lang) {
            let mut generator =
                ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, CLASS_STYLE);
            let ok = LinesWithEndings::from(code).all(|line| {
                generator
                    .parse_html_for_line_which_includes_newline(line)
                    .is_ok()
            });
            if ok {
                return format!(
                    "<pre class=\"code\" data-lang=\"{lang_attr}\" tabindex=\"0\"><code>{}</code></pre>\n",
                    generator.finalize()
                );
            }
        }
    }
    format!(
        "<pre class=\"code\" data-lang=\"{lang_attr}\" tabindex=\"0\"><code>{}</code></pre>\n",
        escape(code)
    )
}

/// A fence's language as people write them: `python`, `c++`, `c#`,
/// `objective-c`, `x86_64-asm`, `.ini`; at most 32 characters.
fn is_language_name(lang: &str) -> bool {
    lang.len() <= 32
        && lang
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'#' | b'-' | b'_' | b'.'))
}

/// The stylesheet for the classes [`highlight`] emits.
pub fn stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let theme = &themes.themes["InspiredGitHub"];
    css_for_theme_with_class_style(theme, CLASS_STYLE).unwrap_or_default()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = pulldown_cmark_escape::escape_html(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_language_names_reach_the_page() {
        for lang in [
            "python",
            "c++",
            "c#",
            "objective-c",
            "x86_64-asm",
            ".ini",
            "",
        ] {
            let html = highlight("x = 1\n", lang);
            assert!(
                html.contains(&format!("data-lang=\"{lang}\"")),
                "{lang}: {html}"
            );
        }
        let long = "a".repeat(33);
        for lang in [
            "vbscript:ain()",
            "javascript:alert(1)",
            "a\"b",
            "<x>",
            &long,
        ] {
            let html = highlight("x = 1\n", lang);
            assert!(html.contains("data-lang=\"\""), "{lang}: {html}");
        }
    }

    #[test]
    fn highlights_with_classes_only() {
        let html = highlight("def f(x):\n    return x\n", "python");
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(!html.contains("style="));
    }

    #[test]
    fn unknown_language_is_escaped_plain() {
        let html = highlight("<b>&</b>", "nonesuch");
        assert!(html.contains("&lt;b&gt;&amp;&lt;/b&gt;"));
    }

    #[test]
    fn stylesheet_has_prefixed_classes() {
        assert!(stylesheet().contains(".hl-"));
    }
}
