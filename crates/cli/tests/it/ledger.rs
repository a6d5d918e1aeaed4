//! The loss ledger end to end: the DPRK pack, its figures, claims and merges.

use serde_json::Value;

use crate::support::*;

fn json(out: &std::process::Output) -> Value {
    assert_eq!(code(out), 0, "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn pack_env() -> Env {
    let env = Env::new();
    let out = env.run(&["init", "--pack", "dprk", "--format", "json"]);
    let r = json(&out);
    assert!(r["added"].as_u64().unwrap() > 900);
    // Idempotent: loading the pack again adds nothing.
    let r = json(&env.run(&["init", "--pack", "dprk", "--format", "json"]));
    assert_eq!(r["added"], 0);
    env
}

#[test]
fn un_2019_summary_matches_the_annex() {
    let env = pack_env();
    let s = json(&env.run(&[
        "ledger",
        "summary",
        "--source",
        "S/2019/691",
        "--format",
        "json",
    ]));
    assert_eq!(s["incidents"], 36);
    assert_eq!(s["attempted_usd"], 1938500000u64);
    assert_eq!(s["stolen_usd"], 270659000u64);
    assert_eq!(s["country_count"], 23);
    assert_eq!(s["by_target_type"]["bank"]["stolen_usd"], 106500000u64);
    assert!(s["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["description"].as_str().unwrap().contains("Poland")));
    let text = env.run(&["ledger", "summary", "--source", "S/2019/691"]);
    golden("ledger-summary-un19.txt", &stdout(&text));
}

#[test]
fn compare_every_year_2017_2025() {
    let env = pack_env();
    let rows = json(&env.run(&[
        "ledger", "compare", "--from", "2017", "--to", "2025", "--format", "json",
    ]));
    let years = rows.as_array().unwrap();
    assert_eq!(years.len(), 9);
    for y in years {
        assert!(
            !y["rows"].as_array().unwrap().is_empty(),
            "a published figure for {}",
            y["year"]
        );
    }
    golden(
        "ledger-compare-2017-2025.txt",
        &stdout(&env.run(&["ledger", "compare", "--from", "2017", "--to", "2025"])),
    );
}

#[test]
fn incidents_csv_and_show() {
    let env = pack_env();
    let out = env.run(&["ledger", "incidents", "--country", "KR", "--csv"]);
    assert_eq!(code(&out), 0);
    let csv = stdout(&out);
    assert!(csv.starts_with("id,date,victim"));
    assert!(csv.lines().count() > 10 && csv.lines().skip(1).all(|l| l.contains("KR")));
    let d = json(&env.run(&[
        "ledger",
        "show",
        "2016-02-bangladesh-bank",
        "--format",
        "json",
    ]));
    assert_eq!(
        d["incident"]["amounts"].as_array().unwrap().len(),
        2,
        "annex attempt and US theft side by side"
    );
    assert_eq!(code(&env.run(&["ledger", "show", "no-such-incident"])), 1);
}

#[test]
fn merge_then_unmerge_restores_the_figures() {
    let env = pack_env();
    let before = json(&env.run(&["ledger", "summary", "--format", "json"]));
    let out = env.run(&[
        "ledger",
        "merge",
        "2017-kr-exchanges-spear-phishing",
        "2017-09-coinis",
        "--reason",
        "annex row B7 overlaps B6",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let merged = json(&env.run(&["ledger", "summary", "--format", "json"]));
    assert_eq!(
        merged["incidents"].as_u64().unwrap(),
        before["incidents"].as_u64().unwrap() - 1
    );
    let shown = json(&env.run(&["ledger", "show", "2017-09-coinis", "--format", "json"]));
    assert_eq!(shown["merged"][0], "2017-kr-exchanges-spear-phishing");
    assert_eq!(
        code(&env.run(&["ledger", "unmerge", "2017-kr-exchanges-spear-phishing"])),
        0
    );
    let after = json(&env.run(&["ledger", "summary", "--format", "json"]));
    assert_eq!(after["incidents"], before["incidents"]);
    assert_eq!(after["stolen_usd"], before["stolen_usd"]);
}

/// The seed article's three figures, as the extractor records them (notes with the
/// ledger-figure extension referring to the report), checked against S/2019/691.
#[test]
fn seed_article_claims() {
    let env = pack_env();
    let report = "report--6f3b1e9a-2c4d-4e5f-8a6b-7c8d9e0f1a2b";
    let fig = ledger::stixmap::FIGURE_EXT;
    let note = |n: u32, kind: &str, extra: Value| {
        let mut ext = serde_json::json!({"extension_type": "property-extension", "kind": kind});
        for (k, v) in extra.as_object().unwrap() {
            ext[k] = v.clone();
        }
        serde_json::json!({"type": "note", "spec_version": "2.1", "id": format!("note--00000000-0000-4000-8000-00000000000{n}"),
            "created": "2019-08-06T00:00:00.000Z", "modified": "2019-08-06T00:00:00.000Z",
            "content": ext["text"], "object_refs": [report], "extensions": {fig: ext}})
    };
    let bundle = serde_json::json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
        {"type": "report", "spec_version": "2.1", "id": report, "created": "2019-08-06T00:00:00.000Z", "modified": "2019-08-06T00:00:00.000Z",
         "name": "Report: North Korea funded WMD programs with $2B stolen via cyberattacks", "published": "2019-08-06T00:00:00Z",
         "description": "Citing the confidential UN report S/2019/691.", "object_refs": ["note--00000000-0000-4000-8000-000000000001"]},
        note(1, "money", serde_json::json!({"value": "2000000000", "currency": "USD", "usd": "2000000000", "qualifier": "up-to", "text": "up to two billion US dollars"})),
        note(2, "count", serde_json::json!({"value": "35", "unit": "instances", "qualifier": "at-least", "text": "at least 35 instances"})),
        note(3, "count", serde_json::json!({"value": "17", "unit": "countries", "text": "17 countries"})),
    ]});
    let f = env.write("seed.json", &bundle.to_string());
    assert_eq!(code(&env.run(&["import", f.to_str().unwrap()])), 0);
    let r = json(&env.run(&["ledger", "claims", report, "--format", "json"]));
    let verdicts: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["holds", "holds", "does-not-hold"], "{r}");
    assert_eq!(
        r["filter"]["sources"][0], "S/2019/691",
        "the report's cited document is the scope"
    );
}
