//! The content hash that names a list snapshot.
//!
//! The hash is SHA-256 over a canonical encoding of the entities sorted by id: for each entity,
//! each field in a fixed order, each string as its UTF-8 length (u32, big-endian) and bytes, each
//! list as its count (u32) and items. Two snapshots with the same content have the same hash,
//! whatever the order or the file format the entities were read from.

use sha2::{Digest, Sha256};
use watchlist::Entity;

/// Hex SHA-256 of the canonical encoding of `entities`, which must be sorted by id.
pub fn content_hash(entities: &[Entity]) -> String {
    let mut h = Sha256::new();
    h.update(b"cortina-snapshot-v1\n");
    h.update((entities.len() as u64).to_be_bytes());
    for e in entities {
        put(&mut h, &e.id);
        put(&mut h, e.schema.as_str());
        put(&mut h, &e.dataset);
        count(&mut h, e.names.len());
        for n in &e.names {
            h.update([n.kind as u8]);
            put(&mut h, &n.full);
        }
        count(&mut h, e.birth_dates.len());
        for d in &e.birth_dates {
            put(&mut h, &d.date.to_string());
            h.update([u8::from(d.approximate)]);
        }
        list(&mut h, &e.birth_places);
        list(&mut h, &e.countries);
        put(&mut h, e.gender.map_or("", |g| g.as_str()));
        count(&mut h, e.identifiers.len());
        for i in &e.identifiers {
            put(&mut h, i.kind.as_str());
            put(&mut h, &i.number);
            put(&mut h, i.country.as_deref().unwrap_or(""));
        }
        count(&mut h, e.addresses.len());
        for a in &e.addresses {
            put(&mut h, &a.full);
            put(&mut h, a.country.as_deref().unwrap_or(""));
        }
        list(&mut h, &e.programs);
    }
    let digest = h.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn put(h: &mut Sha256, s: &str) {
    h.update((s.len() as u32).to_be_bytes());
    h.update(s.as_bytes());
}

fn count(h: &mut Sha256, n: usize) {
    h.update((n as u32).to_be_bytes());
}

fn list(h: &mut Sha256, items: &[String]) {
    count(h, items.len());
    for i in items {
        put(h, i);
    }
}
