//! The integration tests of `authority`, in one test binary:
//!
//! * `loading`: strict validation of the shipped policy, errors for bad
//!   policies and schemas, and the policy ids decisions report.

mod common;
mod loading;
