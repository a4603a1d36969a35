//! What share cards and search engines read about a case: Open Graph and
//! Twitter card values, and schema.org JSON-LD. The JSON-LD is serialised
//! here (never assembled in a template) and escaped for a `<script>`
//! element.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::content::Case;

/// A share image: its absolute URL and, when known, its size in pixels
/// (`og:image:width`/`height` let a crawler lay out the card before
/// fetching the picture).
#[derive(Serialize, Clone, Default)]
pub struct Image {
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl Image {
    pub fn new(url: String, size: Option<(u32, u32)>) -> Image {
        Image {
            url,
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
        }
    }
}

/// Width and height of an image held in memory (theme files).
pub fn blob_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let size = imagesize::blob_size(bytes).ok()?;
    Some((
        u32::try_from(size.width).ok()?,
        u32::try_from(size.height).ok()?,
    ))
}

/// Share values of one case page.
#[derive(Serialize)]
pub struct Share {
    pub title: String,
    pub description: String,
    pub url: String,
    /// `og:type`.
    pub kind: &'static str,
    /// The share image (the cover, else the area's default).
    pub image: Image,
    /// The JSON-LD, safe to place inside `<script type="application/ld+json">`.
    pub json_ld: String,
}

pub struct ShareInput<'a> {
    pub case: &'a Case,
    pub description: &'a str,
    pub permalink: &'a str,
    pub image: Image,
    pub publisher: &'a str,
    pub language: &'a str,
}

pub fn case_share(input: ShareInput) -> Share {
    let case = input.case;
    let mut article = Map::new();
    article.insert("@context".into(), json!("https://schema.org"));
    article.insert("@type".into(), json!("Article"));
    article.insert("headline".into(), json!(case.title));
    article.insert("description".into(), json!(input.description));
    article.insert("url".into(), json!(input.permalink));
    article.insert("mainEntityOfPage".into(), json!(input.permalink));
    article.insert("image".into(), json!(input.image.url));
    article.insert("inLanguage".into(), json!(input.language));
    if let Some(date) = case.date {
        article.insert(
            "datePublished".into(),
            json!(date.format("%Y-%m-%d").to_string()),
        );
    }
    if !input.publisher.is_empty() {
        article.insert(
            "publisher".into(),
            json!({"@type": "Organization", "name": input.publisher}),
        );
    }
    let mut enterprise = Map::new();
    enterprise.insert("@type".into(), json!("Organization"));
    enterprise.insert("name".into(), json!(case.enterprise.name));
    if let Some(site) = case
        .enterprise
        .website
        .as_deref()
        .filter(|w| w.starts_with("https://") || w.starts_with("http://"))
    {
        enterprise.insert("url".into(), json!(site));
    }
    let enterprise = Value::Object(enterprise);
    article.insert("author".into(), enterprise.clone());
    article.insert("about".into(), enterprise);
    Share {
        title: case.title.clone(),
        description: input.description.to_string(),
        url: input.permalink.to_string(),
        kind: "article",
        image: input.image,
        json_ld: script_json(&Value::Object(article)),
    }
}

/// JSON that cannot end or break out of a `<script>` element: `<`, `>` and
/// `&` as `\u003c`, `\u003e`, `\u0026` (still the same JSON), and the line
/// separators JavaScript once rejected escaped too.
pub fn script_json(value: &Value) -> String {
    let text = serde_json::to_string(value).expect("JSON values serialise");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script() {
        let value = json!({"headline": "</script><!-- & \u{2028}"});
        let text = script_json(&value);
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
