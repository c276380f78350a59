//! Helpers shared by the integration tests: finding the real published lists, when present.

#![allow(dead_code)]

use std::path::PathBuf;

use watchlist::{Entity, Import, NameKind};

/// The folder of real published lists (`shared/data/lists`), found by walking up from the crate
/// directory (or from `CORTINA_DATA` when set); `None` when absent, after saying so.
pub fn lists_dir(test: &str) -> Option<PathBuf> {
    let candidates = std::env::var_os("CORTINA_DATA")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .map(|dir| dir.join("shared").join("data")),
        );
    for dir in candidates {
        let lists = dir.join("lists");
        if lists.is_dir() {
            return Some(lists);
        }
    }
    println!("{test}: skipped, no shared/data/lists folder above the crate");
    None
}

/// Counts for a report line: entities, names, weak aliases, birth dates, identifiers.
pub fn summary(import: &Import) -> String {
    let e = &import.entities;
    let names: usize = e.iter().map(|x| x.names.len()).sum();
    let weak: usize = e
        .iter()
        .flat_map(|x| &x.names)
        .filter(|n| n.kind == NameKind::Weak)
        .count();
    let dates: usize = e.iter().map(|x| x.birth_dates.len()).sum();
    let ids: usize = e.iter().map(|x| x.identifiers.len()).sum();
    let addresses: usize = e.iter().map(|x| x.addresses.len()).sum();
    format!(
        "{}: {} entities, {names} names ({weak} weak), {dates} birth dates, {ids} identifiers, {addresses} addresses, {} skipped, notes: {:?}",
        import.dataset,
        e.len(),
        import.skipped.len(),
        import.notes
    )
}

/// The entity with this id; panics with the id when it is missing.
pub fn entity<'a>(import: &'a Import, id: &str) -> &'a Entity {
    find(&import.entities, id)
}

/// The entity with this id among `entities`; panics when there is none.
pub fn find<'a>(entities: &'a [Entity], id: &str) -> &'a Entity {
    entities
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no entity {id}"))
}

/// The ids of an import's entities, in order.
pub fn ids(import: &Import) -> Vec<&str> {
    import.entities.iter().map(|e| e.id.as_str()).collect()
}

/// Where each skipped record was: its line and field.
pub fn skipped(import: &Import) -> Vec<(Option<u64>, Option<&str>)> {
    import
        .skipped
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect()
}

/// An entity's names with their kinds.
pub fn names(entity: &Entity) -> Vec<(&str, NameKind)> {
    entity
        .names
        .iter()
        .map(|n| (n.full.as_str(), n.kind))
        .collect()
}
