//! The integration tests of `authority`, in one test binary:
//!
//! * `matrix`: every action for every role against expected.txt, the table
//!   written by hand from DESIGN.md;
//! * `properties`: the constitution under random principals and resources;
//! * `loading`: strict validation of the shipped policy, errors for bad
//!   policies and schemas, and the policy ids decisions report.

mod common;
mod loading;
mod matrix;
mod properties;
