//! Data files for other tools: the action board as CSV and JSON, one record
//! per action, for import into a tracker.

use serde::Serialize;

use super::OutputFile;
use crate::knowledge::KnowledgeBase;

/// One action as exported.
#[derive(Serialize)]
struct ActionRecord<'a> {
    postmortem_id: &'a str,
    postmortem_title: &'a str,
    action: &'a str,
    owner: &'a str,
    status: &'static str,
    due: String,
    ticket: &'a str,
    overdue: bool,
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a
/// formula; a leading apostrophe keeps it text when the CSV is opened.
fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@']) { format!("'{text}").into() } else { text.into() }
}

fn records<'a>(kb: &'a KnowledgeBase<'a>) -> Vec<ActionRecord<'a>> {
    kb.actions
        .iter()
        .map(|a| {
            let pm = kb.postmortems[a.postmortem];
            ActionRecord {
                postmortem_id: &pm.id,
                postmortem_title: &pm.title,
                action: &a.action.action,
                owner: a.action.owner.as_deref().unwrap_or_default(),
                status: a.action.status.key(),
                due: a.action.due.map(|d| d.to_string()).unwrap_or_default(),
                ticket: a.action.ticket.as_deref().unwrap_or_default(),
                overdue: a.is_overdue,
            }
        })
        .collect()
}

/// The files `action_files` makes.
pub const ACTION_FILES: &[&str] = &["data/actions.csv", "data/actions.json"];

/// `data/actions.csv` and `data/actions.json`.
pub fn action_files(kb: &KnowledgeBase<'_>) -> anyhow::Result<Vec<OutputFile>> {
    let records = records(kb);
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(HEADER)?;
    for r in &records {
        let overdue = if r.overdue { "true" } else { "false" };
        csv.write_record([
            &*cell(r.postmortem_id),
            &cell(r.postmortem_title),
            &cell(r.action),
            &cell(r.owner),
            r.status,
            &r.due,
            &cell(r.ticket),
            overdue,
        ])?;
    }
    let csv = csv.into_inner().map_err(|e| anyhow::anyhow!("cannot write actions.csv: {e}"))?;
    let mut json = serde_json::to_vec_pretty(&records)?;
    json.push(b'\n');
    Ok(vec![
        OutputFile { path: ACTION_FILES[0].into(), contents: csv },
        OutputFile { path: ACTION_FILES[1].into(), contents: json },
    ])
}

/// The CSV's columns, one record per action.
const HEADER: [&str; 8] =
    ["postmortem_id", "postmortem_title", "action", "owner", "status", "due", "ticket", "overdue"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_spreadsheets_would_run_stay_text() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+cmd"), "'+cmd");
        assert_eq!(cell("Fix it, \"now\""), "Fix it, \"now\"");
    }
}
