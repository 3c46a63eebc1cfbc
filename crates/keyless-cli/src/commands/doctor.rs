//! `keyless doctor`: explains why service connections fail, from live state (every connection
//! the account reaches, or `--org`, `--project`, `--connection`) or from a pasted pipeline log
//! (`--error TEXT`, `--error-file PATH`, `--error -` for stdin; with `--live` also against live
//! state), and with `--fix` repairs what Keyless can, one undoable run per connection.
//! Reading the input, printing, confirming and the exit code only; the diagnosis and the
//! repair plans are `keyless_usecases::doctor`'s, the runs `keyless_usecases::runs`'.
//!
//! Exit codes: 0 nothing broken (or everything broken was repaired); 1 Azure failed; 2 bad
//! input, or a pasted text with nothing recognised; 3 sign-in needed or failed; 4 a repair
//! waits for the identity's owner; 5 a repair was declined; 6 broken connections remain.

use std::io::Read;
use std::path::Path;

use keyless_core::names::OrgName;
use keyless_usecases::{
    RunSettings,
    doctor::{
        ConnectionDiagnosis, DoctorTarget, Explanation, Finding, LiveDiagnosis, MAX_INPUT_BYTES, PastedLogDiagnosis,
        ReadingNote, Severity, diagnose, diagnose_pasted_log, diagnose_pasted_log_live, fix_plan,
    },
};

use crate::{
    CommandResult,
    args::DoctorArgs,
    commands::{journal, session, setup},
    failure::{Exit, Failure},
    output::Printer,
};

/// `keyless doctor` found broken connections it did not repair.
const EXIT_BROKEN: u8 = 6;

