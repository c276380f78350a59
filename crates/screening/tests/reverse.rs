//! Screening in reverse loses nothing: for every query and every part of a snapshot, when the
//! search puts any entity of the part in its results (at the lowest cutoff, without a limit),
//! one of the query's keys is reached by the part. Checked on generated names — people on no
//! list, list names and their variants (initials, a letter changed, surname first, a name
//! dropped, other scripts: Arabic, Cyrillic, Han, Hangul) — against several parts of a fixture
//! in several scripts, and of the shared SDN list when it is there.

mod common;

use std::sync::Arc;

use screening::{Index, Params, Query, query_keys};
use watchlist::model::{IdKind, Identifier};
use watchlist::{Entity, NameKind, Schema};

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Checks every query against the part; returns (queries with a result, queries not reached).
fn check(part: &Index, queries: &[Query]) -> (usize, usize) {
    let params = Params {
        threshold: 0.0,
        cutoff: 0.0,
        limit: usize::MAX,
        ..Params::default()
    };
    let (mut found, mut unreached) = (0, 0);
    for query in queries {
        let reached = query_keys(query).iter().any(|k| part.reaches(k));
        let results = part.search(query, &params);
        if !results.is_empty() {
            found += 1;
            assert!(
                reached,
                "{:?} (ids {:?}) finds {:?} but none of its keys {:?} is reached",
                query.names,
                query.id_numbers,
                results.iter().map(|m| &m.entity.id).collect::<Vec<_>>(),
                query_keys(query)
            );
        }
        if !reached {
            unreached += 1;
        }
    }
    (found, unreached)
}

/// Variants of a list name as people write them on a form.
fn variants(name: &str, rng: &mut Rng) -> Vec<String> {
    let name = match name.split_once(", ") {
        Some((last, first)) => format!("{first} {last}"),
        None => name.to_owned(),
    };
    let words: Vec<&str> = name.split_whitespace().collect();
    let mut out = vec![name.clone()];
    if words.len() > 1 {
        let last = words[words.len() - 1];
        // Surname first.
        out.push(format!("{last} {}", words[..words.len() - 1].join(" ")));
        // Initials for the given names.
        let initials: Vec<String> = words[..words.len() - 1]
            .iter()
            .filter_map(|w| w.chars().next().map(|c| format!("{c}.")))
            .collect();
        out.push(format!("{} {last}", initials.join(" ")));
        // The first given name and the surname only.
        out.push(format!("{} {last}", words[0]));
        // Two words run together.
        out.push(format!("{}{}", words[0], words[1..].join(" ")));
    }
    // One letter changed, one dropped, one doubled.
    let chars: Vec<char> = name.chars().collect();
    if chars.len() > 3 {
        let i = 1 + rng.below(chars.len() - 2);
        let mut c = chars.clone();
        c[i] = if c[i] == 'e' { 'a' } else { 'e' };
        out.push(c.iter().collect());
        let mut c = chars.clone();
        c.remove(i);
        out.push(c.iter().collect());
        let mut c = chars.clone();
        c.insert(i, chars[i]);
        out.push(c.iter().collect());
    }
    out
}

/// Names of people on no list, and names in other scripts.
const OTHERS: [&str; 46] = [
    "Giulia Bianchi",
    "Marco Rossi",
    "Emma Johnson",
    "Liam O'Connor",
    "Sofia Martinez Garcia",
    "Noah Schmidt",
    "Chen Wei",
    "Olga Petrova",
    "Jean-Pierre Dubois",
    "Anna Maria Lindqvist",
    "محمد علي",
    "عبد الرشيد يوسف",
    "حسن هامبتون",
    "يوسف عبد الكريم الرشيدي",
    "عبدالرحمن محمود",
    "Иванов Александр",
    "Александр Петрович Иванов",
    "Козловский Артём Викторович",
    "Ольга Смирнова",
    "Хасан Али",
    "山田太郎",
    "田中花子",
    "金正恩",
    "山田 花子",
    "王小明",
    "李雪梅",
    "佐藤健一",
    "김정은",
    "박근혜",
    "이민호",
    "성무현",
    "盧武鉉",
    "Yamada Hanako",
    "Abdul Rahman Mahmoud",
    "Abdulwadud Yousef",
    "Mohamed Abdalla Hasan",
    "Bob Smith",
    "Kim Jong-un",
    "Nguyễn Văn Đức",
    "Κωνσταντίνος Παπαδόπουλος",
    "Jpse Jivenal Velandia",
    "X Æ A-12",
    "Abdul Karim",
    "Nour Eddine",
    "عبد الرحمن",
    "نور الدين",
];

