//! Times `Authority::decide`: prints the median nanoseconds per decision over
//! a mix of allowed and denied requests, and the time to load the policy.
//!
//! `cargo run -p authority --example bench` (add `--release` for the figure
//! that matters in production; Cedar's optimised build takes minutes).

use std::hint::black_box;
use std::time::Instant;

use authority::{Authority, Principal, Resource};
use domain::{Action, Role};

fn principal(role: Role, delegation: Option<&str>) -> Principal {
    Principal {
        id: format!("user-{role}"),
        role,
        agency_id: format!("agency-{role}"),
        agency_kind: role.agency_kind(),
        delegation: delegation.map(str::to_owned),
    }
}

fn main() -> Result<(), authority::LoadError> {
    let started = Instant::now();
    let authority = Authority::new()?;
    let load = started.elapsed();

    let commander = principal(Role::HostCommander, None);
    let liaison = principal(Role::ForeignLiaison, Some("us"));
    let protective = principal(Role::ForeignProtective, Some("us"));
    let organiser = principal(Role::Organiser, None);
    let oversight = principal(Role::Oversight, None);
    let movement = Resource::Movement {
        id: "mv-1".into(),
        protectee: "vp".into(),
        delegation: Some("us".into()),
        attached_agents: vec![protective.id.clone(), "user-2".into()],
        approved: true,
    };
    let requests = [
        (
            &commander,
            Action::TaskApprove,
            Resource::Task { id: "t-1".into() },
        ),
        (
            &liaison,
            Action::TaskCreate,
            Resource::Task { id: "t-1".into() },
        ),
        (
            &liaison,
            Action::RfiSubmit,
            Resource::Request {
                id: "rfi-1".into(),
                delegation: "us".into(),
            },
        ),
        (
            &liaison,
            Action::DeclarationRead,
            Resource::Declaration {
                id: "decl-1".into(),
                delegation: "fr".into(),
            },
        ),
        (
            &liaison,
            Action::SitrepRead,
            Resource::Sitrep {
                id: "sitrep-12".into(),
                shared_with: vec!["fr".into(), "us".into(), "uk".into()],
            },
        ),
        (&protective, Action::MovementRead, movement),
        (
            &organiser,
            Action::VettingReadOpinion,
            Resource::VettingCase {
                id: "case-1".into(),
                delegation: None,
                organiser: Some(organiser.agency_id.clone()),
                shared_with: Vec::new(),
            },
        ),
        (
            &oversight,
            Action::LogRecord,
            Resource::LogEntry {
                id: "log-1".into(),
                delegation: None,
                shared_with: Vec::new(),
            },
        ),
    ];

    const ROUNDS: usize = 201;
    const PER_ROUND: usize = 25;
    let mut per_decision_ns = Vec::with_capacity(ROUNDS);
    let mut allowed = 0usize;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for _ in 0..PER_ROUND {
            for (principal, action, resource) in &requests {
                let decision = authority.decide(principal, *action, resource);
                allowed += usize::from(black_box(decision).allowed);
            }
        }
        let decisions = (PER_ROUND * requests.len()) as f64;
        per_decision_ns.push(started.elapsed().as_nanos() as f64 / decisions);
    }
    per_decision_ns.sort_by(f64::total_cmp);
    let at = |q: f64| per_decision_ns[((per_decision_ns.len() - 1) as f64 * q) as usize];

    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "authority bench ({profile} build, {} policies, {} decisions, {} allowed)",
        authority.policy_ids().len(),
        ROUNDS * PER_ROUND * requests.len(),
        allowed
    );
    println!(
        "load and validate the policy: {:.1} ms",
        load.as_secs_f64() * 1e3
    );
    println!(
        "decide: median {:.0} ns/decision (p10 {:.0}, p90 {:.0})",
        at(0.5),
        at(0.1),
        at(0.9)
    );
    Ok(())
}
