//! Parsing a standalone page (`content/pages/*.md`): front matter with
//! `title`, optional `slug` and `description`, then Markdown.

use super::fields::{get, read_front_matter};
use super::{Page, ParseOptions, SourceFile};
use crate::diagnostics::{rules, Diagnostic};
use crate::markdown;
use crate::slug::{is_valid_slug, slugify};

const PAGE_FIELDS: &[&str] = &["title", "slug", "description"];

pub fn parse(
    text: &str,
    source: SourceFile,
    options: &ParseOptions,
) -> (Option<Page>, Vec<Diagnostic>) {
    let file = source.rel.as_str();
    let (split, map, mut fields) = match read_front_matter(text, file, PAGE_FIELDS) {
        Ok(read) => read,
        Err(diags) => return (None, diags),
    };
    let title = fields.required_string(&map, &["title"], "页面标题", "title: 关于本站");
    let description = fields.string(&map, &["description"]);
    let stem = source
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let slug = match fields.string(&map, &["slug"]) {
        Some(slug) if is_valid_slug(&slug) => Some(slug),
        Some(slug) => {
            fields.error(
                rules::PAGE_SLUG,
                &["slug"],
                format!("页面网址名“{slug}”不合规"),
                "slug 只能用小写英文字母、数字和连字符，例如 slug: about",
            );
            None
        }
        None => Some(slugify(&stem)).filter(|s| !s.is_empty()),
    };
    let page_path = format!("{}/", slug.as_deref().unwrap_or("_"));
    let markdown_options = options.free_form_markdown(file, split.body_line, &source, &page_path);
    let (body, body_diagnostics) = markdown::render(split.body, &markdown_options);
    let mut diagnostics = fields.diagnostics;
    diagnostics.extend(body_diagnostics);
    diagnostics.extend(
        super::typography::scan(text)
            .iter()
            .map(|s| s.diagnostic(file)),
    );
    let (Some(title), Some(slug)) = (title, slug) else {
        return (None, diagnostics);
    };
    let assets = body.assets.clone();
    let slug_key = if get(&map, "slug").is_some() {
        "slug"
    } else {
        "title"
    };
    let slug_at = fields.locator.locate(&[slug_key]);
    let page = Page {
        source,
        title,
        slug,
        slug_at,
        description,
        body,
        assets,
    };
    (Some(page), diagnostics)
}
