//! `keyless doctor --error TEXT` (or `--error-file PATH`, or `--error -` for stdin): explains
//! each failure a pasted pipeline log or error message mentions. Reading the input, printing and
//! the exit code only; the reading and the explanations are `keyless_usecases::doctor`'s.

use std::io::Read;
use std::path::Path;

use keyless_usecases::doctor::{Explanation, MAX_INPUT_BYTES, PastedLogDiagnosis, ReadingNote, diagnose_pasted_log};

use crate::{
    CommandResult,
    failure::{Exit, Failure},
    output::Printer,
};

/// Where the pasted text comes from.
pub enum PastedInput<'a> {
    /// The text itself, or "-" for standard input.
    Text(&'a str),
    File(&'a Path),
}

pub fn doctor(input: PastedInput<'_>, printer: &Printer) -> CommandResult {
    let text = read_input(input)?;
    let diagnosis = diagnose_pasted_log(&text);
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
