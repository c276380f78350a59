//! Fuzzes the command JSON decoder: `service::Command` as `cortina exec` and `POST /api/v1/…`
//! read it. A decoded command must serialize, decode again, and serialize to the same JSON (the
//! ledger records the serialized form), and name an action for the policy.
//!
//! The decoder is compiled from `crates/service/src/command.rs` itself (`#[path]`), against the
//! real `domain` crate: the module depends only on `domain` and serde, and building the whole
//! service crate (SQLite's C, Cedar, tokio) with coverage instrumentation would not fit the
//! five-minute smoke budget. `scripts/fuzz-smoke.sh` builds this target, so a change that gives
//! the module other dependencies shows up there.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/service/src/command.rs"]
#[allow(dead_code, unreachable_pub)]
mod command;

fuzz_target!(|data: &[u8]| {
    let Ok(cmd) = serde_json::from_slice::<command::Command>(data) else {
        return;
    };
    let _ = cmd.action();
    let json = serde_json::to_vec(&cmd).expect("a decoded command serializes");
    let again: command::Command = serde_json::from_slice(&json).unwrap_or_else(|e| {
        panic!(
            "a serialized command does not decode: {e}: {}",
            String::from_utf8_lossy(&json)
        )
    });
    assert_eq!(again.action(), cmd.action());
    let json2 = serde_json::to_vec(&again).expect("serializes");
    assert_eq!(json, json2, "serialization is not stable");
});
