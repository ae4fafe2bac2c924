//! The command line: what each subcommand and flag means.
//!
//! Each flag's doc comment is its `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::messages::Format;

/// Hindsight turns a repository of incident postmortems into a static
/// knowledge-base website.
#[derive(Debug, Parser)]
#[command(name = "hindsight", version, about, long_about = None)]
pub struct Cli {
    /// Print each stage's time and other decisions.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print only warnings and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (public/ by default).
    Build(BuildArgs),
    /// Check every postmortem without writing a site: a CI quality gate.
    Check(CheckArgs),
    /// Write a new postmortem from the template, named after its date and title.
    New(NewArgs),
    /// Create a new postmortem repository: settings, an example, CI files.
    Init(InitArgs),
    /// Preview the site on 127.0.0.1, rebuilding and reloading on every save.
    Serve(ServeArgs),
}

/// Options of `hindsight serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The postmortem repository.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,

    /// The port to serve on, on 127.0.0.1.
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,

    /// Also show postmortems whose status is draft.
    #[arg(long)]
    pub drafts: bool,
}

/// Options of `hindsight new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The postmortem's title, e.g. "Checkout errors after config push".
    pub title: String,

    /// Severity, from the scale in hindsight.toml (default: its mildest level).
    #[arg(long, short)]
    pub severity: Option<String>,

    /// The incident's date, YYYY-MM-DD (default: today).
    #[arg(long, short)]
    pub date: Option<String>,

    /// The postmortem repository.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
}

/// Options of `hindsight init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create the repository (default: the current folder).
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Add the missing files to a folder that is not empty. Existing files
    /// are never replaced.
    #[arg(long)]
    pub force: bool,
}

/// Options of `hindsight build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The postmortem repository: hindsight.toml and content/ (both optional).
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,

    /// Where to write the site; default: output_dir from hindsight.toml, or public/.
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Address the site is published at, e.g. https://intranet.example/kb/.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Also publish postmortems whose status is draft.
    #[arg(long)]
    pub drafts: bool,
}

/// Options of `hindsight check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The postmortem repository: hindsight.toml and content/ (both optional).
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,

    /// How to print problems: human, json (one object per line) or github
    /// (workflow annotations).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Fail (exit status 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
