//! The error every local validation returns: which input was wrong, why, and what to do.

use std::fmt;

/// A user input that Keyless refused before sending any request.
///
/// `input` names the field or flag, `problem` says what is wrong with the value and `help`
/// says what to do instead. The UI shows all three; the CLI prints them on two lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input}: {problem}")]
pub struct InputError {
    pub input: &'static str,
    pub problem: String,
    pub help: String,
}

impl InputError {
    pub fn new(input: &'static str, problem: impl Into<String>, help: impl Into<String>) -> Self {
        Self { input, problem: problem.into(), help: help.into() }
    }

    /// The message and help line as the CLI prints them.
    pub fn display_with_help(&self) -> impl fmt::Display + '_ {
        struct WithHelp<'a>(&'a InputError);
        impl fmt::Display for WithHelp<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}\n  help: {}", self.0, self.0.help)
            }
        }
        WithHelp(self)
    }
}
