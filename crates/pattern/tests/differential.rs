//! Differential tests against the OASIS Python tools: stix2-patterns (syntax
//! verdicts) and stix2-matcher (match verdicts), over deterministic generated
//! cases, the specification's example patterns and the patterns inside
//! ../shared/data/stix/examples. One Python process per test, cases batched.
//!
//! Known, documented differences (README.md, "Differences from the OASIS tools")
//! are classified and counted, never silently dropped; anything else fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pattern::gen::{self, Rng};
use pattern::{codes, Matcher, ObservationSet};
use serde_json::{json, Value};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn peers_python() -> Option<PathBuf> {
    let dir = std::env::var_os("THREATLEDGER_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".peers"));
    let py = dir.join("bin/python");
    py.exists().then_some(py)
}

/// Runs the harness over all cases at once.
fn oracle(cases: &[Value]) -> Option<Vec<Value>> {
    let Some(py) = peers_python() else {
        println!("skipping: no Python peers (.peers or THREATLEDGER_PEERS)");
        return None;
    };
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peer_harness.py");
    let mut child = Command::new(py)
        .arg(harness)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the peer harness");
    let mut input = String::new();
    for c in cases {
        input.push_str(&c.to_string());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("harness output");
    writer.join().expect("writer thread").expect("write cases");
    assert!(out.status.success(), "peer harness failed");
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("harness JSON"))
        .collect();
    assert_eq!(lines.len(), cases.len(), "one answer per case");
    Some(lines)
}

/// Our syntax verdict on the same terms as stix2-patterns: the grammar, the
/// duplicate-qualifier rule and hash values. Returns (valid, known difference).
fn our_syntax(p: &str) -> (bool, Option<&'static str>) {
    let v = pattern::validate(p);
    let Some(ast) = &v.pattern else {
        let e = &v.diagnostics[0];
        if e.code == codes::LITERAL
            && (e.message.contains("timestamp") || e.message.contains("64-bit"))
        {
            return (
                false,
                Some("literal range (timestamp calendar, 64-bit numbers)"),
            );
        }
        return (false, None);
    };
    let text = ast.to_string();
    let mut known = None;
    if text.contains("[-") {
        known = Some("negative list index (stix2-patterns crashes)");
    }
    if text.contains("hashes") {
        known = Some("hash value checks");
    }
    let fails_peer_rules = v
        .errors()
        .any(|e| e.code == codes::DUPLICATE_QUALIFIER || e.code == codes::HASH);
    (!fails_peer_rules, known)
}

fn mutate(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..1 + rng.below(2) {
        if chars.is_empty() {
            break;
        }
        let i = rng.below(chars.len());
        match rng.below(4) {
            0 => {
                chars.remove(i);
            }
            1 => chars.insert(
                i,
                *rng.pick(&[
                    '[', ']', '(', ')', '\'', ' ', '-', '.', ':', '\\', 'A', '0', '=',
                ]),
            ),
            2 => chars[i] = *rng.pick(&['x', '1', '_', '*', ',']),
            _ => {
                let j = rng.below(chars.len());
                chars.swap(i, j);
            }
        }
    }
    chars.into_iter().collect()
}

/// The patterns of testdata/patterns.in (valid and invalid ones) and those of
/// the indicators in the OASIS example bundles (all valid).
fn example_patterns() -> (Vec<String>, Vec<String>) {
    let ours: Vec<String> = include_str!("../testdata/patterns.in")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    let mut out = Vec::new();
    let dir = workspace_root().join("../shared/data/stix/examples/examples");
    match std::fs::read_dir(&dir) {
        Ok(rd) => {
            for e in rd.flatten() {
                let Ok(text) = std::fs::read_to_string(e.path()) else {
                    continue;
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                collect_patterns(&v, &mut out);
            }
        }
        Err(_) => println!(
            "skipping the OASIS example bundles: {} not found",
            dir.display()
        ),
    }
    (ours, out)
}

fn collect_patterns(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if m.get("type").and_then(Value::as_str) == Some("indicator") {
                if let Some(p) = m.get("pattern").and_then(Value::as_str) {
                    out.push(p.to_string());
                }
            }
            m.values().for_each(|x| collect_patterns(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_patterns(x, out)),
        _ => {}
    }
}

#[test]
fn syntax_agrees_with_stix2_patterns() {
    let mut rng = Rng::new(0xD1FF);
    let (mut patterns, oasis) = example_patterns();
    for p in &oasis {
        assert!(
            pattern::check(p).is_ok(),
            "OASIS example pattern rejected: {p}\n{:?}",
            pattern::check(p)
        );
    }
    println!("{} indicator patterns from the OASIS examples", oasis.len());
    patterns.extend(oasis);
    let n_examples = patterns.len();
    for _ in 0..1500 {
        let p = gen::any_pattern(&mut rng).to_string();
        let m = mutate(&mut rng, &p);
        patterns.push(p);
        patterns.push(m);
    }
    let cases: Vec<Value> = patterns
        .iter()
        .map(|p| json!({"kind": "syntax", "pattern": p}))
        .collect();
    let Some(answers) = oracle(&cases) else {
        return;
    };
    let (mut agree, mut known, mut crashes) = (0, 0, 0);
    let mut known_kinds = std::collections::BTreeMap::new();
    let mut bad = Vec::new();
    for (i, (p, a)) in patterns.iter().zip(&answers).enumerate() {
        let (ours, why) = our_syntax(p);
        let theirs = match a.get("ok").and_then(Value::as_bool) {
            Some(t) => t,
            None => {
                crashes += 1;
                // stix2-patterns' inspector reads only IntPosLiteral in index steps.
                let crash = a["crash"].as_str().unwrap_or_default();
                if !(crash.starts_with("AttributeError") && p.contains("[-")) {
                    bad.push(format!("#{i} {p:?}: stix2-patterns crashed: {crash}"));
                }
                continue;
            }
        };
        if ours == theirs {
            agree += 1;
        } else if let Some(w) = why {
            known += 1;
            *known_kinds.entry(w).or_insert(0) += 1;
        } else {
            bad.push(format!(
                "#{i} {p:?}: ours {ours}, stix2-patterns {theirs} {}",
                a["errors"]
            ));
        }
    }
    println!(
        "syntax: {} cases ({n_examples} examples), {agree} agree, {known} known differences, {crashes} peer crashes: {known_kinds:?}",
        patterns.len()
    );
    assert!(
        bad.is_empty(),
        "{} unexplained disagreements:\n{}",
        bad.len(),
        bad[..bad.len().min(15)].join("\n")
    );
}

#[test]
fn matching_agrees_with_stix2_matcher() {
    let mut rng = Rng::new(0x3A7C);
    let cases: Vec<gen::MatchCase> = (0..2000).map(|_| gen::match_case(&mut rng)).collect();
    let input: Vec<Value> = cases
        .iter()
        .map(|c| json!({"kind": "match", "pattern": c.pattern, "bundle": c.bundle}))
        .collect();
    let Some(answers) = oracle(&input) else {
        return;
    };
    let (mut agree, mut matched, mut crashes) = (0, 0, 0);
    let mut bad = Vec::new();
    for (i, (c, a)) in cases.iter().zip(&answers).enumerate() {
        let m = Matcher::compile(&c.pattern).unwrap_or_else(|e| panic!("{}: {e:?}", c.pattern));
        let set = ObservationSet::from_value(&c.bundle);
        let r = m.matches(&set);
        assert!(r.complete, "{}", c.pattern);
        let Some(theirs) = a.get("ok").and_then(Value::as_bool) else {
            crashes += 1;
            bad.push(format!(
                "#{i} peer crashed on {}: {}",
                c.pattern, a["crash"]
            ));
            continue;
        };
        matched += theirs as usize;
        if r.matched == theirs {
            agree += 1;
        } else {
            bad.push(format!(
                "#{i} {}: ours {}, stix2-matcher {theirs}\n  {}",
                c.pattern, r.matched, c.bundle
            ));
        }
    }
    println!("matching: {} cases, {matched} matched per stix2-matcher, {agree} agree, {crashes} peer crashes", cases.len());
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad[..bad.len().min(5)].join("\n")
    );
}