fn fixture() -> Vec<Entity> {
    let names: [(&str, &str, Option<&str>, Option<&str>); 31] = [
        ("x-1", "VELANDIA, Jose Juvenal", None, Some("C123456")),
        (
            "x-2",
            "AL-RASHIDI, Yusuf Abd al-Karim",
            Some("Abu Yusuf"),
            None,
        ),
        ("x-3", "Mohammed Abdullah Hassan", None, None),
        ("x-4", "KOZLOVSKY, Artem Viktorovich", None, None),
        ("x-5", "Aleksandr Petrovich Ivanov", Some("Sasha"), None),
        ("x-6", "Hassan Ali Mahmoud", None, None),
        ("x-7", "Muhammad Yusuf", None, None),
        ("x-8", "حسن هامبتون", None, None),
        ("x-9", "عبد الودود يوسف", None, None),
        ("x-10", "YAMADA, Taro", None, None),
        ("x-11", "KIM Jong Un", None, None),
        ("x-12", "TANAKA Hanako", None, None),
        ("x-13", "山田花子", None, None),
        ("x-14", "Abdulrahman Mahmoud", None, None),
        ("x-15", "Robert SMITH", Some("Bobby the Knife"), None),
        ("x-16", "Olga Ivanovna SMIRNOVA", None, Some("770012345")),
        ("x-17", "PARK Geun-hye", None, None),
        ("x-18", "Wang Xiaoming", None, None),
        ("x-19", "LI Xuemei", None, None),
        ("x-20", "SATO Kenichi", None, None),
        ("x-21", "Иван Сергеевич Козлов", None, None),
        ("x-22", "Abu Bakr AL-BAGHDADI", Some("Abu Du'a"), None),
        ("x-23", "Giulio Bianco", None, None),
        ("x-24", "NGUYEN Van Duc", None, None),
        ("x-25", "Konstantinos PAPADOPOULOS", None, None),
        ("x-26", "Jean DUBOIS", Some("Le Loup"), None),
        ("x-27", "ABDULKARIM, Noureddine", None, None),
        ("x-28", "ABDURAHMAN", None, None),
        ("x-29", "NURUDDIN", None, None),
        // Korean names in spellings of which the Revised and popular ones give no part.
        ("x-30", "SUNG Moo-hyun", None, None),
        ("x-31", "ROH Moo-hyun", None, None),
    ];
    names
        .iter()
        .map(|(id, n, weak, number)| {
            let mut e = Entity::new(*id, Schema::Person, "test");
            e.add_name(n, NameKind::Primary);
            if let Some(w) = weak {
                e.add_name(w, NameKind::Weak);
            }
            if let Some(number) = number {
                e.identifiers.push(Identifier {
                    kind: IdKind::Passport,
                    number: (*number).to_owned(),
                    country: None,
                });
            }
            e
        })
        .collect()
}

/// The population: the others, and variants of every list name (with a weak alias and an
/// identifier now and then).
fn population(entities: &[Entity], rng: &mut Rng) -> Vec<Query> {
    let mut out: Vec<Query> = OTHERS.iter().map(|n| Query::name(*n)).collect();
    for e in entities {
        for name in &e.names {
            for v in variants(&name.full, rng) {
                out.push(Query::name(v));
            }
        }
        for id in &e.identifiers {
            let mut q = Query::name(OTHERS[rng.below(OTHERS.len())]);
            q.id_numbers.push(id.number.to_lowercase());
            out.push(q);
        }
    }
    // Two names at once (an applicant's name and its original script).
    for i in 0..40 {
        let a = &out[rng.below(out.len())].names[0];
        let b = OTHERS[i % OTHERS.len()];
        out.push(Query {
            names: vec![a.clone(), b.to_owned()],
            ..Query::default()
        });
    }
    out
}

