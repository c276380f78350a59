//! Korean names meet their popular spellings (issue 13): the spellings people and the press
//! use — McCune–Reischauer's without its marks, and the English-like ones (ㅓ written u, ㅕ yu
//! or you, ㅜ oo: Lee Myung-bak, Kim Young-sam, Roh Moo-hyun) — beside the Revised
//! Romanization, for a name written in Hangul and for the Korean reading of one written in Han
//! characters. Each query also checks every other name of the fixture, Korean names sharing a
//! syllable or two among them, so a rule that credited everything would fail.

mod fixture;

use fixture::Fixture;
use screening::DEFAULT_THRESHOLD;

const NAMES: &[(&str, &str)] = &[
    ("k-1", "LEE Myung-bak"),
    ("k-2", "KIM Young-sam"),
    ("k-3", "ROH Moo-hyun"),
    ("k-4", "CHUNG Ju-yung"),
    ("k-5", "MOON Jae-in"),
    ("k-6", "BAN Ki-moon"),
    ("k-7", "KIM Dae-jung"),
    ("k-8", "PARK Chung-hee"),
    ("k-9", "ROH Tae-woo"),
    // Unrelated names: Korean ones sharing parts with the names above, and Latin ones sharing
    // letters with their spellings.
    ("u-1", "LEE Myung-soo"),
    ("u-2", "KIM Young-nam"),
    ("u-3", "PARK Jae-hyun"),
    ("u-4", "MUNOZ, Jaime"),
    ("u-5", "KIMBALL, Dale"),
    ("u-6", "ROHMER, Mohan"),
    ("u-7", "BANKS, Kimberly"),
    ("u-8", "CHUNG, Julia"),
];

fn index() -> Fixture {
    Fixture::new(NAMES)
}

/// The fixture's Korean names: Hangul, Han, and the list entity they name.
const KOREAN: &[(&str, &str, &str)] = &[
    ("이명박", "李明博", "k-1"),
    ("김영삼", "金泳三", "k-2"),
    ("노무현", "盧武鉉", "k-3"),
    ("정주영", "鄭周永", "k-4"),
    ("문재인", "文在寅", "k-5"),
    ("반기문", "潘基文", "k-6"),
    ("김대중", "金大中", "k-7"),
    ("박정희", "朴正熙", "k-8"),
    ("노태우", "盧泰愚", "k-9"),
];

#[test]
fn hangul_names_meet_their_popular_spellings() {
    let i = index();
    for (hangul, _, id) in KOREAN {
        i.alerts_only(hangul, id);
    }
    // Given name first and the surname apart, as Western forms have it: 이 alone is Lee too.
    i.alerts_only("명박 이", "k-1");
    i.alerts_only("무현 노", "k-3");
}

#[test]
fn han_names_read_in_korean_meet_their_popular_spellings() {
    let i = index();
    for (_, han, id) in KOREAN {
        i.alerts_only(han, id);
    }
}

#[test]
fn korean_names_do_not_meet_other_korean_names() {
    let i = index();
    // Names one syllable away from a listed one, in Hangul and in Han: nothing alerts.
    for q in [
        "이명수",
        "김영남",
        "박재현",
        "노무영",
        "반기석",
        "김대호",
        "李明秀",
        "金永南",
        "盧武永",
        "潘基石",
        "金大浩",
    ] {
        let s = i.scores(q);
        for (id, score) in &s {
            let expected = matches!(
                (q, id.as_str()),
                ("이명수", "u-1")
                    | ("김영남", "u-2")
                    | ("박재현", "u-3")
                    | ("李明秀", "u-1")
                    | ("金永南", "u-2")
            );
            if !expected {
                assert!(*score < DEFAULT_THRESHOLD, "{q} → {id}: {score}; {s:?}");
            }
        }
    }
}
