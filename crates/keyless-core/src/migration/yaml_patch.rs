//! Pipeline YAML for a replaced connection: the old connection's name rewritten to the new one
//! wherever the YAML gives it as a connection input, and the change as a unified diff that
//! `git apply` accepts.
//!
//! The rewrite works line by line on the text as written, so comments, quoting, key order and
//! line endings stay as they were. It does not parse YAML: it recognises `key: value` lines
//! whose key names a connection (`azureSubscription`, `connectedServiceName`,
//! `serviceConnection`, `...ServiceConnections`, `endpoint`...), including comma-separated
//! lists, and never touches block scalars (scripts), comments or other keys. A connection
//! given through a variable or a template parameter is rewritten where that value is written
//! only if the key there names a connection too.

use similar::TextDiff;

/// How many unchanged lines a hunk shows around each change, like `git diff`.
const CONTEXT_LINES: usize = 3;

/// Keys (compared without case) whose value is a connection name.
const CONNECTION_KEYS: [&str; 6] = [
    "azuresubscription",
    "connectedservicename",
    "connectedservicenamearm",
    "azureresourcemanagerconnection",
    "externalfeedcredentials",
    "endpoint",
];

/// Key endings (compared without case) that name a connection input, e.g.
/// `nuGetServiceConnections`, `azureDevOpsServiceConnection`, `publishEndpoint`.
const CONNECTION_KEY_ENDINGS: [&str; 5] =
    ["serviceconnection", "serviceconnections", "serviceconnectionname", "endpoint", "endpoints"];

/// The YAML with every connection input that names `old_name` rewritten to `new_name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRewrite {
    pub text: String,
    /// How many values were rewritten; 0 means `text` is the original.
    pub replaced: usize,
}

/// Rewrites `old_name` to `new_name` in every connection input of `yaml`. Names compare without
/// case, like Azure DevOps resolves them; everything else is left byte for byte.
pub fn rename_connection_inputs(yaml: &str, old_name: &str, new_name: &str) -> ConnectionRewrite {
    let old_name = old_name.trim();
    let mut text = String::with_capacity(yaml.len());
    let mut replaced = 0;
    // The indentation of a `key: |` line while the lines below it are its block scalar.
    let mut block_scalar_indent: Option<usize> = None;
    for line in yaml.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start_matches(' ').len();
        if let Some(parent) = block_scalar_indent {
            if content.trim().is_empty() || indent > parent {
                text.push_str(line);
                continue;
            }
            block_scalar_indent = None;
        }
        let Some(entry) = KeyValueLine::parse(content) else {
            text.push_str(line);
            continue;
        };
        if entry.starts_block_scalar() {
            block_scalar_indent = Some(entry.key_indent);
        }
        if old_name.is_empty() || !is_connection_key(entry.key) {
            text.push_str(line);
            continue;
        }
        let (rewritten, count) = entry.rename(content, old_name, new_name);
        replaced += count;
        text.push_str(&rewritten);
        text.push_str(&line[content.len()..]);
    }
    ConnectionRewrite { text, replaced }
}

/// The change from `original` to `rewritten` of the file at `path` (relative to the
/// repository's root, a leading `/` is dropped) as a git-style unified diff with `a/` and `b/`
/// headers; empty when nothing changed.
pub fn unified_patch(path: &str, original: &str, rewritten: &str) -> String {
    if original == rewritten {
        return String::new();
    }
    let path = path.trim_start_matches('/');
    let diff = TextDiff::from_lines(original, rewritten);
    let body = diff
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .missing_newline_hint(true)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    format!("diff --git a/{path} b/{path}\n{body}")
}

fn is_connection_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    CONNECTION_KEYS.contains(&key.as_str()) || CONNECTION_KEY_ENDINGS.iter().any(|ending| key.ends_with(ending))
}

/// A `key: value` line, optionally a list item (`- key: value`), with byte offsets into the line.
#[derive(Debug)]
struct KeyValueLine<'l> {
    key: &'l str,
    /// Where the key starts: a block scalar's lines are indented further than this.
    key_indent: usize,
    /// The value without its comment and surrounding blanks.
    value_start: usize,
    value: &'l str,
}

