//! The `cortina screen` and `compare` contract, through the real binary on the demo's sample lists.

use std::path::Path;
use std::process::{Command, Output};

fn cortina(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cortina"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn demo(dir: &Path) -> String {
    let out = cortina(&["demo", "--dir", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("data").display().to_string()
}

#[test]
fn batch_keeps_order_reports_bad_rows_and_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let data = demo(tmp.path());
    let input = tmp.path().join("in.csv");
    std::fs::write(
        &input,
        "\u{feff}ID,Name,Birth_Date,Country\n\
         r1,Hernan Dario Vargas Quintero,1971-03-14,CO\n\
         r2,Giulia Bianchi,,\n\
         r3,Artyom Kozlovskiy,1979-13-02,RU\n\
         r4,,,\n\
         r5,Linea Azul Trading,,Atlantis\n\
         r6,Khaled Mahmoud al-Faqir,,\n\
         r7,Artem Kozlovsky,1979-11-2,RU\n\
         r8,Artem Kozlovsky,1974-01-32,RU\n",
    )
    .unwrap();
    let output = tmp.path().join("out.jsonl");
    let out = cortina(&[
        "screen",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--data-dir",
        &data,
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"]);
    assert_eq!(rows[0]["matches"][0]["entity_id"], "ofac-90001");
    assert_eq!(rows[0]["matches"][0]["match"], true);
    assert!(rows[0]["snapshot"].as_str().unwrap().len() == 64);
    assert!(
        rows[0]["matches"][0]["explanation"]["tokens"]
            .as_array()
            .unwrap()
            .len()
            >= 4
    );
    assert_eq!(rows[1]["matches"].as_array().unwrap().len(), 0);
    // An optional field that cannot be read is a warning; the row is screened on the rest.
    let warning = |r: usize| rows[r]["warnings"][0].as_str().unwrap_or("").to_owned();
    assert!(rows[2].get("error").is_none(), "{}", rows[2]);
    assert!(
        warning(2).starts_with("field birth_date: \"1979-13-02\""),
        "{}",
        rows[2]
    );
    assert_eq!(rows[2]["matches"][0]["entity_id"], "ofac-90003");
    assert_eq!(rows[2]["matches"][0]["match"], true);
    assert!(rows[3]["error"].as_str().unwrap().contains("field name"));
    assert!(
        warning(4).starts_with("field country: \"Atlantis\""),
        "{}",
        rows[4]
    );
    assert_eq!(rows[4]["matches"][0]["entity_id"], "ofac-90005");
    assert_eq!(rows[5]["matches"][0]["entity_id"], "un-8800001");
    assert!(rows[5].get("warnings").is_none());
    // `1979-11-2` reads as 2 November 1979 and counts as the listed birth date.
    assert!(rows[6].get("warnings").is_none(), "{}", rows[6]);
    let features = rows[6]["matches"][0]["explanation"]["features"].to_string();
    assert!(features.contains("birth_date"), "{features}");
    assert!(rows[6]["matches"][0]["score"].as_f64() > rows[7]["matches"][0]["score"].as_f64());
    // `1974-01-32` is no date: screened by name, with the warning.
    assert!(warning(7).contains("1974-01-32"), "{}", rows[7]);
    assert_eq!(rows[7]["matches"][0]["entity_id"], "ofac-90003");
}

#[test]
fn single_name_json_and_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let data = demo(tmp.path());
    let out = cortina(&["screen", "Дмитрий Волков", "--json", "--data-dir", &data]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"][0]["entity_id"], "un-8800002");
    // A threshold above the score turns the match off but keeps the result above the cutoff.
    let out = cortina(&[
        "screen",
        "Дмитрий Волков",
        "--json",
        "--threshold",
        "0.99",
        "--cutoff",
        "0.5",
        "--data-dir",
        &data,
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"][0]["match"], false);
    let out = cortina(&["screen", "x", "--algorithm", "nope", "--data-dir", &data]);
    assert_eq!(out.status.code(), Some(2));
    let out = cortina(&[
        "screen",
        "x",
        "--data-dir",
        tmp.path().join("none").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lists import"));
}

#[test]
fn compare_scores_every_pair_with_the_ofac_algorithm_too() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("pairs.csv");
    std::fs::write(
        &input,
        "id,schema,left,right\n1,Person,Mohammed Ali,Muhammad Aly\n2,Person,John Smith,Maria Lopez\n",
    )
    .unwrap();
    for algorithm in ["cortina", "ofac"] {
        let out = cortina(&[
            "compare",
            "--input",
            input.to_str().unwrap(),
            "--output",
            "-",
            "--algorithm",
            algorithm,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["match"], true, "{algorithm}: {}", rows[0]);
        assert_eq!(rows[1]["match"], false, "{algorithm}: {}", rows[1]);
    }
}