/// Parts of `whole`: every entity alone, and random thirds.
fn parts(whole: &Arc<Index>, rng: &mut Rng) -> Vec<Index> {
    let ids: Vec<String> = whole.entities().iter().map(|e| e.id.clone()).collect();
    let mut out: Vec<Index> = ids
        .iter()
        .map(|id| Index::subset(whole, |e| &e.id == id))
        .collect();
    for _ in 0..6 {
        let keep: Vec<bool> = ids.iter().map(|_| rng.below(3) == 0).collect();
        out.push(Index::subset(whole, |e| {
            ids.iter().position(|i| i == &e.id).is_some_and(|p| keep[p])
        }));
    }
    out
}

#[test]
fn every_query_the_search_reaches_carries_a_reached_key() {
    let mut rng = Rng(0x5eed_cafe);
    let whole = Arc::new(Index::build(fixture()));
    let queries = population(whole.entities(), &mut rng);
    let (mut found, mut unreached) = (0, 0);
    for part in parts(&whole, &mut rng) {
        let (f, u) = check(&part, &queries);
        found += f;
        unreached += u;
    }
    // The check compared something, and the keys do leave queries out (else they would be
    // useless: everyone a candidate).
    assert!(found > 200, "{found} queries with results");
    assert!(
        unreached > found,
        "{unreached} queries not reached, {found} found"
    );
    // And the whole index too.
    check(&whole, &queries);
}

#[test]
fn keys_survive_encoding() {
    for name in OTHERS {
        for key in query_keys(&Query::name(name)) {
            assert_eq!(screening::Key::decode(&key.encode()), Some(key));
        }
    }
    assert!(screening::Key::decode("q:nothing").is_none());
}

#[test]
fn every_query_the_search_reaches_carries_a_reached_key_on_the_sdn_list() {
    let Some(d) = common::shared() else {
        eprintln!("shared data not found: skipped the SDN comparison");
        return;
    };
    let mut rng = Rng(0x0dd_ba11);
    let whole = Arc::new(Index::build(common::sdn_entities(&d)));
    // The evaluation queries (variants of listed names in many forms) and Han names of the
    // negatives, every 40th; variants of listed names of their own.
    let mut queries: Vec<Query> = Vec::new();
    let mut reader = csv::Reader::from_path(d.join("eval/sdn_queries.csv")).unwrap();
    for (i, r) in reader.records().enumerate() {
        if i % 40 == 0 {
            queries.push(Query::name(r.unwrap().get(0).unwrap_or("")));
        }
    }
    let mut reader = csv::Reader::from_path(d.join("eval/negatives_us.csv")).unwrap();
    for (i, r) in reader.records().enumerate() {
        if i % 40 == 0 {
            queries.push(Query::name(r.unwrap().get(0).unwrap_or("")));
        }
    }
    let entities = whole.entities();
    let mut picked = Vec::new();
    for _ in 0..150 {
        let i = rng.below(entities.len());
        let e = &entities[i];
        if e.schema == Schema::Person {
            picked.push(i);
            for v in variants(&e.names[0].full, &mut rng) {
                queries.push(Query::name(v));
            }
        }
    }
    // Parts of about 500 entities, as a list change is; the first also holds the entities the
    // variants were made from, so that it has hits to find.
    let (mut found, mut unreached) = (0, 0);
    let step = entities.len() / 500;
    for round in 0..3 {
        let part = Index::subset(&whole, |e| {
            entities
                .binary_search_by(|x| x.id.cmp(&e.id))
                .is_ok_and(|i| i % step == round || (round == 0 && picked.contains(&i)))
        });
        let (f, u) = check(&part, &queries);
        found += f;
        unreached += u;
    }
    assert!(
        found > 0 && unreached > 0,
        "{found} found, {unreached} not reached"
    );
}
