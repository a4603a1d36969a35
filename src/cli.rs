//! The command line: parse arguments, run a command (`cmd`), print its
//! report, events or error, and map the outcome to an exit code (0
//! success, 1 content errors or failure, 2 usage errors, 128 + the signal
//! that ended `serve`). The only module that prints.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::cmd;
use crate::cmd::build::{BuildError, BuildOptions, BuildReport};
use crate::cmd::check::{CheckError, CheckReport};
use crate::cmd::compile::{CompileError, CompileOptions, CompileReport};
use crate::cmd::deploy::{DeployError, DeployOptions, DeployReport};
use crate::cmd::import::{Checked, ImportError, ImportOptions, ImportReport};
use crate::cmd::new::NewError;
use crate::cmd::search::{SearchCommandError, SearchOptions, SearchReport};
use crate::cmd::serve::{ServeError, ServeEvent, ServeOptions, Stop};
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
        /// Build nothing: swap the output with the one the last build
        /// replaced (kept as .OUTPUT.previous beside it); again to undo.
        #[arg(long, conflicts_with_all = ["base_url", "drafts", "published", "allow_removed", "verbose", "clean"])]
        rollback: bool,
        /// Write every file afresh instead of keeping the unchanged files
        /// of the output it replaces (same bytes either way).
        #[arg(long)]
        clean: bool,
    },
    /// Remove the old outputs builds set aside beside OUTPUT (run by
    /// `build` itself in the background).
    #[command(hide = true)]
    RemoveDiscarded {
        #[arg(long)]
        output: PathBuf,
    },
    /// Publish the built output to S3-compatible object storage (OSS, COS,
    /// OBS, S3), uploading only new and changed files. Endpoint, region and
    /// keys come from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY.
    Deploy {
        /// Site root, holding casebook.toml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The built output folder (default ROOT/output).
        #[arg(long)]
        output: Option<PathBuf>,
        /// s3://BUCKET/PREFIX (default: [deploy] target in casebook.toml).
        #[arg(long)]
        target: Option<String>,
        /// Print what would change; send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Replace objects already in the bucket that Casebook's manifest
        /// does not name (a first deploy into a used prefix).
        #[arg(long)]
        adopt: bool,
        /// Uploads at once.
        #[arg(long, default_value_t = 16)]
        jobs: usize,
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
        /// Make pictures wider than 1600 px that wide (same format) before
        /// writing them.
        #[arg(long)]
        shrink: bool,
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
        /// Method (name or slug), e.g. 六西格玛, QC小组.
        #[arg(long)]
        method: Option<String>,
        /// Words to find, e.g. 西格玛, "精益 数字化", QC小组.
        #[arg(required = true)]
        query: Vec<String>,
    },
    /// Write the annual book (年度案例汇编) of one year: HTML to
    /// OUTPUT/compilation/YEAR/, and with --pdf a print-ready PDF to
    /// OUTPUT/compilation/YEAR.pdf (typeset with Typst, built in).
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
        /// Also typeset the book as a PDF (double-sided, for the printer).
        #[arg(long)]
        pdf: bool,
        /// With --pdf: a single-sided screen PDF, without blank pages.
        #[arg(long, requires = "pdf")]
        single_sided: bool,
        /// With --pdf: the archival PDF/A-2b format.
        #[arg(long, requires = "pdf")]
        pdf_a: bool,
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
            rollback: true,
            ..
        } => run_rollback(&root, output.as_deref()),
        Command::RemoveDiscarded { output } => remove_discarded(&output),
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            verbose,
            published,
            allow_removed,
            rollback: false,
            clean,
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
                clean,
            },
            verbose,
        ),
        Command::Deploy {
            root,
            output,
            target,
            dry_run,
            adopt,
            jobs,
        } => run_deploy(&DeployOptions {
            root,
            output,
            target,
            dry_run,
            adopt,
            jobs,
            progress: std::io::stderr().is_terminal(),
        }),
        Command::Check { root, format, fix } => run_check(&root, format, fix),
        Command::Import {
            file,
            id,
            out,
            root,
            shrink,
        } => run_import(&ImportOptions {
            file,
            id,
            out,
            root,
            shrink,
        }),
        Command::Serve { root, port, drafts } => run_serve(&ServeOptions { root, port, drafts }),
        Command::Search {
            root,
            limit,
            json,
            area,
            industry,
            district,
            year,
            method,
            query,
        } => {
            let filters = crate::search::Filters {
                area,
                industry,
                district,
                year,
                method,
            };
            let options = SearchOptions {
                root,
                query: query.join(" "),
                filters,
                limit: limit as usize,
            };
            run_search(&options, json)
        }
        Command::New { id, root } => run_new(&root, &id),
        Command::Compile {
            year,
            root,
            output,
            pdf,
            single_sided,
            pdf_a,
        } => run_compile(&CompileOptions {
            root,
            output,
            year,
            pdf,
            single_sided,
            pdf_a,
        }),
    }
}

