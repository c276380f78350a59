//! What several screening tests share: the shared data folder and its OFAC SDN list.

use std::path::PathBuf;

use watchlist::Entity;

/// The shared data folder, when it is there (with the evaluation queries).
pub fn shared() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    d.join("eval/sdn_queries.csv").exists().then_some(d)
}

/// The 2021 OFAC SDN list from the shared data folder `d`.
pub fn sdn_entities(d: &std::path::Path) -> Vec<Entity> {
    let dir = d.join("lists/ofac-sdn-2021");
    let files: Vec<(String, Vec<u8>)> = ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"]
        .iter()
        .map(|f| {
            (
                dir.join(f).display().to_string(),
                std::fs::read(dir.join(f)).unwrap(),
            )
        })
        .collect();
    let sources: Vec<watchlist::SourceFile<'_>> = files
        .iter()
        .map(|(n, b)| watchlist::SourceFile::new(n, b))
        .collect();
    watchlist::import_files(&sources, None, Default::default())
        .unwrap()
        .into_iter()
        .flat_map(|i| i.entities)
        .collect()
}
