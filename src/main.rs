//! The `hindsight` command: parse arguments, run one command, exit.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use hindsight::cli::{BuildArgs, CheckArgs, Cli, Command, InitArgs, NewArgs, ServeArgs};
use hindsight::messages::{self, Format};
use hindsight::{BuildError, BuildOptions, BuildReport};
use log::{error, info};

/// A build makes millions of small strings on both cores (syntax spans,
/// index words, template values); mimalloc serves them from per-thread
/// pages where glibc's allocator spends a fifth of the build. Built
/// without transparent huge pages (the crate's `no_thp`): a build's memory
/// is short-lived, and 2 MB pages made the kernel zero more than was used.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match cli.command {
        Command::Build(args) => build(args),
        Command::Check(args) => check(args),
        Command::New(args) => new(args),
        Command::Init(args) => init(args),
        Command::Serve(args) => serve(args),
    }
}

fn init_logging(cli: &Cli) {
    let level = if cli.verbose {
        log::LevelFilter::Debug
    } else if cli.quiet {
        log::LevelFilter::Warn
    } else {
        log::LevelFilter::Info
    };
    // Only Hindsight's own messages: the HTML parser under the sanitiser
    // traces every token at debug level and notes parser limits at warn,
    // which means nothing to an author. HINDSIGHT_LOG can ask for more.
    env_logger::Builder::new()
        .filter_level(log::LevelFilter::Off)
        .filter_module("hindsight", level)
        .parse_env("HINDSIGHT_LOG")
        .format(|out, record| writeln!(out, "{}", record.args()))
        .init();
}

fn build(args: BuildArgs) -> ExitCode {
    let options = BuildOptions {
        root: args.root,
        output: args.output,
        base_url: args.base_url,
        drafts: args.drafts,
        check_only: false,
    };
    info!("building {}", options.root.display());
    let report = match run(&options) {
        Ok(report) => report,
        Err(code) => return code,
    };
    print_diagnostics(&report, Format::Human);
    summarise(&report);
    if report.errors() > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn check(args: CheckArgs) -> ExitCode {
    let options = BuildOptions { root: args.root, check_only: true, ..BuildOptions::default() };
    let report = match run(&options) {
        Ok(report) => report,
        Err(code) => return code,
    };
    print_diagnostics(&report, args.format);
    if args.format == Format::Human {
        info!(
            "checked {}: {}, {} in {:.2} s",
            plural(report.postmortems, "postmortem"),
            plural(report.errors(), "error"),
            plural(report.warnings(), "warning"),
            report.elapsed.as_secs_f64()
        );
    }
    let denied = args.deny_warnings && report.warnings() > 0;
    if denied && report.errors() == 0 {
        error!("failed: {} (--deny-warnings)", plural(report.warnings(), "warning"));
    }
    if report.errors() > 0 || denied { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn new(args: NewArgs) -> ExitCode {
    match hindsight::new_postmortem(&args.root, &args.title, args.severity, args.date.as_deref()) {
        Ok(path) => {
            info!("wrote {}", path.display());
            info!("next: fill it in, then run `hindsight check` and `hindsight build`");
            ExitCode::SUCCESS
        }
        Err(e) => {
            error!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn init(args: InitArgs) -> ExitCode {
    match hindsight::init(&args.dir, args.force) {
        Ok(report) => {
            for path in &report.written {
                info!("created {}", path.display());
            }
            for path in &report.kept {
                info!("kept     {} (it already existed)", path.display());
            }
            info!(
                "next: `hindsight check --root {0}` and `hindsight build --root {0}`",
                args.dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            error!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let options =
        hindsight::serve::ServeOptions { root: args.root, port: args.port, drafts: args.drafts };
    match hindsight::serve::serve(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs a build or check; a problem that stopped it becomes its exit code.
fn run(options: &BuildOptions) -> Result<BuildReport, ExitCode> {
    match hindsight::build(options) {
        Ok(report) => Ok(report),
        Err(BuildError::Setup(e)) => {
            error!("error: {e:#}");
            Err(ExitCode::from(2))
        }
        Err(BuildError::Output(e)) => {
            error!("error: {e:#}");
            Err(ExitCode::from(1))
        }
    }
}

/// Problems go to stdout for the machine formats, so tools can read them
/// apart from the summary; to stderr for people.
fn print_diagnostics(report: &BuildReport, format: Format) {
    let result = match format {
        Format::Human => messages::print(
            &mut std::io::stderr().lock(),
            &report.diagnostics,
            &report.root,
            format,
        ),
        _ => messages::print(
            &mut std::io::stdout().lock(),
            &report.diagnostics,
            &report.root,
            format,
        ),
    };
    if let Err(e) = result {
        error!("error: cannot print the diagnostics: {e}");
    }
}

fn summarise(report: &BuildReport) {
    let drafts = match report.drafts_skipped {
        0 => String::new(),
        n => format!(" ({n} draft{} not published)", if n == 1 { "" } else { "s" }),
    };
    let index = match report.search_index {
        Some(size) => {
            format!(
                ", search index {} (a first search loads up to {} gzipped)",
                kilobytes(size.raw),
                kilobytes(size.first_search)
            )
        }
        None => String::new(),
    };
    let counts = format!(
        "{}{drafts}, {}{index}, {}, {} in {:.2} s",
        plural(report.postmortems, "postmortem"),
        plural(report.pages, "page"),
        plural(report.warnings(), "warning"),
        plural(report.errors(), "error"),
        report.elapsed.as_secs_f64()
    );
    let output = report.output.display();
    match (report.written, report.portable) {
        (true, true) => info!("built {counts}: open {output}/index.html"),
        (true, false) => info!("built {counts} into {output}"),
        (false, _) if report.output.exists() => {
            error!("not built: {counts}; {output} was left as it was")
        }
        (false, _) => error!("not built: {counts}; nothing was written"),
    }
}

fn kilobytes(bytes: usize) -> String {
    format!("{:.1} kB", bytes as f64 / 1024.0)
}

/// `1 postmortem`, `2 postmortems`.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("{count} {noun}") } else { format!("{count} {noun}s") }
}
