//! Preflight as text: the hand-off pack in Markdown and the plan with each step's needs marked.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::*;

/// The hand-off pack: what to ask whom, then what waits for it. Markdown, ids and names only.
pub fn hand_off_markdown(narrowed: &Narrowed, account: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Keyless hand-off\n");
    let _ = writeln!(
        out,
        "{account} planned these steps but cannot take them yet. Once they are done, run the same setup again: Keyless reuses what exists and does the rest.\n"
    );
    let mut by_granter: BTreeMap<&str, Vec<(&HandedOff, &Lack)>> = BTreeMap::new();
    let mut unknown = vec![];
    let mut waiting = vec![];
    for handed in &narrowed.handed_off {
        match &handed.reason {
            HandOffReason::Lack(lack) => {
                by_granter.entry(lack.who_can_grant.as_str()).or_default().push((handed, lack))
            }
            HandOffReason::Unknown { why } => unknown.push((handed, why)),
            HandOffReason::WaitsFor { step_id } => waiting.push((handed, step_id)),
        }
    }
    for (who, entries) in &by_granter {
        let _ = writeln!(out, "## For {who}\n");
        for (handed, lack) in entries {
            let _ = writeln!(out, "- **{}**", handed.step.title);
            let _ = writeln!(out, "  - Missing: {}", lack.missing);
            let _ = writeln!(out, "  - Role that grants it: {}", lack.role);
            let _ = writeln!(out, "  - Request: {}", lack.ask);
        }
        out.push('\n');
    }
    if !unknown.is_empty() {
        let _ = writeln!(out, "## Could not be checked\n");
        for (handed, why) in unknown {
            let _ = writeln!(out, "- **{}**: {why}", handed.step.title);
        }
        out.push('\n');
    }
    if !waiting.is_empty() {
        let _ = writeln!(out, "## Waiting for the steps above\n");
        for (handed, step_id) in waiting {
            let _ = writeln!(out, "- {} (after `{step_id}`)", handed.step.title);
        }
        out.push('\n');
    }
    out
}

/// The plan as `keyless plan` prints it, with each step's needs shown as had or lacking.
pub fn render_with_checklist(plan: &Plan, checklist: &Checklist) -> String {
    let plain = plan.render_text();
    let mut out = String::new();
    let mut steps = plan.steps.iter();
    let mut current: Option<&Step> = None;
    for line in plain.lines() {
        if line.trim_start().starts_with("needs: ")
            && let Some(step) = current.take()
        {
            let _ = writeln!(out, "           {}", checklist.needs_line(step));
            continue;
        }
        if line.starts_with(|c: char| "+~=?".contains(c)) {
            current = steps.next();
        }
        let _ = writeln!(out, "{line}");
    }
    out
}