impl<'l> KeyValueLine<'l> {
    fn parse(line: &'l str) -> Option<Self> {
        let mut key_start = line.len() - line.trim_start_matches(' ').len();
        if let Some(after_dash) = line[key_start..].strip_prefix("- ") {
            key_start = line.len() - after_dash.trim_start_matches(' ').len();
        }
        let rest = &line[key_start..];
        if rest.starts_with('#') || rest.starts_with('-') {
            return None;
        }
        let colon = rest.find(": ").or_else(|| rest.ends_with(':').then(|| rest.len() - 1))?;
        let key = rest[..colon].trim_end();
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if key.is_empty() || !key.chars().all(plain) {
            return None;
        }
        let after_colon = key_start + colon + 1;
        let raw = &line[after_colon..];
        let value_start = after_colon + (raw.len() - raw.trim_start().len());
        let value = without_comment(&line[value_start..]).trim_end();
        Some(KeyValueLine { key, key_indent: key_start, value_start, value })
    }

    fn starts_block_scalar(&self) -> bool {
        self.value.starts_with('|') || self.value.starts_with('>')
    }

    /// The line with each comma-separated item of the value equal to `old_name` replaced,
    /// keeping quotes and the blanks around items.
    fn rename(&self, line: &str, old_name: &str, new_name: &str) -> (String, usize) {
        let (quote, inner_start, inner) = match self.value.chars().next() {
            Some(q @ ('\'' | '"')) if self.value.len() >= 2 && self.value.ends_with(q) => {
                (Some(q), self.value_start + 1, &self.value[1..self.value.len() - 1])
            }
            _ => (None, self.value_start, self.value),
        };
        if quote.is_none() && (inner.starts_with(['[', '{', '&', '*', '!', '$']) || inner.contains("${{")) {
            return (line.to_owned(), 0);
        }
        let mut rewritten = String::with_capacity(line.len() + new_name.len());
        rewritten.push_str(&line[..inner_start]);
        let mut count = 0;
        for (index, item) in inner.split(',').enumerate() {
            if index > 0 {
                rewritten.push(',');
            }
            let name = item.trim();
            if name.eq_ignore_ascii_case(old_name) {
                let leading = item.len() - item.trim_start().len();
                rewritten.push_str(&item[..leading]);
                rewritten.push_str(new_name);
                rewritten.push_str(&item[leading + name.len()..]);
                count += 1;
            } else {
                rewritten.push_str(item);
            }
        }
        rewritten.push_str(&line[inner_start + inner.len()..]);
        (rewritten, count)
    }
}

/// The value before a ` #` comment (a `#` inside quotes or without a blank before it is text).
fn without_comment(value: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (at, c) in value.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') if at == 0 => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return &value[..at],
            _ => {}
        }
        previous = c;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_input_is_rewritten_and_its_script_is_not() {
        let yaml = "steps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: 'old-conn' # prod\n      \
                    inlineScript: |\n        endpoint: old-conn\n        echo old-conn\n  - script: echo old-conn\n";
        let rewrite = rename_connection_inputs(yaml, "old-conn", "new-conn");
        assert_eq!(rewrite.replaced, 1);
        assert!(rewrite.text.contains("azureSubscription: 'new-conn' # prod"), "{}", rewrite.text);
        assert!(rewrite.text.contains("        endpoint: old-conn\n"), "{}", rewrite.text);
        assert!(rewrite.text.contains("script: echo old-conn"), "{}", rewrite.text);
    }

    #[test]
    fn one_item_of_a_connection_list_is_rewritten() {
        let yaml = "- task: NuGetAuthenticate@1\n  inputs:\n    nuGetServiceConnections: feed-a, OLD, feed-b\r\n";
        let rewrite = rename_connection_inputs(yaml, "old", "new");
        assert_eq!(
            rewrite.text,
            "- task: NuGetAuthenticate@1\n  inputs:\n    nuGetServiceConnections: feed-a, new, feed-b\r\n"
        );
    }
}
