//! `import`, `stats`, `get`, `export`, `related`, and what bad input does.

use crate::support::*;

#[test]
fn import_then_query() {
    let env = Env::new();
    let f = env.write("b.json", &bundle(5, "x"));
    let out = env.run(&["import", f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rep: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(rep["added"], 6);
    assert_eq!(rep["committed"], true);
    let st = env.stats();
    assert_eq!(st["objects"], 6);
    assert_eq!(st["objects_by_type"]["indicator"], 5);

    // Re-import is idempotent.
    let out = env.run(&["import", f.to_str().unwrap(), "--format", "json"]);
    let rep: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        (rep["added"].as_u64(), rep["unchanged"].as_u64()),
        (Some(0), Some(6))
    );

    let out = env.run(&[
        "get",
        "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0);
    let o: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(o["name"], "ACME");
    let out = env.run(&["get", "identity--00000000-0000-4000-8000-000000000000"]);
    assert_eq!(code(&out), 1);

    let out = env.run(&[
        "related",
        "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "--format",
        "json",
    ]);
    let edges: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        edges.len(),
        5,
        "five indicators were created by the identity"
    );
    assert!(edges
        .iter()
        .all(|e| e["label"] == "created_by_ref" && e["direction"] == "incoming"));

    // Export → import into a new store gives the same objects.
    let exported = env.dir.join("out.json");
    let out = env.run(&["export", "--out", exported.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let env2 = Env::new();
    let out = env2.run(&["import", exported.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(env2.stats()["objects"], 6);
}

/// Every kind of bad input: a clear message, a non-zero exit, the store unchanged.
#[test]
fn bad_input_leaves_store_unchanged() {
    let env = Env::new();
    let good = env.write("good.json", &bundle(3, "good"));
    assert_eq!(code(&env.run(&["import", good.to_str().unwrap()])), 0);
    let before = env.stats();

    let valid_obj = r#"{"type":"malware","spec_version":"2.1","id":"malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2016-05-12T08:17:27.000Z","modified":"2016-05-12T08:17:27.000Z","name":"Cryptolocker","is_family":false}"#;
    let deep = format!(
        r#"{{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{valid_obj},{{"type":"x","id":"x-a--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","v":{}{}}}]}}"#,
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let changed_dup = bundle(3, "good").replace("\"good 1\"", "\"changed\"");
    let cases: Vec<(&str, String, &str)> = vec![
        ("not-json.json", "this is not json".into(), "not JSON"),
        (
            "truncated.json",
            bundle(3, "t")[..200].to_string(),
            "truncated",
        ),
        ("array.json", format!("[{valid_obj}]"), "JSON array"),
        ("not-bundle.json", valid_obj.into(), "expected \"bundle\""),
        (
            "spec20.json",
            format!(
                r#"{{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","spec_version":"2.0","objects":[{valid_obj}]}}"#
            ),
            "STIX 2.0 bundle",
        ),
        (
            "wrong-spec.json",
            format!(
                r#"{{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{}]}}"#,
                valid_obj.replace("\"2.1\"", "\"2.2\"")
            ),
            "'spec_version' must be '2.1'",
        ),
        (
            "dup.json",
            changed_dup,
            "already stored with different content",
        ),
        ("deep.json", deep, "nested deeper than"),
        (
            "bad-object.json",
            format!(
                r#"{{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{valid_obj},{{"type":"malware","id":"nope"}}]}}"#
            ),
            "no '--'",
        ),
    ];
    for (name, text, want) in cases {
        let f = env.write(name, &text);
        let out = env.run(&["import", f.to_str().unwrap()]);
        assert_eq!(code(&out), 1, "{name}: exit code; stderr: {}", stderr(&out));
        assert!(
            stderr(&out).contains(want),
            "{name}: stderr {:?} lacks {want:?}",
            stderr(&out)
        );
        assert_eq!(env.stats(), before, "{name}: store changed");
    }
    // Errors name the file, line and column.
    let f = env.dir.join("bad-object.json");
    let err = stderr(&env.run(&["import", f.to_str().unwrap()]));
    assert!(err.contains("bad-object.json:1:"), "{err}");
}

#[test]
fn huge_string_is_rejected_without_loading_it() {
    let env = Env::new();
    let f = env.dir.join("huge.json");
    {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&f).unwrap());
        write!(w, r#"{{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{{"type":"note","id":"note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","content":""#).unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..200 {
            w.write_all(&chunk).unwrap();
        }
        write!(w, r#""}}]}}"#).unwrap();
    }
    let out = env.run(&["import", f.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("larger than the limit"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.stats()["objects"], 0);
}

#[test]
fn keep_going_stores_the_valid_objects() {
    let env = Env::new();
    let text = bundle(4, "k").replacen(
        "\"2020-01-01T00:00:00.000Z\"",
        "\"2020-13-01T00:00:00.000Z\"",
        1,
    );
    let f = env.write("mixed.json", &text);
    let out = env.run(&["import", f.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        env.stats()["objects"],
        0,
        "without --keep-going nothing is stored"
    );
    let out = env.run(&[
        "import",
        "--keep-going",
        "--format",
        "json",
        f.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1, "some objects were rejected");
    let rep: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(rep["rejected"].as_array().unwrap().len(), 1);
    assert_eq!(rep["rejected"][0]["code"], "E007");
    assert!(rep["rejected"][0]["line"].as_u64().unwrap() > 1);
    assert_eq!(env.stats()["objects"], 4);
}

#[test]
fn real_bundles_import() {
    let Some(data) = shared_data() else { return };
    let env = Env::new();
    let ics = data.join("attack/ics-attack.json");
    let out = env.run(&["import", ics.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let st = env.stats();
    assert_eq!(st["objects_by_type"]["intrusion-set"], 16);
    assert_eq!(st["objects_by_type"]["relationship"], 1373);
    assert_eq!(st["objects"], 1826);
    // Lazarus Group (G0032) uses techniques: relationship traversal over real data.
    let out = env.run(&[
        "related",
        "intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a",
        "--type",
        "uses",
        "--direction",
        "outgoing",
        "--format",
        "json",
    ]);
    let edges: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    // Counted independently in the bundle: 2 `uses` relationships from G0032.
    assert_eq!(edges.len(), 2, "{edges:?}");
    assert!(edges.iter().all(|e| e["label"] == "uses"));
}
