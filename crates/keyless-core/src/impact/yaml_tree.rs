//! Pipeline YAML read into a tree with bounded nesting: arbitrary text can neither exhaust the
//! stack (deeply nested input) nor memory (aliases are not expanded).

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::yaml::Hash;
use yaml_rust2::{ScanError, Yaml};

use super::ImpactError;

/// Deeper than any pipeline is written; beyond it the text is refused rather than risking the stack.
pub(crate) const MAX_NESTING: usize = 128;

/// A list or mapping still being read.
#[derive(Debug)]
enum OpenNode {
    List(Vec<Yaml>),
    Mapping { entries: Hash, key: Option<Yaml> },
}

/// The first document of `text`; none for text without one (empty, or comments only).
pub(crate) fn first_document(text: &str) -> Result<Option<Yaml>, ImpactError> {
    let mut parser = Parser::new_from_str(text);
    let mut open: Vec<OpenNode> = Vec::new();
    loop {
        let (event, marker) = parser.next_token().map_err(|error| malformed_at(&error))?;
        let complete = match event {
            Event::StreamEnd => return Ok(None),
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => continue,
            Event::SequenceStart(..) | Event::MappingStart(..) if open.len() >= MAX_NESTING => {
                return Err(malformed(marker, format!("lists and mappings nest deeper than {MAX_NESTING} levels")));
            }
            Event::SequenceStart(..) => {
                open.push(OpenNode::List(Vec::new()));
                continue;
            }
            Event::MappingStart(..) => {
                open.push(OpenNode::Mapping { entries: Hash::new(), key: None });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some(OpenNode::List(items)) => Yaml::Array(items),
                Some(OpenNode::Mapping { entries, .. }) => Yaml::Hash(entries),
                None => continue,
            },
            Event::Scalar(text, style, _, _) => scalar(text, style),
            // The value an alias repeats is not copied: pipelines do not rely on it, and copies of
            // copies could fill memory.
            Event::Alias(_) => Yaml::BadValue,
        };
        match open.last_mut() {
            None => return Ok(Some(complete)),
            Some(OpenNode::List(items)) => items.push(complete),
            Some(OpenNode::Mapping { entries, key }) => match key.take() {
                None => *key = Some(complete),
                Some(key) => {
                    entries.insert(key, complete);
                }
            },
        }
    }
}

/// Quoted and block scalars are text; plain ones may be numbers, booleans or null.
fn scalar(text: String, style: TScalarStyle) -> Yaml {
    if style == TScalarStyle::Plain { Yaml::from_str(&text) } else { Yaml::String(text) }
}

fn malformed_at(error: &ScanError) -> ImpactError {
    malformed(*error.marker(), error.info().to_owned())
}

fn malformed(marker: Marker, reason: String) -> ImpactError {
    ImpactError::MalformedYaml { line: marker.line(), column: marker.col() + 1, reason }
}
