//! Shared checks for the list-importer targets.

use watchlist::{Error, Format, Import, Options, SourceFile, import_one};

/// Imports `data` as `format` strictly and leniently. Neither may panic; a strict success must
/// be a lenient success with the same entities and nothing skipped (lenient mode only differs on
/// bad records), and every entity must have an id and a name.
pub fn check_import(format: Format, name: &str, data: &[u8]) {
    let file = SourceFile::new(name, data);
    let _ = watchlist::detect_format(&file);
    check_modes(
        import_one(format, file, Options { lenient: false }),
        import_one(format, file, Options { lenient: true }),
    );
}

/// The checks on one input imported strictly and leniently (see [`check_import`]).
pub fn check_modes(strict: Result<Import, Error>, lenient: Result<Import, Error>) {
    if let Ok(strict) = &strict {
        let lenient = lenient
            .as_ref()
            .expect("strict import succeeded, lenient failed");
        assert_eq!(
            strict.entities, lenient.entities,
            "lenient changed a good import"
        );
        assert!(
            lenient.skipped.is_empty(),
            "lenient skipped records strict accepted"
        );
    }
    for import in [strict, lenient].into_iter().flatten() {
        for e in &import.entities {
            assert!(!e.names.is_empty(), "an entity without a name: {e:?}");
        }
    }
}
