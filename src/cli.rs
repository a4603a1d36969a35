//! The command line: parse arguments, run a command, map the outcome to an
//! exit code (0 success, 1 content errors or failure, 2 usage errors).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::build::{self, BuildError, BuildOptions};
use crate::diagnostics::{self, Diagnostic};

#[derive(Parser)]
#[command(
    name = "casebook",
    version,
    about = "质量标杆案例库静态网站生成器 / Static-site generator for 质量标杆 cases"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (default ROOT/output).
    Build {
        /// Site root, holding casebook.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder: absent, empty or made by Casebook (never a symlink);
        /// replaced atomically, and only when the build succeeds.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Override site.base_url (e.g. for a staging host).
        #[arg(long)]
        base_url: Option<String>,
        /// Publish drafts and unpublished cases too, with a 草稿 banner (preview only).
        #[arg(long)]
        drafts: bool,
        /// Print the time each phase took.
        #[arg(long, short)]
        verbose: bool,
        /// The previous build's urls.txt to compare with (default: the one in the output folder).
        #[arg(long, value_name = "FILE")]
        published: Option<PathBuf>,
        /// Let this previously published URL disappear (repeatable).
        #[arg(long, value_name = "URL")]
        allow_removed: Vec<String>,
    },
    /// Check the content against the programme's rules and print every
    /// problem found; writes nothing unless --fix.
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Apply the safe fixes (punctuation and character width, trailing
        /// spaces) to the content files, print each change, then check.
        #[arg(long)]
        fix: bool,
    },
    /// Turn a submitted Word document (.docx) into a case bundle, then
    /// check it and list what the editor still has to do.
    Import {
        /// The .docx file.
        file: PathBuf,
        /// Case id, YYYY-NNN (default: the next free id of the current year).
        #[arg(long)]
        id: Option<String>,
        /// Folder to create the bundle in, absent or empty (default
        /// ROOT/content/cases/YEAR/ID).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Build and serve a local preview on 127.0.0.1, rebuilding on changes.
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Include drafts in the preview.
        #[arg(long)]
        drafts: bool,
    },
    /// Search the published cases: every word must appear (Chinese matches
    /// by words and parts of words); filters narrow by taxonomy.
    Search {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Most results to show.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        limit: u64,
        /// Print a JSON array of {id, title, url, score, snippet}.
        #[arg(long)]
        json: bool,
        /// Priority area (name or slug).
        #[arg(long)]
        area: Option<String>,
        /// Industry (name or slug).
        #[arg(long)]
        industry: Option<String>,
        /// District (name or slug).
        #[arg(long)]
        district: Option<String>,
        #[arg(long)]
        year: Option<i64>,
        /// Words to find, e.g. 西格玛, "精益 数字化", QC小组.
        #[arg(required = true)]
        query: Vec<String>,
    },
    /// Write the annual book (年度案例汇编) of one year: HTML to
    /// OUTPUT/compilation/YEAR/, and with --pdf a print-ready PDF to
    /// OUTPUT/compilation/YEAR.pdf (needs headless Chromium).
    Compile {
        /// The year whose approved cases make the book.
        #[arg(long)]
        year: i64,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder (default ROOT/output): absent, empty or made by
        /// Casebook; only compilation/YEAR/ and compilation/YEAR.pdf in it
        /// are written.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Also print the book to PDF with headless Chromium.
        #[arg(long)]
        pdf: bool,
    },
    /// Create a case skeleton with every field and section.
    New {
        /// Case id, YYYY-NNN (e.g. 2024-001).
        id: String,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

pub fn run() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            verbose,
            published,
            allow_removed,
        } => run_build(
            BuildOptions {
                root,
                output,
                base_url,
                drafts,
                progress: std::io::stderr().is_terminal(),
                published,
                allow_removed,
                check_removed: true,
            },
            verbose,
        ),
        Command::Check { root, format, fix } => run_check(root, format, fix),
        Command::Import {
            file,
            id,
            out,
            root,
        } => crate::import::run(&file, id.as_deref(), out.as_deref(), &root),
        Command::Serve { root, port, drafts } => crate::serve::run(&root, port, drafts),
        Command::Search {
            root,
            limit,
            json,
            area,
            industry,
            district,
            year,
            query,
        } => {
            let filters = crate::search::Filters {
                area,
                industry,
                district,
                year,
            };
            run_search(&root, &query.join(" "), &filters, limit as usize, json)
        }
        Command::New { id, root } => crate::new_case::run(&root, &id),
        Command::Compile {
            year,
            root,
            output,
            pdf,
        } => run_compile(crate::compile::CompileOptions {
            root,
            output,
            year,
            pdf,
        }),
    }
}

