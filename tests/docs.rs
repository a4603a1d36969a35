//! The documentation against the program it describes: README's quick start
//! runs as written, every `casebook` command line in the guides names a real
//! subcommand and only flags it accepts, and every relative link and
//! `#anchor` in them leads somewhere.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The guides whose command lines are checked: README, `docs/` and the
/// benchmarks' README.
fn guides() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = vec![root.join("README.md"), root.join("bench/README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// Every Markdown file whose links are checked: the guides, and the two
/// documents beside them that link into them.
fn linked_documents() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = guides();
    files.push(root.join("ARCHITECTURE.md"));
    files.push(root.join("SECURITY.md"));
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn name_of(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn markdown(text: &str) -> Parser<'_> {
    Parser::new_ext(text, Options::ENABLE_TABLES)
}

// ---------------------------------------------------------------------------
// The quick start

/// The marker that precedes the quick start's block in README.
const QUICK_START_MARKER: &str = "<!-- quick-start:";

/// The shell block that follows the quick-start marker in README.
fn quick_start_block() -> String {
    let readme = read(&repo_root().join("README.md"));
    let after_marker = readme
        .split_once(QUICK_START_MARKER)
        .expect("README marks its quick start with <!-- quick-start: … -->")
        .1;
    let block = after_marker
        .split_once("```sh\n")
        .expect("a ```sh block follows the quick-start marker")
        .1;
    block
        .split_once("\n```")
        .expect("the quick start's block is closed")
        .0
        .to_string()
}

/// The id the quick start gives `casebook new`.
fn new_case_id(script: &str) -> String {
    script
        .lines()
        .find_map(|line| line.trim().strip_prefix("casebook new "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the quick start runs `casebook new ID`")
        .to_string()
}

/// A folder holding only `casebook`, a link to the binary under test, so a
/// script finds it first on `PATH`.
fn bin_dir_with_casebook(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(BIN, bin.join("casebook")).unwrap();
    bin
}

/// The folder below `dir` that the script made into a site.
fn site_made_in(dir: &Path) -> PathBuf {
    walkdir::WalkDir::new(dir)
        .max_depth(2)
        .into_iter()
        .map(|entry| entry.unwrap().into_path())
        .find(|path| path.ends_with("casebook.toml"))
        .and_then(|config| config.parent().map(Path::to_path_buf))
        .expect("the quick start writes a casebook.toml")
}

/// The quick start without `casebook serve`, which never returns (its
/// spelling is checked with every other documented command).
fn runnable_part(script: &str) -> String {
    script
        .lines()
        .filter(|line| !line.trim_start().starts_with("casebook serve"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Run `script` with `sh -e` in `DIR/work`, the binary under test first on
/// `PATH` as `casebook`.
fn run_with_casebook(script: &str, dir: &Path) -> std::process::Output {
    let bin = bin_dir_with_casebook(dir);
    let work = dir.join("work");
    std::fs::create_dir(&work).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    Command::new("sh")
        .args(["-e", "-c", script])
        .current_dir(&work)
        .env("PATH", path)
        .env_remove("RUST_LOG")
        .output()
        .expect("run sh")
}

#[test]
fn quick_start_runs_as_written() {
    let script = quick_start_block();
    let steps = ["new", "check", "build", "serve"];
    for step in steps.map(|step| format!("casebook {step}")) {
        assert!(script.contains(&step), "the quick start lacks `{step}`");
    }
    let dir = temp_dir();
    let output = run_with_casebook(&runnable_part(&script), dir.path());
    assert!(
        output.status.success(),
        "the quick start failed:\n{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    let site = site_made_in(&dir.path().join("work"));
    let case = format!("output/cases/{}/index.html", new_case_id(&script));
    for page in ["output/index.html", case.as_str()] {
        assert!(site.join(page).is_file(), "the quick start made no {page}");
    }
}

// ---------------------------------------------------------------------------
// Command lines

/// What the binary accepts: each subcommand with its flags (`--long`,
/// `-s`), and under [`TOP`] the flags of `casebook` alone (`--help`).
type Cli = BTreeMap<String, BTreeSet<String>>;

/// The key of [`Cli`] for flags given without a subcommand.
const TOP: &str = "";

fn help_of(args: &[&str]) -> String {
    let output = casebook(args);
    assert_eq!(code(&output), 0, "casebook {args:?}: {}", stderr(&output));
    stdout(&output)
}

/// The lines of a `--help` section (`Commands:`, `Options:`) up to the next.
fn help_section<'a>(help: &'a str, title: &str) -> Vec<&'a str> {
    help.lines()
        .skip_while(|line| *line != title)
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .collect()
}

/// The flags an option line of `-h` names: `-v, --verbose  …` gives both.
fn flags_of_option_line(line: &str) -> Vec<String> {
    line.split_whitespace()
        .map(|word| word.trim_end_matches(','))
        .take_while(|word| word.starts_with('-') || word.starts_with('<'))
        .filter(|word| word.starts_with('-') && word.len() > 1)
        .map(str::to_string)
        .collect()
}

fn accepted_commands() -> Cli {
    let top = help_of(&["--help"]);
    let names: Vec<String> = help_section(&top, "Commands:")
        .iter()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 7, "too few subcommands in --help:\n{top}");
    let mut cli: Cli = names
        .into_iter()
        .map(|name| {
            let flags = options_of(&help_of(&[name.as_str(), "-h"]));
            (name, flags)
        })
        .collect();
    cli.insert(TOP.to_string(), options_of(&top));
    cli
}

fn options_of(help: &str) -> BTreeSet<String> {
    help_section(help, "Options:")
        .iter()
        .flat_map(|line| flags_of_option_line(line))
        .collect()
}

/// Where the subcommand of a documented command line stands: after the
/// program when that is `casebook` (or a path ending in `/casebook`), or
/// after `--` in `cargo run … --`; `None` for any other program.
fn subcommand_index(words: &[&str]) -> Option<usize> {
    // Environment assignments (`CI=true casebook …`) come before the program.
    let program = words.iter().position(|word| !word.contains('='))?;
    let name = words[program];
    if name == "casebook" || name.ends_with("/casebook") {
        return Some(program + 1);
    }
    if name != "cargo" || words.get(program + 1) != Some(&"run") {
        return None;
    }
    let dashes = words[program..].iter().position(|word| *word == "--")?;
    Some(program + dashes + 1)
}

/// The flags a documented command line uses: `[--root DIR]` gives `--root`,
/// `--base-url=URL` gives `--base-url`, `-v` gives `-v`.
fn flags_used(words: &[&str]) -> Vec<String> {
    words
        .iter()
        .map(|word| word.trim_matches(|c| "[](),.…".contains(c)))
        .filter(|word| word.starts_with('-') && *word != "--")
        .map(|word| {
            let end = word[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .map_or(word.len(), |i| i + 1);
            word[..end].to_string()
        })
        .filter(|flag| flag.len() > 1)
        .collect()
}

/// What is wrong with one command line, if it is a `casebook` command.
fn command_problem(cli: &Cli, line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let start = subcommand_index(&words)?;
    // The program named alone, or with its own flags (`casebook --help`).
    let (sub, rest) = match words.get(start) {
        None => return None,
        Some(word) if word.starts_with('-') => (TOP, &words[start..]),
        Some(word) => (*word, &words[start + 1..]),
    };
    let Some(accepted) = cli.get(sub) else {
        return Some(format!("`{sub}` is not a subcommand"));
    };
    let unknown: Vec<String> = flags_used(rest)
        .into_iter()
        .filter(|flag| !accepted.contains(flag))
        .collect();
    (!unknown.is_empty()).then(|| format!("`casebook {sub}` has no {}", unknown.join(", ")))
}

/// A shell line without its comment, split into the commands it chains.
fn shell_commands(line: &str) -> Vec<String> {
    let without_comment = match line.find(" #") {
        Some(i) => &line[..i],
        None => line,
    };
    without_comment
        .split("&&")
        .flat_map(|part| part.split(';'))
        .flat_map(|part| part.split(" | "))
        .map(|part| part.trim().to_string())
        .collect()
}

/// Every command line in a Markdown text: each command of each line of a
/// code block, and each inline code span.
fn command_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_block = false;
    for event in markdown(text) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_block = true,
            Event::End(TagEnd::CodeBlock) => in_block = false,
            Event::Text(block) if in_block => {
                lines.extend(block.lines().flat_map(shell_commands));
            }
            Event::Code(span) => lines.push(span.to_string()),
            _ => {}
        }
    }
    lines
}

#[test]
fn documented_commands_are_the_ones_the_binary_accepts() {
    let cli = accepted_commands();
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in guides() {
        for line in command_lines(&read(&file)) {
            let words: Vec<&str> = line.split_whitespace().collect();
            checked += usize::from(subcommand_index(&words).is_some());
            if let Some(problem) = command_problem(&cli, &line) {
                problems.push(format!("{}: `{line}`: {problem}", name_of(&file)));
            }
        }
    }
    assert!(checked > 50, "only {checked} command lines found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_command_check_catches_drift() {
    let cli = accepted_commands();
    let cases = [
        ("casebook build --root site --drafts -v", None),
        ("cargo run --release -- compile --year 2023 --pdf", None),
        ("casebook check [--format human|json|sarif] [--fix]", None),
        ("casebook --help", None),
        ("casebook --verbose", Some("has no --verbose")),
        ("casebook biuld", Some("`biuld` is not a subcommand")),
        (
            "casebook serve --drafts --output x",
            Some("has no --output"),
        ),
        ("casebook new 2024-001 -v", Some("has no -v")),
        ("casebook::charts::case_figures", None),
        (
            "python3 bench/run.py --tools casebook --casebook /bin/true",
            None,
        ),
        ("CASEBOOK_BIN=target/debug/casebook node --test x.mjs", None),
    ];
    for (line, expected) in cases {
        let problem = command_problem(&cli, line);
        match expected {
            None => assert_eq!(problem, None, "{line}"),
            Some(part) => {
                let problem = problem.unwrap_or_else(|| panic!("{line} passed"));
                assert!(problem.contains(part), "{line}: {problem}");
            }
        }
    }
}

#[test]
fn commands_in_table_cells_keep_their_escaped_bars() {
    let table = "| command |\n| --- |\n| `casebook check --format human\\|json` |\n";
    assert_eq!(command_lines(table), ["casebook check --format human|json"]);
}

// ---------------------------------------------------------------------------
// Links and anchors

/// GitHub's anchor for a heading: lowercase, spaces to `-`, punctuation
/// and symbols dropped, letters of every script (CJK too) kept.
fn github_slug(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown text's headings; a repeated heading gets
/// `-1`, `-2` … as on GitHub.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeMap::<String, usize>::new();
    let mut anchors = BTreeSet::new();
    for heading in headings(text) {
        let slug = github_slug(&heading);
        let count = seen.entry(slug.clone()).or_insert(0);
        anchors.insert(match *count {
            0 => slug,
            n => format!("{slug}-{n}"),
        });
        *count += 1;
    }
    anchors
}

/// The text of every heading (code spans included, markup dropped).
fn headings(text: &str) -> Vec<String> {
    let mut headings = Vec::new();
    let mut current: Option<String> = None;
    for event in markdown(text) {
        match event {
            Event::Start(Tag::Heading { .. }) => current = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => headings.extend(current.take()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(heading) = current.as_mut() {
                    heading.push_str(&t);
                }
            }
            _ => {}
        }
    }
    headings
}

/// Every link and image destination in a Markdown text.
fn destinations(text: &str) -> Vec<String> {
    markdown(text)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some(dest_url.to_string())
            }
            _ => None,
        })
        .collect()
}

fn is_external(destination: &str) -> bool {
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| destination.starts_with(scheme))
}

