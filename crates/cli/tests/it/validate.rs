//! `validate`: exit codes, the JSON shape, compiler-style text.

use crate::support::*;

#[test]
fn valid_and_invalid_files() {
    let env = Env::new();
    let good = env.write("good.json", &bundle(3, "good"));
    let bad = env.write(
        "bad.json",
        &bundle(1, "bad").replace(
            "\"created\": \"2020-01-01T00:00:00.000Z\"",
            "\"created\": \"2020-01-01T00:00:00Z\"",
        ),
    );
    let out = env.run(&["validate", good.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("good.json: valid — 4 objects, 0 errors"),
        "{}",
        stdout(&out)
    );

    let out = env.run(&[
        "validate",
        "--format",
        "json",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1, "one invalid file makes the exit code 1");
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "one JSON object per file");
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[0]["objects"], 4);
    let keys: Vec<&str> = lines[1]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["file", "valid", "objects", "errors", "warnings"]);
    assert_eq!(lines[1]["valid"], false);
    let e = &lines[1]["errors"][0];
    let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["code", "message", "id", "path", "line", "column"]);
    assert_eq!(e["code"], "E008");
    assert_eq!(e["path"], "objects[1].created");
    assert!(e["line"].as_u64().unwrap() > 1 && e["column"].as_u64().unwrap() > 1);

    let out = env.run(&["validate", bad.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l.contains("bad.json:")
            && l.contains(": error[E008]: 'created' must be precise to the millisecond")),
        "{text}"
    );
}

#[test]
fn unreadable_input_and_usage() {
    let env = Env::new();
    let not_json = env.write("x.json", "this is not json");
    let truncated = env.write("t.json", "{\"type\": \"bundle\", \"objects\": [{\"type\":");
    for f in [&not_json, &truncated] {
        let out = env.run(&["validate", "--format", "json", f.to_str().unwrap()]);
        assert_eq!(code(&out), 1, "{}", stdout(&out));
        let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(
            (v["valid"].as_bool(), v["errors"][0]["code"].as_str()),
            (Some(false), Some("E001"))
        );
    }
    let out = env.run(&["validate", env.dir.join("missing.json").to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("missing.json"), "{}", stderr(&out));
    let out = env.run(&["validate"]);
    assert_eq!(code(&out), 2, "no file is a usage error");
}

#[test]
fn single_object_documents_and_disabled_checks() {
    let env = Env::new();
    let obj = env.write(
        "one.json",
        r#"{"type": "tool", "spec_version": "2.1", "id": "tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z", "name": "x", "x_acme": 1}"#,
    );
    let out = env.run(&["validate", "--format", "json", obj.to_str().unwrap()]);
    assert_eq!(code(&out), 0);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["warnings"][0]["code"], "W401");
    let out = env.run(&[
        "validate",
        "--format",
        "json",
        "--disable",
        "401",
        obj.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        v["warnings"][0]["code"], "W101",
        "disabling 401 turns on 101, as in stix2-validator"
    );
}

#[test]
fn indicator_patterns_are_checked() {
    let env = Env::new();
    let good = bundle(1, "p");
    let bad = good.replace(
        "[ipv4-addr:value = '10.0.0.0']",
        "[ipv4-addr:value = '10.0.0.0'",
    );
    assert_ne!(good, bad);
    let f = env.write("p.json", &bad);
    let out = env.run(&["validate", "--format", "json", f.to_str().unwrap()]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["errors"][0]["code"], "E033");
    assert_eq!(v["errors"][0]["path"], "objects[1].pattern");
    let f = env.write("ok.json", &good);
    assert_eq!(code(&env.run(&["validate", f.to_str().unwrap()])), 0);
}

#[test]
fn attack_bundle_is_valid() {
    let Some(data) = shared_data() else { return };
    let env = Env::new();
    let f = data.join("attack/ics-attack.json");
    let out = env.run(&[
        "validate",
        "--format",
        "json",
        "--disable",
        "302,401",
        f.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["objects"], 1826);
    let codes: std::collections::BTreeSet<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        ["W202"],
        "ATT&CK's custom relationship types remain"
    );
}
