//! Offline pass verification time: `cargo run --release -p pass --example bench`.
//!
//! Verifies 10,000 distinct passes against a gate holding a 100,000-entry
//! revocation list (what a gate would carry late in the Games) and prints
//! the time per pass, plus the time to load the bundle.

use std::time::Instant;

use pass::{Access, Claims, Gate, PassSigner};

fn main() {
    let signer = PassSigner::from_seed(&[42; 32]);
    let passes: Vec<String> = (0..10_000)
        .map(|i| {
            signer.issue(&Claims {
                v: 1,
                id: format!("p{i:016x}"),
                n: format!("Applicant Number {i}"),
                d: format!("{:04}", i % 10_000),
                c: "workforce".into(),
                a: vec![
                    Access("san-siro".into(), "1".into()),
                    Access("san-siro".into(), "2".into()),
                    Access("cortina-sliding".into(), "2".into()),
                ],
                f: 1_769_904_000,
                u: 1_774_000_000,
                k: String::new(),
            })
        })
        .collect();
    let revoked = (0..100_000).map(|i| format!("r{i:016x}"));
    let bundle = serde_json::to_string(&signer.bundle(1_770_000_000, revoked)).unwrap();
    let start = Instant::now();
    let gate = Gate::from_bundle(&bundle).expect("bundle");
    let load = start.elapsed();
    let start = Instant::now();
    let mut valid = 0;
    for p in &passes {
        if gate.check(p, "san-siro", "2", 1_770_000_000).as_str() == "valid" {
            valid += 1;
        }
    }
    let per_pass = start.elapsed() / passes.len() as u32;
    assert_eq!(valid, passes.len());
    println!(
        "verified {} passes: {:.1} µs per pass; bundle with 100,000 revocations loaded in {:.1} ms ({} bytes)",
        passes.len(),
        per_pass.as_secs_f64() * 1e6,
        load.as_secs_f64() * 1e3,
        bundle.len()
    );
}
