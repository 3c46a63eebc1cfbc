//! Reads a pasted pipeline log or error message: every known failure it mentions, with the
//! issuer, subject, identity, organization and connection named around each mention.
//!
//! Pure and bounded: no IO, linear in the text read, at most [`MAX_INPUT_BYTES`] read and
//! [`MAX_FAILURES`] failures kept. What a code means comes from `keyless_azure::behaviour`;
//! this module only finds mentions and the facts next to them. It never panics on any input.

use keyless_azure::Meaning;
use keyless_azure::behaviour::{self, KnownCode, Occurrence};
use serde::Serialize;

/// How much of a pasted text is read; the rest is ignored with a note.
pub const MAX_INPUT_BYTES: usize = 10 * 1024 * 1024;
/// How many distinct failures are kept; further ones are counted in a note.
pub const MAX_FAILURES: usize = 50;
/// How many mentions are examined; a log repeating one error thousands of times stops here.
pub const MAX_MENTIONS_EXAMINED: usize = 5_000;
/// Lines after a mention where its facts may still be (Assertion Issuer / Subject lines).
const FACT_LINES_AFTER: usize = 3;
/// Longest stretch of text searched for the facts of one mention.
const MAX_FACT_WINDOW_BYTES: usize = 4096;
const MAX_EXCERPT_CHARS: usize = 300;

/// What Keyless found in a pasted text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PastedLog {
    /// Each distinct failure (same code and same facts counted once), in order of first mention.
    pub failures: Vec<RecognisedFailure>,
    /// Every code and phrase Keyless looks for, to show when nothing was recognised.
    pub looked_for: LookedFor,
    /// Codes shaped like Entra or Azure DevOps codes that Keyless has no explanation for.
    pub unknown_codes: Vec<String>,
    pub notes: Vec<ReadingNote>,
}

impl PastedLog {
    pub fn is_recognised(&self) -> bool {
        !self.failures.is_empty()
    }
}

/// One failure the text mentions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecognisedFailure {
    /// The table's code ("AADSTS700213", "TF401444", or the phrase of a code-less message).
    pub code: &'static str,
    pub meaning: Meaning,
    /// The table's one-line help.
    pub help: &'static str,
    /// The message that stood for the code when the code itself was not in the text.
    pub recognised_by_phrase: Option<&'static str>,
    /// 1-based line of the first mention.
    pub line: usize,
    /// How many mentions carried this same failure.
    pub mentions: usize,
    /// The first mention's line, without timestamp, colours or anything that looks like a token.
    pub excerpt: String,
    pub facts: Facts,
}

/// The values named around a mention. Each is as written in the text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    pub issuer: Option<Issuer>,
    pub subject: Option<Subject>,
    pub audience: Option<String>,
    /// The application (client) id.
    pub client_id: Option<String>,
    pub tenant_id: Option<String>,
    /// Azure DevOps organization name.
    pub organization: Option<String>,
    pub project: Option<String>,
    pub connection: Option<String>,
    /// Azure DevOps organization id, from the Azure DevOps issuer or the Entra issuer's subject.
    pub organization_id: Option<String>,
    /// Service connection id, from the Entra issuer's subject.
    pub connection_id: Option<String>,
    /// The identity's display name, when the message names it instead of an id.
    pub identity_name: Option<String>,
}

