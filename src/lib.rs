//! Hindsight turns a git repository of incident postmortems, written as
//! Markdown with YAML front matter, into a static knowledge-base website.
//!
//! The modules follow the pipeline: `discover` finds files, `parse` reads
//! them into the `model`, `link` resolves cross-references, `markdown` and
//! `render` produce pages with the `theme`, and `write` swaps the finished
//! site into place. `site` runs them in order.

pub mod cli;
mod config;
mod dates;
mod diagnostic;
mod discover;
mod frontmatter;
mod highlight;
mod history;
mod knowledge;
mod link;
mod markdown;
pub mod messages;
mod model;
mod parse;
mod render;
mod search;
mod site;
mod slug;
mod theme;
mod url;
mod validate;
mod write;

pub use diagnostic::{Diagnostic, Level};
pub use search::IndexSize;
pub use site::{BuildError, BuildOptions, BuildReport, build};
