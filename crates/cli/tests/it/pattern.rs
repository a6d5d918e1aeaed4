//! `pattern check`, `pattern match` and `match` (sightings), end to end.

use crate::support::*;

fn observed_bundle() -> String {
    serde_json::json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56e", "objects": [
        {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "10.0.0.7"},
        {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5", "value": "evil.example",
            "resolves_to_refs": ["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]},
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
            "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
            "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:00Z", "number_observed": 2,
            "object_refs": ["domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5", "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]}
    ]})
    .to_string()
}

#[test]
fn pattern_check_exit_codes_and_json() {
    let env = Env::new();
    let out = env.run(&["pattern", "check", "[ipv4-addr:value = '198.51.100.1']"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("valid"));
    let out = env.run(&["pattern", "check", "--format", "json", "[file:name = 'a'"]);
    assert_eq!(code(&out), 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"][0]["offset"], 16);
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("expected ']'"));
    let out = env.run(&["pattern", "check", "[file:name = 'a' AND file:size >]"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("^"),
        "caret under the error: {}",
        stdout(&out)
    );
}

#[test]
fn pattern_match_exit_codes_and_json() {
    let env = Env::new();
    let f = env.write("obs.json", &observed_bundle());
    let f = f.to_str().unwrap();
    let out = env.run(&[
        "pattern",
        "match",
        "--format",
        "json",
        "[domain-name:resolves_to_refs[*].value ISSUBSET '10.0.0.0/8']",
        f,
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matched"], true);
    assert_eq!(
        v["observed_data_refs"][0],
        "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"
    );
    // number_observed 2: two observations, not three.
    let out = env.run(&[
        "pattern",
        "match",
        "[domain-name:value = 'evil.example'] REPEATS 3 TIMES",
        f,
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let out = env.run(&["pattern", "match", "[domain-name:value = ", f]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("invalid pattern"), "{}", stderr(&out));
    let out = env.run(&["pattern", "match", "[x:y = 1]", "/nonexistent/file.json"]);
    assert_eq!(code(&out), 2);
    // A JSON array of bundles is accepted too.
    let arr = env.write("arr.json", &format!("[{}]", observed_bundle()));
    let out = env.run(&[
        "pattern",
        "match",
        "[ipv4-addr:value = '10.0.0.7']",
        arr.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn match_writes_sightings_from_logs_and_bundles() {
    let env = Env::new();
    let inds = env.write("ind.json", &bundle(3, "feed"));
    // bundle(3) makes indicators for 10.0.0.0, 10.0.0.1, 10.0.0.2.
    let log = env.write(
        "conn.csv",
        "timestamp,src_ip,dst_ip,dst_port,protocol\n\
         2024-05-01T10:00:00Z,192.0.2.10,10.0.0.1,443,tcp\n\
         2024-05-01T10:01:00Z,192.0.2.10,10.0.0.1,443,tcp\n\
         2024-05-01T10:02:00Z,192.0.2.10,10.9.9.9,443,tcp\n\
         not-a-time,192.0.2.10,10.0.0.2,443,tcp\n",
    );
    let out = env.run(&[
        "match",
        "--indicators",
        inds.to_str().unwrap(),
        "--observed",
        log.to_str().unwrap(),
        "--sighted-by",
        "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "--now",
        "2024-06-01T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("record 4"), "{}", stderr(&out));
    let b: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let objs = b["objects"].as_array().unwrap();
    let sightings: Vec<&serde_json::Value> =
        objs.iter().filter(|o| o["type"] == "sighting").collect();
    assert_eq!(sightings.len(), 1);
    let s = sightings[0];
    assert_eq!(s["count"], 2);
    assert_eq!(s["first_seen"], "2024-05-01T10:00:00Z");
    assert_eq!(s["last_seen"], "2024-05-01T10:01:00Z");
    assert_eq!(
        s["where_sighted_refs"][0],
        "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"
    );
    // The cited observed-data are in the bundle, so the references resolve.
    for r in s["observed_data_refs"].as_array().unwrap() {
        assert!(objs.iter().any(|o| &o["id"] == r), "{r} missing");
    }
    // Same input, same output (deterministic ids).
    let again = env.run(&[
        "match",
        "--indicators",
        inds.to_str().unwrap(),
        "--observed",
        log.to_str().unwrap(),
        "--sighted-by",
        "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "--now",
        "2024-06-01T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(again.stdout, out.stdout);

    // Indicators from the store, observations from a STIX bundle, sightings saved.
    assert_eq!(code(&env.run(&["import", inds.to_str().unwrap()])), 0);
    let obs = env.write(
        "obs.json",
        &observed_bundle().replace("10.0.0.7", "10.0.0.2"),
    );
    let out = env.run(&[
        "match",
        "--indicators",
        "store",
        "--observed",
        obs.to_str().unwrap(),
        "--save",
        "--now",
        "2024-06-01T00:00:00Z",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("count=2"), "{}", stdout(&out));
    assert_eq!(env.stats()["objects_by_type"]["sighting"], 1);

    // Nothing matches: exit 1.
    let quiet = env.write(
        "quiet.jsonl",
        "{\"timestamp\": 1714557600, \"query\": \"benign.example\"}\n",
    );
    let out = env.run(&[
        "match",
        "--indicators",
        inds.to_str().unwrap(),
        "--observed",
        quiet.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}