/// What is wrong with a relative link from `from`, if anything.
fn link_problem(from: &Path, destination: &str) -> Option<String> {
    let (path, anchor) = match destination.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (destination, None),
    };
    let target = if path.is_empty() {
        from.to_path_buf()
    } else {
        from.parent().unwrap().join(path)
    };
    if !target.exists() {
        return Some(format!("{} does not exist", target.display()));
    }
    let anchor = anchor.filter(|_| target.extension().is_some_and(|ext| ext == "md"))?;
    let known = anchors(&read(&target));
    (!known.contains(anchor)).then(|| format!("no heading #{anchor} in {}", name_of(&target)))
}

#[test]
fn relative_links_and_anchors_resolve() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in linked_documents() {
        for destination in destinations(&read(&file)) {
            if is_external(&destination) {
                continue;
            }
            checked += 1;
            if let Some(problem) = link_problem(&file, &destination) {
                problems.push(format!("{}: ({destination}): {problem}", name_of(&file)));
            }
        }
    }
    assert!(checked > 50, "only {checked} relative links found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn slugs_follow_github() {
    let cases = [
        ("Quick start: a new site", "quick-start-a-new-site"),
        (
            "Configuration: `casebook.toml`",
            "configuration-casebooktoml",
        ),
        ("Fixing slips: `--fix`", "fixing-slips---fix"),
        (
            "Searching the preview: `/api/search`",
            "searching-the-preview-apisearch",
        ),
        ("管理方法（技术）的实施效果", "管理方法技术的实施效果"),
        (
            "Fresh assets in WeChat's browser",
            "fresh-assets-in-wechats-browser",
        ),
    ];
    for (heading, slug) in cases {
        let text = format!("## {heading}\n");
        assert_eq!(
            anchors(&text),
            BTreeSet::from([slug.to_string()]),
            "{heading}"
        );
    }
    let twice = anchors("## Pagefind\n\n## Pagefind\n");
    assert_eq!(
        twice,
        BTreeSet::from(["pagefind".into(), "pagefind-1".into()])
    );
}