/// Load and derive the site like `check`, index it in memory, query it.
fn run_search(
    root: &std::path::Path,
    query: &str,
    filters: &crate::search::Filters,
    limit: usize,
    json: bool,
) -> i32 {
    let request = build::Request::new(root, build::Mode::Publish);
    let loaded = match build::load(&request, &indicatif::ProgressBar::hidden()) {
        Ok(loaded) => loaded,
        Err(mut diags) => {
            diagnostics::sort(&mut diags);
            return search_failure(&diags, root);
        }
    };
    let site = match loaded.derive() {
        Ok(derived) => derived.site,
        Err(diags) => return search_failure(&diags, root),
    };
    if let Err(message) = filters.check(&loaded.config) {
        eprintln!("错误：{message}");
        return 2;
    }
    let hits = match crate::search::SearchIndex::build(&site)
        .map_err(crate::search::SearchError::from)
        .and_then(|index| index.search(query, filters, limit))
    {
        Ok(hits) => hits,
        Err(err @ crate::search::SearchError::EmptyQuery) => {
            eprintln!("错误：{err}");
            return 2;
        }
        Err(err) => {
            eprintln!("搜索失败：{err}");
            return 1;
        }
    };
    if json {
        let list: Vec<serde_json::Value> = hits.iter().map(|h| h.to_json()).collect();
        println!("{}", serde_json::Value::Array(list));
        return 0;
    }
    for (rank, hit) in hits.iter().enumerate() {
        println!("{:>2}. {}", rank + 1, hit.title);
        println!("    {}  {}", hit.id, hit.url);
        println!("    {}", hit.snippet.to_marked("【", "】"));
    }
    match hits.len() {
        0 => eprintln!("没有找到匹配的案例。"),
        n => eprintln!("找到 {n} 个案例。"),
    }
    0
}

fn search_failure(diags: &[Diagnostic], root: &std::path::Path) -> i32 {
    diagnostics::print_human(diags, root);
    let errors = diagnostics::count_errors(diags);
    eprintln!("无法搜索：内容有 {errors} 个错误，先用 casebook check 修正。");
    1
}

fn run_build(options: BuildOptions, verbose: bool) -> i32 {
    let root = options.root.clone();
    let drafts = options.drafts;
    match build::build(&options) {
        Ok(report) => {
            diagnostics::print_human(&report.warnings, &root);
            if verbose {
                for phase in &report.phases {
                    let cpu = phase.cpu.map_or(String::new(), |cpu| {
                        format!("  CPU {:>8.1} ms", cpu.as_secs_f64() * 1000.0)
                    });
                    let peak = phase.peak_memory.map_or(String::new(), |bytes| {
                        format!("  峰值内存 {:.0} MiB", bytes as f64 / (1 << 20) as f64)
                    });
                    eprintln!(
                        "  {:<14} {:>8.1} ms{cpu}{peak}",
                        phase.name,
                        phase.wall.as_secs_f64() * 1000.0
                    );
                }
            }
            let warnings = report.warnings.len();
            let warning_note = if warnings > 0 {
                format!("，{warnings} 条提醒")
            } else {
                String::new()
            };
            eprintln!(
                "构建完成：{} 个案例，{} 个页面，共 {} 个文件，用时 {:.2} 秒{warning_note} → {}",
                report.cases,
                report.pages,
                report.files,
                report.elapsed.as_secs_f64(),
                report.output.display()
            );
            if drafts {
                eprintln!(
                    "注意：--drafts 构建包含未发布的案例，只用于预览，不要发布这个输出目录。"
                );
            }
            0
        }
        Err(BuildError::Content(diags)) => {
            report_failure(&diags, &root);
            1
        }
        Err(BuildError::Io(err)) => {
            eprintln!("构建失败：写入输出目录时出错：{err}。上次的输出保持不变。");
            1
        }
        Err(BuildError::Destination(message)) => {
            eprintln!("错误：{message}");
            2
        }
    }
}

