//! Validator tests: one `check` helper for single objects (expected codes and
//! paths), and golden files `testdata/validate/*.json` → `*.out` (rendered
//! diagnostics; regenerate with `UPDATE_EXPECT=1`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;

/// Validates one object; compares `CODE path` of every diagnostic, in order.
#[track_caller]
fn check(object: &str, expect: &[&str]) {
    check_with(object, &Options::default(), expect)
}

#[track_caller]
fn check_with(object: &str, opts: &Options<'_>, expect: &[&str]) {
    let v: Value = serde_json::from_str(object).expect("test input is JSON");
    let got: Vec<String> = validate_value(&v, opts)
        .into_iter()
        .map(|d| {
            assert!(
                !d.message.ends_with('.')
                    && d.message.chars().next().is_some_and(|c| !c.is_uppercase()),
                "message style: {:?}",
                d.message
            );
            format!("{} {}", d.code, d.path)
        })
        .collect();
    assert_eq!(got, expect, "for {object}");
}

const ID: &str = "identity--6b1f3f0e-8a1c-4b8e-9a5e-2f7c1d0e9b11";

fn sdo(ty: &str, extra: &str) -> String {
    format!(
        r#"{{"type":"{ty}","spec_version":"2.1","id":"{ty}--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-03-01T10:00:00.000Z","modified":"2024-03-01T10:00:00.000Z"{extra}}}"#
    )
}

