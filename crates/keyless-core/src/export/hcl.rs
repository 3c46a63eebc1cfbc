//! Writing HCL text: quoted strings that read back as the same text, one-line comments, and
//! blocks whose attributes align the way `terraform fmt` aligns them. It knows nothing about
//! providers or Azure.

use std::fmt::Write;

/// A quoted HCL string literal: backslash, quote and control characters escaped, and the
/// template sequences `${` and `%{` doubled so a name is never read as an expression.
pub fn hcl_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                quoted.push(c);
                quoted.push(c);
            }
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04x}", c as u32);
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Text safe inside a `#` comment: one line, no control characters.
pub(super) fn comment_text(value: &str) -> String {
    value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

pub(super) enum Item {
    Attr(&'static str, String),
    Map(&'static str, Vec<(&'static str, String)>),
    Block(Block),
    Comment(String),
}

pub(super) struct Block {
    header: String,
    items: Vec<Item>,
}

impl Block {
    pub(super) fn new(header: impl Into<String>) -> Self {
        Block { header: header.into(), items: vec![] }
    }
    pub(super) fn attr(mut self, key: &'static str, expr: impl Into<String>) -> Self {
        self.items.push(Item::Attr(key, expr.into()));
        self
    }
    pub(super) fn string(self, key: &'static str, value: &str) -> Self {
        self.attr(key, hcl_string(value))
    }
    pub(super) fn comment(mut self, text: &str) -> Self {
        self.items.push(Item::Comment(comment_text(text)));
        self
    }
    pub(super) fn block(mut self, block: Block) -> Self {
        self.items.push(Item::Block(block));
        self
    }
    pub(super) fn map(mut self, key: &'static str, entries: Vec<(&'static str, String)>) -> Self {
        self.items.push(Item::Map(key, entries));
        self
    }
    pub(super) fn provider(self, provider: Option<&str>) -> Self {
        match provider {
            Some(provider) => self.attr("provider", provider),
            None => self,
        }
    }

    pub(super) fn write(&self, out: &mut String, indent: usize) {
        let pad = "  ".repeat(indent);
        if self.items.is_empty() {
            let _ = writeln!(out, "{pad}{} {{}}", self.header);
            return;
        }
        let _ = writeln!(out, "{pad}{} {{", self.header);
        // Consecutive attributes align their `=` the way `terraform fmt` does.
        let mut index = 0;
        while index < self.items.len() {
            let run_end = (index..self.items.len())
                .find(|&i| !matches!(self.items[i], Item::Attr(..)))
                .unwrap_or(self.items.len());
            let width = self.items[index..run_end]
                .iter()
                .map(|item| if let Item::Attr(key, _) = item { key.len() } else { 0 })
                .max()
                .unwrap_or(0);
            for item in &self.items[index..run_end] {
                if let Item::Attr(key, expr) = item {
                    let _ = writeln!(out, "{pad}  {key:width$} = {expr}");
                }
            }
            if run_end < self.items.len() {
                match &self.items[run_end] {
                    Item::Comment(text) => {
                        let _ = writeln!(out, "{pad}  # {text}");
                    }
                    Item::Block(block) => block.write(out, indent + 1),
                    Item::Map(key, entries) => {
                        let _ = writeln!(out, "{pad}  {key} = {{");
                        let width = entries.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                        for (entry, expr) in entries {
                            let _ = writeln!(out, "{pad}    {entry:width$} = {expr}");
                        }
                        let _ = writeln!(out, "{pad}  }}");
                    }
                    Item::Attr(..) => {}
                }
            }
            index = run_end + 1;
        }
        let _ = writeln!(out, "{pad}}}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_quotes_backslashes_and_template_sequences() {
        assert_eq!(hcl_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(hcl_string("${var.x} %{if}"), r#""$${var.x} %%{if}""#);
        assert_eq!(hcl_string("$x %d {}"), r#""$x %d {}""#);
        assert_eq!(hcl_string("line\nbreak\u{7}"), r#""line\nbreak\u0007""#);
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment_text("a\nresource \"x\" {"), "a resource \"x\" {");
    }
}