/// Where the pasted text comes from.
pub enum PastedInput<'a> {
    /// The text itself, or "-" for standard input.
    Text(&'a str),
    File(&'a Path),
}

pub async fn doctor(args: DoctorArgs, printer: &Printer) -> CommandResult {
    let input = match (&args.error, &args.error_file) {
        (_, Some(path)) => Some(PastedInput::File(path)),
        (Some(text), None) => Some(PastedInput::Text(text)),
        (None, None) => None,
    };
    let Some(input) = input else { return live(args, printer).await };
    if args.fix || args.org.is_some() {
        return Err(Failure::bad_input(
            "--error explains a pasted text; --org, --project, --connection and --fix look at live connections",
            "run `keyless doctor --error ... --live` to find the connections the text names, then `keyless doctor --org ORG --project P --connection NAME --fix`",
        ));
    }
    let text = read_input(input)?;
    if !args.live {
        return pasted(&text, printer);
    }
    let connected = session::connect(&args.azure, printer).await?;
    let diagnosis = diagnose_pasted_log_live(&connected, &text).await?;
    printer.result(&diagnosis, || {
        let mut out = render(&diagnosis.text);
        out.push_str(
            "
Against live state:
",
        );
        if diagnosis.live.connections.is_empty() {
            out.push_str("  the text names no connection Keyless could find (by id, subject, name or client id)\n");
        } else {
            out.push_str(&render_live(&diagnosis.live, &DoctorTarget::Everything));
        }
        out
    });
    for note in &diagnosis.live.unread {
        printer.note(&format!("warning: could not read {}: {}", note.place, note.problem));
    }
    if diagnosis.live.summary.broken > 0 {
        return Ok(EXIT_BROKEN);
    }
    Ok(if diagnosis.text.recognised { 0 } else { Exit::BadInput as u8 })
}

fn target(args: &DoctorArgs) -> Result<DoctorTarget, Failure> {
    let Some(org) = &args.org else { return Ok(DoctorTarget::Everything) };
    let organization = OrgName::parse(org)?;
    Ok(match (&args.project, &args.connection) {
        (Some(project), Some(name_or_id)) => {
            DoctorTarget::Connection { organization, project: project.clone(), name_or_id: name_or_id.clone() }
        }
        (Some(project), None) => DoctorTarget::Project { organization, project: project.clone() },
        (None, _) => DoctorTarget::Organization(organization),
    })
}

async fn live(args: DoctorArgs, printer: &Printer) -> CommandResult {
    let target = target(&args)?;
    let store = if args.fix { Some(journal::store(&args.state)?) } else { None };
    let connected = session::connect(&args.azure, printer).await?;
    let diagnosis = diagnose(&connected, &target).await?;
    for note in &diagnosis.unread {
        printer.note(&format!("warning: could not read {}: {}", note.place, note.problem));
    }
    printer.result(&diagnosis, || render_live(&diagnosis, &target));
    let Some(store) = store else {
        return Ok(if diagnosis.summary.broken > 0 { EXIT_BROKEN } else { 0 });
    };
    let settings = RunSettings::new(store);
    let mut waiting = false;
    for connection in diagnosis.connections.iter().filter(|c| c.keyless_can_fix()) {
        let Some(plan) = fix_plan(&connected, connection).await? else { continue };
        if !printer.is_json() {
            let repairs: Vec<String> = plan.fixes.iter().map(finding_title).collect();
            eprintln!("\nRepairing {}: {}", plan.connection, repairs.join(", "));
        }
        let exit = setup::run_apply(&connected, &settings, &plan.setup, args.yes, None, printer).await?;
        waiting |= exit == Exit::HandOffPending as u8;
    }
    if waiting {
        return Ok(Exit::HandOffPending as u8);
    }
    let after = diagnose(&connected, &target).await?;
    if !printer.is_json() {
        eprintln!("\nAfter the repairs: {}", summary_line(&after));
    }
    Ok(if after.summary.broken > 0 { EXIT_BROKEN } else { 0 })
}

fn render_live(diagnosis: &LiveDiagnosis, target: &DoctorTarget) -> String {
    let mut out = String::new();
    for connection in &diagnosis.connections {
        out.push_str(&render_connection(connection));
    }
    if diagnosis.connections.iter().any(ConnectionDiagnosis::keyless_can_fix) {
        let scope = match target {
            DoctorTarget::Connection { organization, project, name_or_id } => {
                format!(" --org {organization} --project {project} --connection {name_or_id}")
            }
            DoctorTarget::Project { organization, project } => format!(" --org {organization} --project {project}"),
            DoctorTarget::Organization(organization) => format!(" --org {organization}"),
            DoctorTarget::Everything => String::new(),
        };
        out.push_str(&format!(
            "\n`keyless doctor{scope} --fix` repairs what Keyless can, one run per connection; `keyless rollback RUN_ID` undoes a run.\n"
        ));
    }
    out.push_str(&format!("\n{}\n", summary_line(diagnosis)));
    out
}

fn summary_line(diagnosis: &LiveDiagnosis) -> String {
    let s = diagnosis.summary;
    format!(
        "{} connection{} checked: {} healthy, {} broken, {} with warnings; Keyless can repair {}.",
        s.connections,
        if s.connections == 1 { "" } else { "s" },
        s.healthy,
        s.broken,
        s.warned,
        s.fixable_by_keyless
    )
}

fn render_connection(connection: &ConnectionDiagnosis) -> String {
    let state = if connection.is_broken() {
        "broken"
    } else if connection.findings.is_empty() {
        "healthy"
    } else {
        "warning"
    };
    let identity = connection
        .identity_name
        .clone()
        .or(connection.client_id.map(|c| c.to_string()))
        .map(|i| format!(", identity {i}"))
        .unwrap_or_default();
    let mut out = format!(
        "{}/{}/{} ({}, {}{identity}): {state}\n",
        connection.organization, connection.project, connection.name, connection.endpoint_type, connection.scheme
    );
    for finding in &connection.findings {
        out.push_str(&render_finding(finding));
    }
    out
}

fn finding_title(finding: &Finding) -> String {
    let kind = serde_json::to_value(&finding.code)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or_default();
    match &finding.pipeline_code {
        Some(code) => format!("{code} {kind}"),
        None => kind,
    }
}

fn render_finding(finding: &Finding) -> String {
    let severity = if finding.severity == Severity::Warning { "warning: " } else { "" };
    let mut out = format!("  {severity}{}\n", finding_title(finding));
    out.push_str(&format!("    cause: {}\n", finding.cause));
    if !finding.evidence.is_empty() {
        out.push_str("    evidence:\n");
        for fact in &finding.evidence {
            out.push_str(&format!("      - {fact}\n"));
        }
    }
    let by = if finding.keyless_can_fix { " (keyless doctor --fix does this)" } else { "" };
    out.push_str(&format!("    fix: {}{by}\n", finding.fix));
    out
}

fn pasted(text: &str, printer: &Printer) -> CommandResult {
    let diagnosis = diagnose_pasted_log(text);
    printer.result(&diagnosis, || render(&diagnosis));
    if diagnosis.recognised {
        return Ok(0);
    }
    // The JSON document already says `recognised: false`; people also get the reason on stderr.
    if !printer.is_json() {
        printer.note(&not_recognised(&diagnosis).to_string());
    }
    Ok(Exit::BadInput as u8)
}

fn read_input(input: PastedInput<'_>) -> Result<String, Failure> {
    // One byte more than the doctor reads, so it can note that the text was cut.
    let limit = MAX_INPUT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    let read = match input {
        PastedInput::Text("-") => std::io::stdin().lock().take(limit).read_to_end(&mut bytes),
        PastedInput::Text(text) => return Ok(text.to_string()),
        PastedInput::File(path) => std::fs::File::open(path).and_then(|file| file.take(limit).read_to_end(&mut bytes)),
    };
    read.map_err(|e| {
        Failure::bad_input(
            format!("cannot read the error text: {e}"),
            "pass the text with --error \"...\", a file with --error-file PATH, or pipe it with --error -",
        )
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn not_recognised(diagnosis: &PastedLogDiagnosis) -> Failure {
    let unknown = if diagnosis.unknown_codes.is_empty() {
        String::new()
    } else {
        format!(" (it mentions {}, which Keyless has no explanation for)", diagnosis.unknown_codes.join(", "))
    };
    Failure::bad_input(
        format!("Keyless recognised no known failure in the text{unknown}"),
        "paste the whole failing step's log (the lines with ##[error] and the lines below them); the codes and messages Keyless looks for are listed above",
    )
}

fn render(diagnosis: &PastedLogDiagnosis) -> String {
    let mut out = String::from("Diagnosed from the pasted text only: Keyless did not look at Azure.\n");
    for note in &diagnosis.notes {
        out.push_str(&format!("Note: {}\n", note_text(note)));
    }
    if !diagnosis.recognised {
        out.push_str("\nNothing recognised. Keyless looked for these codes:\n");
        out.push_str(&wrapped(&diagnosis.looked_for.codes, "  "));
        out.push_str("and these messages:\n");
        for phrase in &diagnosis.looked_for.phrases {
            out.push_str(&format!("  \"{phrase}\"\n"));
        }
        return out;
    }
    let count = diagnosis.explanations.len();
    out.push_str(&format!("{count} failure{} recognised.\n", if count == 1 { "" } else { "s" }));
    for explanation in &diagnosis.explanations {
        out.push_str(&render_explanation(explanation));
    }
    if !diagnosis.unknown_codes.is_empty() {
        out.push_str(&format!(
            "\nAlso mentioned, with no explanation in Keyless: {}\n",
            diagnosis.unknown_codes.join(", ")
        ));
    }
    out
}

fn render_explanation(explanation: &Explanation) -> String {
    let failure = &explanation.failure;
    let mut out = format!("\n{} (line {})\n", failure.code, failure.line);
    out.push_str(&format!("  {}\n", failure.excerpt));
    out.push_str(&format!("  cause: {}\n", explanation.cause));
    out.push_str("  evidence:\n");
    for fact in &explanation.evidence {
        out.push_str(&format!("    - {fact}\n"));
    }
    out.push_str("  fix:\n");
    for (step, text) in explanation.fix.iter().enumerate() {
        out.push_str(&format!("    {}. {text}\n", step + 1));
    }
    if let Some(hint) = keyless_hint(failure.code) {
        out.push_str(&format!("  with keyless: {hint}\n"));
    }
    out
}

/// Where a Keyless command does the fix's work, in the CLI's own words.
fn keyless_hint(code: &str) -> Option<&'static str> {
    match code {
        "saved as draft" => Some(
            "if Keyless made this draft, `keyless finish RUN` completes it once the owner has created the credential (`keyless runs` lists runs)",
        ),
        "AADSTS7000215" | "AADSTS7000222" => Some(
            "`keyless inventory` shows which connections still use secrets; `keyless migrate init` writes a plan that converts them",
        ),
        _ => None,
    }
}

fn note_text(note: &ReadingNote) -> String {
    match note {
        ReadingNote::InputTruncated { read_bytes, total_bytes } => {
            format!("only the first {read_bytes} of {total_bytes} bytes were read")
        }
        ReadingNote::FailuresCapped { shown, not_shown } => {
            format!("{not_shown} more distinct failures were found; the first {shown} are shown")
        }
        ReadingNote::MentionsCapped { examined } => {
            format!("the text repeats known failures often; the first {examined} mentions were examined")
        }
    }
}

/// Words joined by commas, wrapped near 100 columns.
fn wrapped(words: &[&str], indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in words {
        if line.len() + word.len() + 2 > 100 && !line.trim().is_empty() {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
        }
        line.push_str(word);
        line.push_str(", ");
    }
    out.push_str(line.trim_end().trim_end_matches(','));
    out.push('\n');
    out
}
