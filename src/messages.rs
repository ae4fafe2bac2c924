//! Diagnostics as people and machines read them.
//!
//! `human` prints what a compiler would: the place, the message, the
//! offending line with a caret, and the hint. `json` prints one object per
//! line for other tools. `github` prints workflow commands, which GitHub
//! Actions turns into annotations on the pull request.

use std::io::{self, Write};
use std::path::Path;

use crate::diagnostic::{Diagnostic, Level};

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler style, with the offending line and a caret.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// Prints `diagnostics` to `out`; `root` is where their paths start, to
/// quote the offending lines.
pub fn print(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    root: &Path,
    format: Format,
) -> io::Result<()> {
    let mut sources = SourceCache::default();
    for diagnostic in diagnostics {
        match format {
            Format::Human => human(out, diagnostic, sources.line(root, diagnostic))?,
            Format::Json => json(out, diagnostic)?,
            Format::Github => github(out, diagnostic)?,
        }
    }
    Ok(())
}

fn human(out: &mut dyn Write, d: &Diagnostic, source: Option<String>) -> io::Result<()> {
    let level = match d.level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let place = match (d.line, d.column) {
        (0, _) => d.path.display().to_string(),
        (line, 0) => format!("{}:{line}", d.path.display()),
        (line, column) => format!("{}:{line}:{column}", d.path.display()),
    };
    writeln!(out, "{place}: {level}: {}", d.message)?;
    if let Some(line) = source {
        let number = d.line.to_string();
        let gutter = " ".repeat(number.len());
        writeln!(out, "{gutter} |")?;
        writeln!(out, "{number} | {line}")?;
        if d.column > 0 {
            // Keep tabs, so the caret lines up under tab-indented text.
            let lead: String = line
                .chars()
                .take(d.column - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(out, "{gutter} | {lead}^")?;
        }
    }
    if let Some(hint) = &d.hint {
        writeln!(out, "  = hint: {hint}")?;
    }
    Ok(())
}

fn json(out: &mut dyn Write, d: &Diagnostic) -> io::Result<()> {
    let record = serde_json::json!({
        "level": d.level,
        "file": d.path.to_string_lossy().replace('\\', "/"),
        "line": d.line,
        "column": d.column,
        "message": d.message,
        "hint": d.hint,
    });
    writeln!(out, "{record}")
}

fn github(out: &mut dyn Write, d: &Diagnostic) -> io::Result<()> {
    let command = match d.level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let mut properties = format!("file={}", property(&d.path.to_string_lossy().replace('\\', "/")));
    if d.line > 0 {
        properties.push_str(&format!(",line={}", d.line));
        if d.column > 0 {
            properties.push_str(&format!(",col={}", d.column));
        }
    }
    properties.push_str(",title=hindsight");
    let mut message = d.message.clone();
    if let Some(hint) = &d.hint {
        message.push_str("\nhint: ");
        message.push_str(hint);
    }
    writeln!(out, "::{command} {properties}::{}", data(&message))
}

/// Escapes a workflow command's message, as the runner expects.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The last file read, so a file with many problems is read once.
#[derive(Default)]
struct SourceCache {
    path: Option<std::path::PathBuf>,
    lines: Vec<String>,
}

impl SourceCache {
    fn line(&mut self, root: &Path, d: &Diagnostic) -> Option<String> {
        if d.line == 0 {
            return None;
        }
        if self.path.as_deref() != Some(d.path.as_path()) {
            let text = std::fs::read(root.join(&d.path)).ok()?;
            let text = String::from_utf8_lossy(&text);
            self.lines = text.lines().map(|l| l.trim_end_matches('\r').to_string()).collect();
            self.path = Some(d.path.clone());
        }
        let line = self.lines.get(d.line - 1)?;
        Some(line.strip_prefix('\u{feff}').unwrap_or(line).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Position;

    fn sample() -> Diagnostic {
        Diagnostic::error(
            Path::new("content/a.md"),
            Position::new(3, 11),
            "unknown severity `SEV9`",
        )
        .with_hint("use one of: SEV1, SEV2")
    }

    #[test]
    fn human_output_quotes_the_line_with_a_caret() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        std::fs::write(dir.path().join("content/a.md"), "---\ntitle: T\nseverity: SEV9\n---\n")
            .unwrap();
        let mut out = Vec::new();
        print(&mut out, &[sample()], dir.path(), Format::Human).unwrap();
        let text = String::from_utf8(out).unwrap();
        let expected = "content/a.md:3:11: error: unknown severity `SEV9`\n  |\n3 | severity: SEV9\n  |           ^\n  = hint: use one of: SEV1, SEV2\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn github_output_escapes_properties_and_message() {
        let mut out = Vec::new();
        let d =
            Diagnostic::warning(Path::new("content/a,b.md"), Position::new(2, 1), "50% done\nnext");
        print(&mut out, &[d], Path::new("."), Format::Github).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "::warning file=content/a%2Cb.md,line=2,col=1,title=hindsight::50%25 done%0Anext\n"
        );
    }

    #[test]
    fn json_output_is_one_object_per_line() {
        let mut out = Vec::new();
        print(&mut out, &[sample(), sample()], Path::new("."), Format::Json).unwrap();
        let text = String::from_utf8(out).unwrap();
        let records: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0]["level"], "error");
        assert_eq!(records[0]["line"], 3);
        assert_eq!(records[0]["hint"], "use one of: SEV1, SEV2");
    }
}
