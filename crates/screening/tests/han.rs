//! Names written in Han characters meet their Korean and Japanese romanisations (issue 13): the
//! Korean reading of each character (hanja) through the Hangul rules, and the Japanese readings
//! (kanji) matched against the list's tokens with voicing and long vowels allowed. Each test also
//! checks an unrelated Latin name, so a rule that credited everything would fail.

use screening::{DEFAULT_THRESHOLD, Index, Params, Query};
use watchlist::{Entity, NameKind, Schema};

const NAMES: &[(&str, &str)] = &[
    ("k-1", "PARK, Geun-hye"),
    ("k-2", "KIM Jong Un"),
    ("k-3", "MOON Jae-in"),
    ("j-1", "SUZUKI, Ichiro"),
    ("j-2", "Yamada Taro"),
    ("j-3", "TANAKA Hanako"),
    ("j-4", "KOIZUMI, Junichiro"),
    ("j-5", "Tanaka Kakuei"),
    ("j-6", "SASAKI Kojiro"),
    ("j-7", "TAKAHASHI, Yoko"),
    ("c-1", "XI Jinping"),
    // Unrelated names sharing letters or a syllable with the readings above.
    ("u-1", "PARKER, Gene"),
    ("u-2", "KIMBALL, John"),
    ("u-3", "SUZUMURA, Kenta"),
    ("u-4", "YAMAMOTO, Kenji"),
    ("u-5", "TAKAHASHI, Hanae"),
    ("u-6", "Jose Juvenal VELANDIA"),
    ("u-7", "KOIKE, Yuriko"),
];

fn index() -> Index {
    Index::build(
        NAMES
            .iter()
            .map(|(id, n)| {
                let mut e = Entity::new(*id, Schema::Person, "test");
                e.add_name(n, NameKind::Primary);
                e
            })
            .collect(),
    )
}

/// Every entity's score for `query` (0 when not found).
fn scores(index: &Index, query: &str) -> Vec<(String, f32)> {
    let params = Params {
        cutoff: 0.0,
        limit: 100,
        ..Params::default()
    };
    let found = index.search(&Query::name(query), &params);
    NAMES
        .iter()
        .map(|(id, _)| {
            let s = found
                .iter()
                .find(|m| m.entity.id == *id)
                .map_or(0.0, |m| m.score);
            (id.to_string(), s)
        })
        .collect()
}

/// Asserts that `query` alerts on `expected` and on nothing else.
fn alerts_only(index: &Index, query: &str, expected: &str) {
    let s = scores(index, query);
    for (id, score) in &s {
        if id == expected {
            assert!(
                *score >= DEFAULT_THRESHOLD,
                "{query} → {id}: {score}; {s:?}"
            );
        } else {
            assert!(*score < DEFAULT_THRESHOLD, "{query} → {id}: {score}; {s:?}");
        }
    }
}

#[test]
fn han_names_read_in_korean_meet_their_romanisation() {
    let i = index();
    alerts_only(&i, "朴槿惠", "k-1");
    alerts_only(&i, "金正恩", "k-2");
    alerts_only(&i, "文在寅", "k-3");
    // Two-character names are not read in Korean (common in Chinese, rare in Korean).
    assert!(
        scores(&i, "金正")
            .iter()
            .all(|(_, s)| *s < DEFAULT_THRESHOLD)
    );
}

#[test]
fn han_names_read_in_japanese_meet_their_romanisation() {
    let i = index();
    alerts_only(&i, "鈴木一郎", "j-1");
    alerts_only(&i, "山田太郎", "j-2");
    alerts_only(&i, "田中花子", "j-3");
    alerts_only(&i, "小泉純一郎", "j-4");
    // Written with a space between surname and given name, and with the iteration mark.
    alerts_only(&i, "田中 角栄", "j-5");
    alerts_only(&i, "佐々木小次郎", "j-6");
    // An adjective's stem: 高い takai → Taka-hashi.
    alerts_only(&i, "高橋洋子", "j-7");
}

#[test]
fn chinese_names_still_read_in_pinyin() {
    let i = index();
    alerts_only(&i, "习近平", "c-1");
}

#[test]
fn han_names_do_not_meet_unrelated_latin_names() {
    let i = index();
    // Names whose readings are not any list name's parts: nothing alerts.
    for q in [
        "中村健二",
        "高木花江",
        "王小明",
        "毛泽东",
        "小池",
        "金大中",
        "鈴鹿",
    ] {
        let s = scores(&i, q);
        for (id, score) in &s {
            let partial_ok = q == "小池" && id == "u-7";
            if !partial_ok {
                assert!(*score < DEFAULT_THRESHOLD, "{q} → {id}: {score}; {s:?}");
            }
        }
    }
}