fn run_search(options: &SearchOptions, json: bool) -> i32 {
    match cmd::search::run(options) {
        Ok(report) if json => {
            print_hits_json(&report);
            0
        }
        Ok(report) => {
            print_hits(&report);
            0
        }
        Err(SearchCommandError::Content(diags)) => {
            diagnostics::print_human(&diags, &options.root);
            let errors = diagnostics::count_errors(&diags);
            eprintln!("无法搜索：内容有 {errors} 个错误，先用 casebook check 修正。");
            1
        }
        Err(SearchCommandError::Usage(message)) => {
            eprintln!("错误：{message}");
            2
        }
        Err(SearchCommandError::Failed(err)) => {
            eprintln!("搜索失败：{err}");
            1
        }
    }
}

fn print_hits_json(report: &SearchReport) {
    let list: Vec<serde_json::Value> = report.hits.iter().map(|h| h.to_json()).collect();
    println!("{}", serde_json::Value::Array(list));
    print_suggestion(report);
}

/// 你是不是要找, on stderr (stdout stays the hits).
fn print_suggestion(report: &SearchReport) {
    if let Some(suggestion) = &report.suggestion {
        eprintln!("你是不是要找：{suggestion}");
    }
}

fn print_hits(report: &SearchReport) {
    for (rank, hit) in report.hits.iter().enumerate() {
        println!("{:>2}. {}", rank + 1, hit.title);
        println!("    {}  {}", hit.id, hit.url);
        println!("    {}", hit.snippet.to_marked("【", "】"));
    }
    match report.hits.len() {
        0 => eprintln!("没有找到匹配的案例。"),
        n => eprintln!("找到 {n} 个案例。"),
    }
    print_suggestion(report);
}