impl Facts {
    pub fn is_empty(&self) -> bool {
        *self == Facts::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Issuer {
    pub url: String,
    pub kind: IssuerKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum IssuerKind {
    /// `https://vstoken.dev.azure.com/{organizationId}`, retiring on 1 July 2027.
    AzureDevOps,
    /// `https://login.microsoftonline.com/{tenantId}/v2.0`.
    Entra,
    /// `https://app.vstoken.visualstudio.com`, no longer accepted.
    Retired,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub value: String,
    pub kind: SubjectKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SubjectKind {
    /// `sc://{organization}/{project}/{connection}`: built from names, broken by renames.
    AzureDevOps,
    /// `.../sc/{organizationId}/{connectionId}`: built from ids.
    Entra,
}

/// What Keyless looks for in a pasted text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LookedFor {
    pub codes: Vec<&'static str>,
    pub phrases: Vec<&'static str>,
}

impl LookedFor {
    fn everything() -> Self {
        let (phrases, codes) =
            behaviour::KNOWN_CODES.iter().map(|known| known.code).partition(|code| code.contains(' '));
        let mut phrases: Vec<&'static str> = phrases;
        phrases.extend(behaviour::PHRASES.iter().map(|(phrase, _)| *phrase));
        LookedFor { codes, phrases }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ReadingNote {
    /// Only the first `read_bytes` of the text were read.
    InputTruncated { read_bytes: usize, total_bytes: usize },
    /// More distinct failures were found than are shown.
    FailuresCapped { shown: usize, not_shown: usize },
    /// The text mentions known failures more often than Keyless examines.
    MentionsCapped { examined: usize },
}

/// Reads a pasted text. Never fails: a text with nothing known gives no failures and says
/// what was looked for.
pub fn parse_pasted_log(text: &str) -> PastedLog {
    let mut notes = Vec::new();
    let read = prefix_within(text, MAX_INPUT_BYTES);
    if read.len() < text.len() {
        notes.push(ReadingNote::InputTruncated { read_bytes: read.len(), total_bytes: text.len() });
    }
    let clean = strip_terminal_noise(read);
    let lines = LineIndex::new(&clean);
    let occurrences = behaviour::occurrences_in_text(&clean);

    let mut failures: Vec<RecognisedFailure> = Vec::new();
    let mut not_shown = 0;
    let mut examined = 0;
    let stands_for_another =
        |occurrence: &Occurrence| occurrence.phrase.is_some() || behaviour::wraps_other_codes(occurrence.known.code);
    let mut coded_lines: Vec<usize> = occurrences
        .iter()
        .filter(|occurrence| !stands_for_another(occurrence))
        .map(|occurrence| lines.line_of(occurrence.at))
        .collect();
    coded_lines.dedup();
    let mut previous: Option<(&'static str, usize)> = None;
    for occurrence in &occurrences {
        let line = lines.line_of(occurrence.at);
        // A message next to the code it stands for or wraps, or a second mention on the same
        // line, adds nothing.
        if stands_for_another(occurrence) && coded_lines.binary_search(&line).is_ok() {
            continue;
        }
        if previous == Some((occurrence.known.code, line)) {
            continue;
        }
        previous = Some((occurrence.known.code, line));
        if examined == MAX_MENTIONS_EXAMINED {
            notes.push(ReadingNote::MentionsCapped { examined });
            break;
        }
        examined += 1;
        let facts = facts_around(&clean, &lines, occurrence, line);
        if let Some(same) =
            failures.iter_mut().find(|failure| failure.code == occurrence.known.code && failure.facts == facts)
        {
            same.mentions += 1;
        } else if failures.len() == MAX_FAILURES {
            not_shown += 1;
        } else {
            failures.push(recognised(occurrence, line, lines.text(&clean, line), facts));
        }
    }
    if not_shown > 0 {
        notes.push(ReadingNote::FailuresCapped { shown: failures.len(), not_shown });
    }
    PastedLog { failures, looked_for: LookedFor::everything(), unknown_codes: unknown_codes(&clean), notes }
}

fn recognised(occurrence: &Occurrence, line: usize, line_text: &str, facts: Facts) -> RecognisedFailure {
    let known: &KnownCode = occurrence.known;
    RecognisedFailure {
        code: known.code,
        meaning: known.meaning,
        help: known.help,
        recognised_by_phrase: occurrence.phrase,
        line: line + 1,
        mentions: 1,
        excerpt: excerpt(line_text),
        facts,
    }
}

/// The longest prefix of `text` within `limit` bytes that ends on a character boundary.
fn prefix_within(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Removes ANSI escape sequences and carriage returns, which pipeline logs keep.
fn strip_terminal_noise(text: &str) -> String {
    let mut clean = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    // Parameters and intermediates, then one final byte in '@'..='~'.
                    for next in chars.by_ref() {
                        if ('@'..='~').contains(&next) {
                            break;
                        }
                    }
                }
            }
            '\r' => {}
            _ => clean.push(c),
        }
    }
    clean
}

/// Line starts, to turn byte offsets into line numbers by binary search.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { starts }
    }

    fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&start| start <= at) - 1
    }

    fn start(&self, line: usize, text: &str) -> usize {
        self.starts.get(line).copied().unwrap_or(text.len())
    }

    fn text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let end = self.start(line + 1, text);
        text[self.start(line, text)..end].trim_end_matches('\n')
    }
}