#[test]
fn required_properties_and_types() {
    check(&sdo("malware", r#","is_family":false"#), &[]);
    check(&sdo("malware", ""), &["E002 is_family"]);
    check(&sdo("malware", r#","is_family":true"#), &["E018 name"]);
    check(&sdo("tool", r#","name":42"#), &["E003 name"]);
    check(&sdo("tool", r#","name":"x","labels":[]"#), &["E011 labels"]);
    check(
        &sdo("tool", r#","name":"x","revoked":"no""#),
        &["E003 revoked"],
    );
    check(&sdo("tool", r#","name":null"#), &["E003 name"]);
    check(
        r#"{"type":"tool"}"#,
        &[
            "E002 id",
            "E016 spec_version",
            "E002 created",
            "E002 modified",
            "E002 name",
        ],
    );
    check(r#"[1, 2]"#, &["E001 "]);
    check(
        r#"{"id":"tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#,
        &["E002 type"],
    );
}

#[test]
fn ids_types_and_spec_version() {
    let ok = sdo("tool", r#","name":"x""#);
    check(&ok.replace("4cbf", "0cbf"), &["E005 id", "W103 id"]);
    check(
        &ok.replace("\"id\":\"tool--", "\"id\":\"malware--"),
        &["E006 id"],
    );
    check(
        &ok.replace("\"type\":\"tool\"", "\"type\":\"Tool\""),
        &["E004 type", "E006 id", "W401 type"],
    );
    check(&ok.replace("\"2.1\"", "\"2.0\""), &["E016 spec_version"]);
    check(&sdo("action", ""), &["E015 type"]);
}

#[test]
fn timestamps() {
    check(
        &sdo("tool", r#","name":"x""#)
            .replace("10:00:00.000Z\",\"modified", "10:00:00Z\",\"modified"),
        &["E008 created"],
    );
    check(
        &sdo("tool", r#","name":"x""#)
            .replace("\"modified\":\"2024-03-01", "\"modified\":\"2024-02-30"),
        &["E007 modified"],
    );
    check(
        &sdo(
            "campaign",
            r#","name":"x","first_seen":"2024-01-02T00:00:00Z","last_seen":"2024-01-01T00:00:00Z""#,
        ),
        &["E009 last_seen"],
    );
    check(
        &sdo(
            "indicator",
            r#","pattern":"[x:y = 1]","pattern_type":"pcre","valid_from":"2024-01-01T00:00:00Z","valid_until":"2024-01-01T00:00:00Z","name":"n","description":"d""#,
        ),
        &["E009 valid_until"],
    );
    check(
        &sdo("tool", r#","name":"x""#).replace(
            "\"modified\":\"2024-03-01T10:00:00.000Z\"",
            "\"modified\":\"2024-01-01T00:00:00.000Z\"",
        ),
        &["E009 modified"],
    );
    check(
        &sdo(
            "report",
            r#","name":"r","published":"2024-13-01T00:00:00Z","object_refs":["tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]"#,
        ),
        &["E007 published"],
    );
}

#[test]
fn references() {
    check(
        &sdo("tool", &format!(r#","name":"x","created_by_ref":"{ID}""#)),
        &[],
    );
    check(
        &sdo(
            "tool",
            r#","name":"x","created_by_ref":"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f""#,
        ),
        &["E010 created_by_ref"],
    );
    check(
        &sdo(
            "tool",
            &format!(r#","name":"x","object_marking_refs":["{ID}"]"#),
        ),
        &["E010 object_marking_refs[0]"],
    );
    check(
        &sdo(
            "relationship",
            r#","relationship_type":"uses","source_ref":"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","target_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da""#,
        ),
        &["E010 target_ref"],
    );
    check(
        &sdo(
            "sighting",
            r#","sighting_of_ref":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","where_sighted_refs":["malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]"#,
        ),
        &["E010 sighting_of_ref", "E010 where_sighted_refs[0]"],
    );
    check(
        &sdo("note", r#","content":"c","object_refs":["not-an-id"]"#),
        &["E005 object_refs[0]"],
    );
}

#[test]
fn numbers_and_enumerations() {
    check(
        &sdo("tool", r#","name":"x","confidence":101"#),
        &["E013 confidence"],
    );
    check(&sdo("tool", r#","name":"x","confidence":50.0"#), &[]);
    check(
        &sdo("tool", r#","name":"x","confidence":"50""#),
        &["E003 confidence"],
    );
    check(
        &sdo(
            "opinion",
            r#","opinion":"maybe","object_refs":["tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]"#,
        ),
        &["E012 opinion"],
    );
    check(
        &sdo("location", r#","latitude":91,"longitude":0"#),
        &["E013 latitude"],
    );
}

#[test]
fn location_rules() {
    check(&sdo("location", r#","country":"KP""#), &[]);
    check(
        &sdo("location", r#","latitude":39.0"#),
        &["E018 longitude", "E019 "],
    );
    check(
        &sdo("location", r#","precision":10,"region":"asia""#),
        &["E018 precision"],
    );
    check(&sdo("location", r#","country":"XX""#), &["W277 country"]);
}

#[test]
fn properties_and_extensions() {
    check(
        &sdo("tool", r#","name":"x","x_acme_note":"n""#),
        &["W401 x_acme_note"],
    );
    check(
        &sdo("tool", r#","name":"x","BadName":1,"severity":"high""#),
        &["E014 BadName", "E015 severity", "W401 BadName"],
    );
    check(
        &sdo("tool", r#","name":"x","x_acme_hex":"zz""#),
        &["E020 x_acme_hex", "W401 x_acme_hex"],
    );
    check(
        &sdo("tool", r#","name":"x","extensions":{"foo":{"a":1}}"#),
        &["E026 extensions.foo"],
    );
    check(
        &sdo("tool", r#","name":"x","extensions":{"extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9":{"extension_type":"other"}}"#),
        &["E012 extensions.extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9.extension_type"],
    );
    // The OASIS impact form keys its category by name (design decision D01).
    check(
        &sdo(
            "impact",
            r#","impact_category":"monetary","extensions":{"extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9":{"extension_type":"new-sdo"},"monetary":{"currency":"usd","max_amount":1000}}"#,
        ),
        &[],
    );
    check(
        &sdo(
            "impact",
            r#","impact_category":"monetary","extensions":{"extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9":{"extension_type":"new-sdo"},"banana":{"a":1}}"#,
        ),
        &["E026 extensions.banana"],
    );
    check(&sdo("x-acme-thing", r#","name":"x""#), &["W401 type"]);
}

#[test]
fn external_references_and_kill_chains() {
    check(
        &sdo(
            "tool",
            r#","name":"x","external_references":[{"source_name":"cve","external_id":"CVE-1"}]"#,
        ),
        &["E025 external_references[0].external_id"],
    );
    check(
        &sdo(
            "tool",
            r#","name":"x","external_references":[{"source_name":"only"}]"#,
        ),
        &["E019 external_references[0]"],
    );
    check(
        &sdo(
            "tool",
            r#","name":"x","external_references":[{"source_name":"web","url":"https://example.com/a b"}]"#,
        ),
        &[
            "E022 external_references[0].url",
            "W302 external_references[0]",
        ],
    );
    check(
        &sdo(
            "tool",
            r#","name":"x","kill_chain_phases":[{"kill_chain_name":"Lockheed Martin","phase_name":"recon"}]"#,
        ),
        &["W121 kill_chain_phases[0].kill_chain_name"],
    );
}

#[test]
fn markings() {
    let tlp1 = r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:GREEN","definition":{"tlp":"green"}}"#;
    check(tlp1, &[]);
    check(
        &tlp1.replace("\"green\"}", "\"red\"}"),
        &["E030 definition.tlp"],
    );
    check(
        &tlp1.replace("34098fce", "44098fce"),
        &["E030 definition_type"],
    );
    let tlp2 = format!(
        r#"{{"type":"marking-definition","spec_version":"2.1","id":"{}","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER+STRICT","extensions":{{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}}}}}"#,
        crate::ext::Tlp::AmberStrict.v2_marking_id()
    );
    check(&tlp2, &[]);
    check(
        &tlp2.replace("\"tlp_2_0\":\"amber+strict\"", "\"tlp_2_0\":\"red\""),
        &["E030 extensions.extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.tlp_2_0"],
    );
    let statement = r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--0b6e7a6e-3a1d-4c4f-8a54-6c9f3d2c1b01","created":"2024-01-01T00:00:00.000Z","definition_type":"statement","definition":{"text":"x"},"object_marking_refs":["marking-definition--0b6e7a6e-3a1d-4c4f-8a54-6c9f3d2c1b01"]}"#;
    check(
        statement,
        &["E002 definition.statement", "E029 object_marking_refs[0]"],
    );
    check(
        &sdo(
            "tool",
            r#","name":"x","granular_markings":[{"marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":["name","description","external_references.[0]"]}]"#,
        ),
        &[
            "E028 granular_markings[0].selectors[1]",
            "E028 granular_markings[0].selectors[2]",
        ],
    );
    check(
        &sdo(
            "tool",
            r#","name":"x","granular_markings":[{"lang":"de","selectors":["name"]}]"#,
        ),
        &[],
    );
}

#[test]
fn cyber_observables() {
    check(
        r#"{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.3"}"#,
        &[],
    );
    check(
        r#"{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.4"}"#,
        &["I002 id"],
    );
    check(
        r#"{"type":"ipv4-addr","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"999.1.1.1","resolves_to_refs":["domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"]}"#,
        &["E023 value", "E010 resolves_to_refs[0]", "I002 id"],
    );
    // A custom `created` on an SCO is a custom property; `lang` keeps its meaning.
    check(
        r#"{"type":"mutex","id":"mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300","name":"m","created":"2020","lang":"en_US"}"#,
        &["E024 lang", "I002 id", "W401 created", "W401 lang"],
    );
    check(
        r#"{"type":"process","id":"process--f52a906a-0dfc-50bd-92f1-e7778ead38a9","pid":1}"#,
        &["E031 id", "W103 id"],
    );
    check(
        r#"{"type":"artifact","id":"artifact--6f437177-6e48-4cf8-9d9e-872a2bddd641","url":"https://example.com/a.zip","decryption_key":"k"}"#,
        &["E018 hashes", "E018 decryption_key"],
    );
    check(
        r#"{"type":"email-message","id":"email-message--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","is_multipart":true,"body":"b"}"#,
        &["E018 body", "W103 id"],
    );
    check(
        r#"{"type":"file","id":"file--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","hashes":{"MD5":"abc","sha256":"x"}}"#,
        &["E021 hashes.MD5", "W103 id", "W241 "],
    );
}

#[test]
fn observed_data_objects() {
    let od = sdo(
        "observed-data",
        r#","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":1,"objects":{"0":{"type":"ipv4-addr","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.3","resolves_to_refs":["1","7"]},"1":{"type":"domain-name","id":"domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7","value":"example.com"}}"#,
    );
    check(
        &od,
        &[
            "E010 objects.0.resolves_to_refs[0]",
            "E032 objects.0.resolves_to_refs[1]",
            "W304 objects",
        ],
    );
}

#[test]
fn patterns_use_the_checker() {
    let ind = sdo(
        "indicator",
        r#","name":"n","description":"d","pattern":"[ipv4-addr:value = '1.2.3.4'","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z""#,
    );
    check(&ind, &["I001 pattern"]);
    let checker = |p: &str| {
        if p.ends_with(']') {
            Ok(())
        } else {
            Err("missing ']'".to_string())
        }
    };
    let opts = Options {
        pattern_checker: Some(&checker),
        disabled: &[],
        musts_only: false,
    };
    check_with(&ind, &opts, &["E033 pattern"]);
}

#[test]
fn disabling_best_practices() {
    let o = sdo(
        "tool",
        r#","name":"x","x_acme":"n","tool_types":["Hacking Tool"]"#,
    );
    check(&o, &["W111 tool_types", "W222 tool_types", "W401 x_acme"]);
    let opts = Options {
        pattern_checker: None,
        disabled: &[2, 401],
        musts_only: false,
    };
    // Disabling 401 turns on 101 (custom names should be x_<source>_<name>).
    check_with(&o, &opts, &["W111 tool_types", "W101 x_acme"]);
    let opts = Options {
        pattern_checker: None,
        disabled: &[1, 2, 401],
        musts_only: false,
    };
    check_with(&o, &opts, &[]);
    // An import checks the MUST rules only: no warnings, errors still reported.
    let opts = Options {
        musts_only: true,
        ..Options::default()
    };
    check_with(&o, &opts, &[]);
    let bad = sdo("tool", r#","name":"x","confidence":300"#);
    check_with(&bad, &opts, &["E013 confidence"]);
}

/// Odd values in every property of every seed object: diagnostics, never a panic.
#[test]
fn odd_values_never_panic() {
    let seeds: Value = serde_json::from_slice(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/validate/seeds.json"))
            .unwrap(),
    )
    .unwrap();
    let deep = (0..100).fold(
        serde_json::json!("x"),
        |v, _| serde_json::json!({ "a": [v] }),
    );
    let odd = [
        Value::Null,
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!(1e308),
        serde_json::json!(-0.0),
        serde_json::json!(u64::MAX),
        serde_json::json!("é🚀\u{0}"),
        serde_json::json!("HKLé--\\"),
        serde_json::json!([[[]]]),
        serde_json::json!([null, 1, "a", {"b": []}]),
        serde_json::json!({"é": null, "": [], "x--y": {"[0]": 1}}),
        deep,
    ];
    let mut n = 0;
    for o in seeds["objects"].as_array().unwrap() {
        let m = o.as_object().unwrap();
        for k in m.keys() {
            for v in &odd {
                let mut c = m.clone();
                c.insert(k.clone(), v.clone());
                let diags = validate_value(&Value::Object(c), &Options::default());
                n += 1;
                // Null, empty lists and empty objects are wrong for every
                // property the specification defines.
                let defined = o["type"]
                    .as_str()
                    .and_then(crate::schema::type_def)
                    .is_some_and(|d| d.prop(k).is_some());
                let empty =
                    v.is_null() || v == &serde_json::json!([]) || v == &serde_json::json!({});
                if defined && empty {
                    assert!(
                        !diags.is_empty(),
                        "{k} = {v} went unnoticed in {}",
                        o["type"]
                    );
                }
            }
        }
    }
    assert!(n > 3000, "{n} objects checked");
}

#[test]
fn every_code_has_a_readme_row() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for c in Code::ALL {
        assert!(
            readme.contains(&format!("| {} |", c.as_str())),
            "README lacks a row for {c}"
        );
    }
}

// ---- Golden files ----

fn render_report(name: &str, text: &[u8]) -> String {
    let report = match validate_bundle(text, &Options::default()) {
        Ok(r) => r,
        Err(ReadError::NotABundle { .. }) => validate_document(text, &Options::default()),
        Err(e) => return format!("{name}: cannot read: {e}\n"),
    };
    let mut all: Vec<&Diagnostic> = report
        .errors
        .iter()
        .chain(&report.warnings)
        .chain(&report.infos)
        .collect();
    all.sort_by_key(|d| (d.line, d.column, d.code));
    let mut out = String::new();
    for d in all {
        out.push_str(&d.render(name));
        out.push('\n');
    }
    out.push_str(&format!(
        "{} objects: {} errors, {} warnings, {} notes; {}\n",
        report.objects,
        report.errors.len(),
        report.warnings.len(),
        report.infos.len(),
        if report.is_valid() {
            "valid"
        } else {
            "invalid"
        }
    ));
    out
}

#[test]
fn golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/validate");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 8,
        "golden inputs found in {}",
        dir.display()
    );
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failed = Vec::new();
    for input in inputs {
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let got = render_report(&name, &std::fs::read(&input).unwrap());
        let out = input.with_extension("out");
        if update {
            std::fs::write(&out, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&out).unwrap_or_default();
        if got != want {
            failed.push(format!("{name}:\n--- want\n{want}--- got\n{got}"));
        }
    }
    assert!(
        failed.is_empty(),
        "golden mismatch (UPDATE_EXPECT=1 to accept):\n{}",
        failed.join("\n")
    );
}
