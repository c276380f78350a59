//! The `cortina` binary.
fn main() {}