/// The mention's line and the few after it, where Entra writes the assertion's issuer and subject.
fn facts_around(text: &str, lines: &LineIndex, occurrence: &Occurrence, line: usize) -> Facts {
    let mention_end = occurrence.at + occurrence.len;
    let start =
        floor_boundary(text, lines.start(line, text).max(occurrence.at.saturating_sub(MAX_FACT_WINDOW_BYTES / 4)));
    let end =
        floor_boundary(text, lines.start(line + 1 + FACT_LINES_AFTER, text).min(mention_end + MAX_FACT_WINDOW_BYTES));
    // Facts on later lines count only up to the next mention of any failure.
    let end = match next_failure_line(&text[mention_end..end]) {
        Some(cut) => mention_end + cut,
        None => end,
    };
    super::facts::extract(&text[start..end])
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Offset of the first later line that mentions another failure.
fn next_failure_line(rest: &str) -> Option<usize> {
    let first_break = rest.find('\n')?;
    let mut offset = first_break + 1;
    for later in rest[offset..].split_inclusive('\n') {
        if behaviour::find_in_text(later).is_some() {
            return Some(offset);
        }
        offset += later.len();
    }
    None
}

/// The line a person would recognise: no pipeline timestamp or `##[error]`, no token, bounded.
fn excerpt(line: &str) -> String {
    let mut rest = line.trim();
    if let Some((first, after)) = rest.split_once(' ')
        && first.len() >= 20
        && first.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && first.contains('T')
    {
        rest = after.trim_start();
    }
    for marker in ["##[error]", "##[warning]", "##[debug]"] {
        rest = rest.strip_prefix(marker).unwrap_or(rest);
    }
    let redacted: Vec<&str> = rest
        .split(' ')
        .map(|word| if word.starts_with("eyJ") && word.len() > 30 { "[redacted]" } else { word })
        .collect();
    let joined = redacted.join(" ");
    if joined.chars().count() > MAX_EXCERPT_CHARS {
        let cut: String = joined.chars().take(MAX_EXCERPT_CHARS).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// AADSTS, TF and VS codes in the text that the table does not know, each once, at most 20.
fn unknown_codes(text: &str) -> Vec<String> {
    const MAX_UNKNOWN: usize = 20;
    let mut unknown: Vec<String> = Vec::new();
    let bytes = text.as_bytes();
    for prefix in ["AADSTS", "TF", "VS"] {
        for (at, _) in text.match_indices(prefix) {
            let before_is_word = at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
            let digits = bytes[at + prefix.len()..].iter().take_while(|b| b.is_ascii_digit()).count();
            let end = at + prefix.len() + digits;
            let after_is_word = bytes.get(end).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            if before_is_word || after_is_word || !(5..=8).contains(&digits) {
                continue;
            }
            let code = &text[at..end];
            if behaviour::lookup(code).is_none() && !unknown.iter().any(|seen| seen == code) {
                unknown.push(code.to_string());
                if unknown.len() == MAX_UNKNOWN {
                    return unknown;
                }
            }
        }
    }
    unknown
}
