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