fn run_build(options: BuildOptions, verbose: bool) -> i32 {
    let root = &options.root;
    match cmd::build::run(&options) {
        Ok(report) => {
            print_build(&report, root, verbose, options.drafts);
            if let crate::output::Previous::NotKept(previous) = &report.committed.previous {
                eprintln!(
                    "提醒：没有保留上一次的输出，casebook build --rollback 暂时不可用：{} 已存在且不是 Casebook 构建的文件夹（原样保留，没有改动）。把它移走后，下次构建会保留上一次的输出。",
                    previous.display()
                );
            }
            if report.committed.discarded {
                spawn_remover(&report.output);
            }
            0
        }
        Err(BuildError::Content(diags)) => {
            report_failure(&diags, root);
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

/// Remove the generation the build set aside in a detached process of our
/// own, so the editor does not wait for it; if it cannot start, the next
/// build's remover takes it.
fn spawn_remover(output: &Path) {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let _ = Command::new(exe)
        .arg("remove-discarded")
        .arg("--output")
        .arg(output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: a Ctrl-C at the terminal after the build
        // does not stop it halfway.
        .process_group(0)
        .spawn();
}

/// The hidden `remove-discarded` command, at the lowest CPU priority.
fn remove_discarded(output: &Path) -> i32 {
    // SAFETY: setpriority on this process only; no memory involved.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
    match crate::output::remove_discarded(output) {
        Ok(_) => 0,
        Err(err) => {
            eprintln!("无法删除旧的输出：{err}");
            1
        }
    }
}

fn run_rollback(root: &Path, output: Option<&Path>) -> i32 {
    match cmd::build::rollback(root, output) {
        Ok(out) => {
            eprintln!(
                "已回滚：{} 换回了上一次构建替换掉的输出；再运行一次 casebook build --rollback 可换回来。",
                out.display()
            );
            0
        }
        Err(BuildError::Io(err)) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("无法回滚：{err}。只有在一次构建替换过输出之后才能回滚。");
            1
        }
        Err(BuildError::Io(err)) => {
            eprintln!("无法回滚：{err}。输出保持不变。");
            1
        }
        Err(BuildError::Destination(message)) => {
            eprintln!("错误：{message}");
            2
        }
        Err(BuildError::Content(_)) => 1,
    }
}

fn run_deploy(options: &DeployOptions) -> i32 {
    match cmd::deploy::run(options) {
        Ok(report) => {
            print_deploy(&report);
            0
        }
        Err(DeployError::Config(diags)) => {
            diagnostics::print_human(&diags, &options.root);
            eprintln!(
                "发布前读取站点配置失败：{} 个错误。什么都没有发送。",
                diagnostics::count_errors(&diags)
            );
            1
        }
        Err(DeployError::Refused(message)) => {
            eprintln!("错误：{message}。什么都没有发送。");
            1
        }
        Err(DeployError::Failed(message)) => {
            eprintln!("发布失败：{message}。线上网站仍然完整（旧文件最后才删）；问题解决后重新运行 casebook deploy 即可从中断处继续。");
            1
        }
    }
}

fn print_deploy(report: &DeployReport) {
    let outcome = &report.outcome;
    for notice in &outcome.notices {
        eprintln!("注意：{notice}");
    }
    if report.dry_run {
        for key in &outcome.uploaded {
            println!("上传 {key}");
        }
        for key in &outcome.deleted {
            println!("删除 {key}");
        }
    }
    let verb = if report.dry_run {
        "试运行（什么都没有发送）：将"
    } else {
        "发布完成："
    };
    eprintln!(
        "{verb}上传 {} 个文件（{}），删除 {} 个，{} 个未变 → {}",
        outcome.uploaded.len(),
        human_bytes(outcome.bytes),
        outcome.deleted.len(),
        outcome.unchanged,
        report.target
    );
    if let Some(file) = &outcome.changed_urls_file {
        eprintln!(
            "{} 个页面网址有变化，已写入 {}（用于 CDN 刷新和百度链接推送）",
            outcome.changed_urls.len(),
            file.display()
        );
    }
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{b} 字节"),
    }
}

fn print_build(report: &BuildReport, root: &Path, verbose: bool, drafts: bool) {
    diagnostics::print_human(&report.warnings, root);
    if verbose {
        print_phases(report);
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
    let drawn = report.drawn;
    if drawn.images_made + drawn.images_reused > 0 {
        eprintln!(
            "图片：新生成 {} 个尺寸，复用缓存 {} 个",
            drawn.images_made, drawn.images_reused
        );
    }
    if drawn.posters_made + drawn.posters_reused > 0 {
        eprintln!(
            "分享海报：新绘制 {} 张，复用缓存 {} 张",
            drawn.posters_made, drawn.posters_reused
        );
    }
    if report.reused.files > 0 {
        eprintln!(
            "沿用上次输出中未变的文件 {} 个（{}），只写入了有变化的文件",
            report.reused.files,
            human_bytes(report.reused.bytes)
        );
    }
    if drafts {
        eprintln!("注意：--drafts 构建包含未发布的案例，只用于预览，不要发布这个输出目录。");
    }
}

fn print_phases(report: &BuildReport) {
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

fn run_compile(options: &CompileOptions) -> i32 {
    let root = &options.root;
    match cmd::compile::run(options) {
        Ok(report) => {
            print_compile(&report, root, options.year);
            0
        }
        Err(CompileError::Content(diags)) => {
            report_failure(&diags, root);
            1
        }
        Err(CompileError::NoBook { year, years }) => {
            eprintln!(
                "错误：{year} 年度没有已发布（approved 或 national）的案例，无法汇编。{}",
                years_with_books(&years)
            );
            2
        }
        Err(CompileError::Fonts(message)) => {
            eprintln!("错误：{message}。不加 --pdf 可以只生成 HTML 汇编。");
            1
        }
        Err(CompileError::Typeset(diags)) => {
            report_failure(&diags, root);
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

fn print_compile(report: &CompileReport, root: &Path, year: i64) {
    diagnostics::print_human(&report.warnings, root);
    eprintln!(
        "汇编完成：{} 年度 {} 个案例 → {}",
        year,
        report.cases,
        report.folder.join("index.html").display()
    );
    if let Some(pdf) = &report.pdf {
        eprintln!("PDF → {}", pdf.display());
    }
}

/// "有已发布案例的年度：2022、2023", or that there are none.
fn years_with_books(years: &[i64]) -> String {
    if years.is_empty() {
        return "站点还没有已发布的案例".to_string();
    }
    let list: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    format!("有已发布案例的年度：{}", list.join("、"))
}

fn report_failure(diags: &[Diagnostic], root: &Path) {
    diagnostics::print_human(diags, root);
    let errors = diagnostics::count_errors(diags);
    eprintln!(
        "构建失败：{errors} 个错误，{} 条提醒。上次的输出保持不变。",
        diags.len() - errors
    );
}

fn run_check(root: &Path, format: Format, fix: bool) -> i32 {
    match cmd::check::run(root, fix) {
        Ok(report) => {
            if let Some(fixed) = &report.fixed {
                print_fixes(fixed);
            }
            print_check(&report, root, format);
            if report.errors() > 0 {
                1
            } else {
                0
            }
        }
        Err(CheckError::NotASite(root)) => {
            eprintln!(
                "错误：{} 下没有 casebook.toml，不是站点目录",
                root.display()
            );
            2
        }
        Err(CheckError::FixFailed(fixed)) => {
            print_fixes(&fixed);
            1
        }
    }
}

fn print_fixes(report: &crate::fix::Report) {
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
}

fn print_check(report: &CheckReport, root: &Path, format: Format) {
    let diags = &report.diagnostics;
    match format {
        Format::Json => println!("{}", diagnostics::to_json(diags)),
        Format::Sarif => println!("{}", diagnostics::to_sarif(diags)),
        Format::Human => {
            diagnostics::print_human(diags, root);
            if diags.is_empty() {
                eprintln!("检查通过：没有发现问题。");
            } else {
                let errors = report.errors();
                eprintln!(
                    "检查结果：{errors} 个错误，{} 条提醒。",
                    diags.len() - errors
                );
            }
        }
    }
}

fn run_new(root: &Path, id: &str) -> i32 {
    match cmd::new::run(root, id) {
        Ok(report) => {
            let file = report.file.display();
            println!("{file}");
            eprintln!("已创建案例模板：{file}。填好各字段和章节后运行 casebook check。");
            0
        }
        Err(NewError::BadId(id)) => {
            eprintln!("错误：案例编号“{id}”格式不对，应为“年份-序号”，例如 2024-001");
            2
        }
        Err(NewError::ImplausibleYear(why)) => {
            eprintln!("错误：{why}");
            2
        }
        Err(NewError::Config(diags)) => {
            diagnostics::print_human(&diags, root);
            1
        }
        Err(NewError::Exists { id, path }) => {
            eprintln!("错误：案例 {id} 已存在：{}", path.display());
            1
        }
        Err(NewError::Create { file, error }) => {
            eprintln!("错误：无法创建 {}：{error}", file.display());
            1
        }
    }
}

/// Exit codes: 0 imported (the to-do list may be long), 1 the document
/// cannot be read or the bundle not written, 2 usage errors (no such file,
/// bad id, the target exists).
fn run_import(options: &ImportOptions) -> i32 {
    match cmd::import::run(options) {
        Ok(report) => {
            print_import(&report, &options.file);
            0
        }
        Err(error) => {
            print_import_error(&error);
            match error {
                ImportError::Unreadable { .. } | ImportError::Write { .. } => 1,
                ImportError::Open { .. }
                | ImportError::BadId(_)
                | ImportError::ImplausibleYear(_)
                | ImportError::Destination(_)
                | ImportError::NotASite(_)
                | ImportError::IdTaken { .. }
                | ImportError::Exists(_) => 2,
            }
        }
    }
}

fn print_import_error(error: &ImportError) {
    match error {
        ImportError::Open { file, error } => {
            eprintln!("错误：无法打开 {}：{error}", file.display());
        }
        ImportError::BadId(id) => {
            eprintln!("错误：案例编号“{id}”格式不对，写成“年份-序号”，例如 2024-007");
        }
        ImportError::ImplausibleYear(why) => eprintln!("错误：{why}"),
        ImportError::Destination(message) => eprintln!("错误：{message}"),
        ImportError::Unreadable { file, error } => {
            eprintln!("错误：{}：{}", file.display(), error.message);
            eprintln!("  修改建议：{}", error.help);
        }
        ImportError::NotASite(root) => eprintln!(
            "错误：{} 不是站点目录（没有可用的 casebook.toml）；用 --root 指向站点，或用 --out 指定输出文件夹",
            root.display()
        ),
        ImportError::IdTaken { id, by } => eprintln!(
            "错误：案例编号 {id} 已被 {} 使用，不导入；换一个 --id，或不写 --id 自动取下一个编号",
            by.display()
        ),
        ImportError::Exists(error) => eprintln!("错误：{error}；换一个 --id 或 --out"),
        ImportError::Write { dir, error } => {
            eprintln!("错误：无法写入 {}：{error}", dir.display());
        }
    }
}

fn print_import(report: &ImportReport, file: &Path) {
    eprintln!(
        "已导入：{} → {}（{} 张图片）",
        file.display(),
        report.index.display(),
        report.images
    );
    if report.shrunk > 0 {
        eprintln!(
            "已把 {} 张宽于 {} 像素的图片缩小到这个宽度（--shrink）",
            report.shrunk,
            crate::images::resize::SHRINK_WIDTH
        );
    }
    for (name, width, height) in &report.wide {
        eprintln!(
            "注意：图片“{name}”有 {width}×{height} 像素，宽于 {} 像素，网页和印刷都用不到这么大",
            crate::images::resize::SHRINK_WIDTH
        );
    }
    if !report.wide.is_empty() {
        eprintln!(
            "重新导入时加 --shrink 可把这 {} 张图片缩小到 {} 像素宽（先删掉这次导入的文件夹）",
            report.wide.len(),
            crate::images::resize::SHRINK_WIDTH
        );
    }
    if report.unsorted > 0 {
        let notes = match report.notes {
            0 => String::new(),
            n => format!("（含原文的 {n} 条脚注和尾注）"),
        };
        eprintln!(
            "注意：{} 段内容没有归入规定章节{notes}，已原样放在“## {}”下；请逐段移到对应章节后删掉这个标题，否则 casebook check 报错（{}）",
            report.unsorted,
            crate::content::UNSORTED_HEADING,
            diagnostics::rules::SECTION_UNSORTED
        );
    }
    for kind in &report.missing {
        eprintln!(
            "注意：文档里没有找到“{}”这一部分，请对照原文补上",
            kind.heading()
        );
    }
    print_import_check(&report.check);
}

/// What the editor still has to do, by the rulebook.
fn print_import_check(check: &Checked) {
    let (root, diags) = match check {
        Checked::NoConfig(config) => {
            eprintln!(
                "没有找到 {}，未检查导入结果；在站点目录中运行 casebook check",
                config.display()
            );
            return;
        }
        Checked::Done { root, diagnostics } => (root, diagnostics),
    };
    diagnostics::print_human(diags, root);
    let errors = diagnostics::count_errors(diags);
    if diags.is_empty() {
        eprintln!("检查通过。请核对内容后把 status 改为 approved 发布。");
    } else {
        eprintln!(
            "编辑还需处理：{errors} 个错误，{} 条提醒（见上）。改完后运行 casebook check。",
            diags.len() - errors
        );
    }
}

/// Exit codes: 128 + the signal that ended the server (130 for Ctrl+C),
/// 1 when it cannot start.
fn run_serve(options: &ServeOptions) -> i32 {
    match cmd::serve::run(options, &mut print_serve_event) {
        Ok(report) => match report.stop {
            Stop::Signal(signal) => 128 + signal,
            Stop::Closed => 0,
        },
        Err(error) => {
            print_serve_error(&error);
            1
        }
    }
}

fn print_serve_event(event: ServeEvent) {
    match event {
        ServeEvent::Built {
            root,
            cases,
            changed,
            full,
            warnings,
            took,
        } => {
            diagnostics::print_human(&warnings, &root);
            if full || changed > 0 {
                eprintln!(
                    "已{}：{cases} 个案例，更新 {changed} 个文件，用时 {:.0} 毫秒",
                    if full { "构建" } else { "更新" },
                    took.as_secs_f64() * 1000.0
                );
            }
        }
        ServeEvent::Failed {
            root,
            diagnostics: diags,
        } => diagnostics::print_human(&diags, &root),
        ServeEvent::WriteFailed(err) => eprintln!("写入预览目录失败：{err}"),
        ServeEvent::Listening { url } => eprintln!("预览地址：{url}（Ctrl+C 结束）"),
    }
}

fn print_serve_error(error: &ServeError) {
    match error {
        ServeError::Folder { temp, error } => {
            eprintln!("无法在 {} 中创建预览的私有目录：{error}", temp.display());
        }
        ServeError::Bind { port, error } => eprintln!(
            "无法在 127.0.0.1:{port} 上启动预览：{error}。换一个端口：casebook serve --port 8080"
        ),
        ServeError::Watch(error) => eprintln!("无法监视文件变化：{error}"),
    }
}
