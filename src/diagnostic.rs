//! Problems found in the input, with the place to fix them.
//!
//! Every stage reports into a `Diagnostics` list instead of stopping, so one
//! run shows the author everything that is wrong. A diagnostic always names
//! the file and, where the stage knows it, the line and column counted in the
//! `.md` file as the author sees it (front matter included).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How serious a problem is: errors fail the build, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The build cannot produce a correct site.
    Error,
    /// Worth fixing, but the site is still built.
    Warning,
}

/// One problem in one file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// The file, relative to the repository root when it is inside it.
    pub path: PathBuf,
    /// 1-based line in the file; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column (in characters); 0 when unknown.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What would be right, when there is something to suggest.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at a place in a file.
    pub fn error(path: &Path, at: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Level::Error, path, at, message)
    }

    /// A warning at a place in a file.
    pub fn warning(path: &Path, at: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Level::Warning, path, at, message)
    }

    fn new(level: Level, path: &Path, at: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level,
            path: path.to_path_buf(),
            line: at.line,
            column: at.column,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a suggestion of what would be right.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// True for errors, which fail the build.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, ": {level}: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// A 1-based line and column in a file; zeros mean "not known".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Position {
    /// A place in a file.
    pub fn new(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    /// The whole file, no particular line.
    pub fn file() -> Position {
        Position::default()
    }

    /// The place of a byte offset in `text`, where `text` starts at
    /// `first_line` of its file.
    ///
    /// This is the one place that turns parser offsets (YAML, TOML,
    /// Markdown) into the lines an author sees.
    pub fn of_offset(text: &str, offset: usize, first_line: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Position::new(first_line + line, column)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The problems found so far in a run.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records many problems.
    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(diagnostics);
    }

    /// True when the build must not write a site.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The problems in a stable order: by file, then line, then column, so
    /// that parallel stages print the same report every run.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.path, a.line, a.column, a.level, &a.message)
                .cmp(&(&b.path, b.line, b.column, b.level, &b.message))
        });
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns_counted_in_the_file() {
        let text = "title: x\nseverity: SEV9\n";
        let cases = [(0, (2, 1)), (9, (3, 1)), (19, (3, 11)), (999, (4, 1))];
        for (offset, (line, column)) in cases {
            assert_eq!(Position::of_offset(text, offset, 2), Position::new(line, column));
        }
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "tags: [données, x]";
        let at = text.find(", x").unwrap();
        assert_eq!(Position::of_offset(text, at, 1).column, 15);
    }

    #[test]
    fn display_starts_with_path_line_column() {
        let d = Diagnostic::error(Path::new("content/a.md"), Position::new(3, 11), "bad")
            .with_hint("good");
        assert_eq!(d.to_string(), "content/a.md:3:11: error: bad\n  hint: good");
    }
}
