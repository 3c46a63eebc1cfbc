//! The Keyless desktop shell.
fn main() {}