fn run_compile(options: crate::compile::CompileOptions) -> i32 {
    use crate::compile::{pdf::INSTALL_HINT, CompileError};
    let root = options.root.clone();
    match crate::compile::run(&options) {
        Ok(report) => {
            diagnostics::print_human(&report.warnings, &root);
            eprintln!(
                "汇编完成：{} 年度 {} 个案例 → {}",
                options.year,
                report.cases,
                report.folder.join("index.html").display()
            );
            if let Some(pdf) = report.pdf {
                eprintln!("PDF → {}", pdf.display());
            }
            0
        }
        Err(CompileError::Content(diags)) => {
            report_failure(&diags, &root);
            1
        }
        Err(CompileError::NoBook { year, years }) => {
            let have = if years.is_empty() {
                "站点还没有已发布的案例".to_string()
            } else {
                format!(
                    "有已发布案例的年度：{}",
                    years
                        .iter()
                        .map(|y| y.to_string())
                        .collect::<Vec<_>>()
                        .join("、")
                )
            };
            eprintln!(
                "错误：{year} 年度没有已发布（approved 或 national）的案例，无法汇编。{have}"
            );
            2
        }
        Err(CompileError::NoChromium) => {
            eprintln!("错误：找不到 Chromium，无法生成 PDF。{INSTALL_HINT}。不加 --pdf 可以只生成 HTML 汇编（用浏览器打印）。");
            1
        }
        Err(CompileError::Pdf(message)) => {
            eprintln!("PDF 生成失败：{message}。HTML 汇编已写好，可用浏览器打开后打印。");
            1
        }
        Err(CompileError::Io(err)) => {
            eprintln!("汇编失败：写入输出目录时出错：{err}");
            1
        }
        Err(CompileError::Destination(message)) => {
            eprintln!("错误：{message}");
            2
        }
    }
}

fn report_failure(diags: &[Diagnostic], root: &std::path::Path) {
    diagnostics::print_human(diags, root);
    let errors = diagnostics::count_errors(diags);
    eprintln!(
        "构建失败：{errors} 个错误，{} 条提醒。上次的输出保持不变。",
        diags.len() - errors
    );
}

fn run_check(root: PathBuf, format: Format, fix: bool) -> i32 {
    if fix {
        if !root.join(crate::config::CONFIG_FILE).is_file() {
            eprintln!(
                "错误：{} 下没有 casebook.toml，不是站点目录",
                root.display()
            );
            return 2;
        }
        let report = crate::fix::fix_site(&root);
        for change in &report.changes {
            eprintln!("已修改 {}", change.describe());
        }
        for failure in &report.failures {
            eprintln!("无法写回 {failure}");
        }
        eprintln!(
            "--fix：在 {} 个文件中修改了 {} 处（只改标点和字符宽度、行尾空格）。",
            report.files,
            report.changes.len()
        );
        if !report.failures.is_empty() {
            return 1;
        }
    }
    let diags = build::check(&root);
    match format {
        Format::Json => println!("{}", diagnostics::to_json(&diags)),
        Format::Sarif => println!("{}", diagnostics::to_sarif(&diags)),
        Format::Human => {
            diagnostics::print_human(&diags, &root);
            let errors = diagnostics::count_errors(&diags);
            if diags.is_empty() {
                eprintln!("检查通过：没有发现问题。");
            } else {
                eprintln!(
                    "检查结果：{errors} 个错误，{} 条提醒。",
                    diags.len() - errors
                );
            }
        }
    }
    if diagnostics::count_errors(&diags) > 0 {
        1
    } else {
        0
    }
}
