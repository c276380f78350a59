//! The ledger's C2SP read API: who may read it, cache headers, and a full
//! verification from the served bytes alone, as `cortina ledger verify
//! --url` does it.

use ledger::tile::{decode_entry_bundle, entry_bundles_for_size, read_tile, tiles_for_size};
use ledger::{MemoryLog, NoteVerifier, open_checkpoint};

use crate::world::{Auth, World, backends, config};

/// Verifies the served ledger from scratch; returns its size.
fn verify_served(w: &World, auth: &Auth<'_>, pinned: &NoteVerifier) -> u64 {
    let get = |path: &str| {
        let r = w.get(&format!("/ledger/{path}"), auth);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        r
    };
    let served_key = get("key").text();
    assert_eq!(served_key.trim(), pinned.key_string());
    let note = get("checkpoint");
    assert_eq!(note.header("cache-control"), Some("no-cache"));
    let signed = open_checkpoint(&note.body, pinned, None).expect("the checkpoint verifies");
    let size = signed.checkpoint.size;
    let mut log = MemoryLog::new();
    for bundle in entry_bundles_for_size(size) {
        let r = get(&bundle.path());
        let want_cache = if bundle.is_partial() {
            "no-cache"
        } else {
            "private, max-age=31536000, immutable"
        };
        assert_eq!(
            r.header("cache-control"),
            Some(want_cache),
            "{}",
            bundle.path()
        );
        let first = bundle.index * ledger::tile::TILE_WIDTH;
        for (i, bytes) in (first..).zip(decode_entry_bundle(&r.body).expect("bundle")) {
            assert_eq!(ledger::Entry::decode(&bytes).expect("entry").seq, i);
            log.append(&bytes).expect("append");
        }
    }
    assert_eq!(log.root().expect("root"), signed.checkpoint.root);
    for tile in tiles_for_size(size) {
        let r = get(&tile.path());
        assert_eq!(
            r.body,
            read_tile(&tile, &log).expect("tile"),
            "{}",
            tile.path()
        );
    }
    size
}

#[test]
fn oversight_and_witnesses_read_and_verify_the_ledger_others_do_not() {
    for db in backends() {
        let w = World::start(db, config());
        // More than one full tile of entries: screenings recorded at once
        // (the sequencer commits them in groups).
        w.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            for i in 0..300 {
                let svc = w.svc.clone();
                set.spawn(async move {
                    svc.record(
                        &service::Actor::cli("analyst"),
                        domain::Action::ScreeningRun,
                        authority::Resource::Lists,
                        format!("{{\"n\": {i}}}").into_bytes(),
                    )
                    .await
                });
            }
            while let Some(r) = set.join_next().await {
                r.expect("task").expect("recorded");
            }
        });
        let pinned = w.svc.store().verifier().clone();
        let oversight = w.token("oversight", None);
        let witness = w.witness_token("ngo-observer");
        let cookie = w.login("oversight");
        let size = verify_served(&w, &Auth::Bearer(&oversight), &pinned);
        assert!(size > 256, "{size}");
        assert_eq!(
            verify_served(&w, &Auth::Bearer(&witness), &pinned),
            w.ledger_size()
        );
        verify_served(&w, &Auth::Cookie(&cookie), &pinned);
        // The store's own verification agrees.
        let report = w
            .block_on(w.svc.store().verify(Some(&pinned), &[]))
            .expect("verifies");
        assert!(report.checkpoint.checkpoint.size >= size);

        // Nobody else reads it.
        assert_eq!(w.get("/ledger/checkpoint", &Auth::None).status, 401);
        assert_eq!(w.get("/ledger/tile/0/000", &Auth::None).status, 401);
        // A refused read is a recorded denial; an allowed one is not recorded.
        for user in ["commander", "us-liaison", "it-admin"] {
            let token = w.token(user, None);
            let before = w.ledger_size();
            let r = w.get("/ledger/checkpoint", &Auth::Bearer(&token));
            assert_eq!(r.status, 403, "{user}: {}", r.text());
            let seq = r.json()["error"]["seq"]
                .as_u64()
                .expect("the denial's entry");
            assert_eq!(seq, before, "{user}");
            assert_eq!(
                w.get("/ledger/tile/entries/000", &Auth::Bearer(&token))
                    .status,
                403
            );
            assert_eq!(w.ledger_size(), before + 2, "{user}: two denials");
        }
        let before = w.ledger_size();
        assert_eq!(
            w.get("/ledger/checkpoint", &Auth::Bearer(&oversight))
                .status,
            200
        );
        assert_eq!(w.ledger_size(), before, "an allowed read is not an entry");
        // Beyond the log: 404.
        let r = w.get("/ledger/tile/entries/x001/000", &Auth::Bearer(&witness));
        assert_eq!(r.status, 404, "{}", r.text());
    }
}
