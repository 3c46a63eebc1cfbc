//! The `keyless` command.
fn main() {}
