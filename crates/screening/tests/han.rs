//! Names written in Han characters meet their Korean and Japanese romanisations (issue 13): the
//! Korean reading of each character (hanja) through the Hangul rules, and the Japanese readings
//! (kanji) matched against the list's tokens with voicing and long vowels allowed. Each test also
//! checks an unrelated Latin name, so a rule that credited everything would fail.

mod fixture;

use fixture::Fixture;
use screening::DEFAULT_THRESHOLD;

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

fn index() -> Fixture {
    Fixture::new(NAMES)
}

#[test]
fn han_names_read_in_korean_meet_their_romanisation() {
    let i = index();
    i.alerts_only("朴槿惠", "k-1");
    i.alerts_only("金正恩", "k-2");
    i.alerts_only("文在寅", "k-3");
    // Two-character names are not read in Korean (common in Chinese, rare in Korean).
    assert!(i.scores("金正").iter().all(|(_, s)| *s < DEFAULT_THRESHOLD));
}

#[test]
fn han_names_read_in_japanese_meet_their_romanisation() {
    let i = index();
    i.alerts_only("鈴木一郎", "j-1");
    i.alerts_only("山田太郎", "j-2");
    i.alerts_only("田中花子", "j-3");
    i.alerts_only("小泉純一郎", "j-4");
    // Written with a space between surname and given name, and with the iteration mark.
    i.alerts_only("田中 角栄", "j-5");
    i.alerts_only("佐々木小次郎", "j-6");
    // An adjective's stem: 高い takai → Taka-hashi.
    i.alerts_only("高橋洋子", "j-7");
}

#[test]
fn chinese_names_still_read_in_pinyin() {
    let i = index();
    i.alerts_only("习近平", "c-1");
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
        let s = i.scores(q);
        for (id, score) in &s {
            let partial_ok = q == "小池" && id == "u-7";
            if !partial_ok {
                assert!(*score < DEFAULT_THRESHOLD, "{q} → {id}: {score}; {s:?}");
            }
        }
    }
}
