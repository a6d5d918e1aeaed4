//! One pattern against one observed-data: threatledger vs stix2-matcher, same
//! inputs, one run. `cargo bench -p pattern --bench single`.
//!
//! Two figures per pattern: "compiled" (pattern compiled once, then matched)
//! and "cold" (parse + compile + match every time, as `stix2matcher.match()`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use pattern::{Matcher, ObservationSet};
use serde_json::{json, Value};

fn bundle() -> Value {
    json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56e", "objects": [
        {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--1b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c01", "value": "10.1.2.3"},
        {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--1b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c02", "value": "198.51.100.77"},
        {"type": "network-traffic", "spec_version": "2.1", "id": "network-traffic--2b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c03",
            "src_ref": "ipv4-addr--1b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c01", "dst_ref": "ipv4-addr--1b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c02",
            "src_port": 51234, "dst_port": 443, "protocols": ["ipv4", "tcp", "tls"]},
        {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--3b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c04", "value": "swift-update.evil.example",
            "resolves_to_refs": ["ipv4-addr--1b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c02"]},
        {"type": "url", "spec_version": "2.1", "id": "url--4b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c05", "value": "https://swift-update.evil.example/bank/login.php?id=7"},
        {"type": "file", "spec_version": "2.1", "id": "file--5b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c06", "name": "SWIFT_Alliance_patch.exe", "size": 482304,
            "hashes": {"MD5": "79054025255fb1a26e4bc422aef54eb4", "SHA-256": "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"}},
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
            "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
            "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:05:00Z", "number_observed": 3,
            "object_refs": ["network-traffic--2b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c03", "ipv4-addr--1b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c01",
                "ipv4-addr--1b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c02", "domain-name--3b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c04",
                "url--4b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c05", "file--5b5d9e2b-3d1a-5b0c-9a4b-0d6e8f7a1c06"]}
    ]})
}

const PATTERNS: &[&str] = &[
    "[ipv4-addr:value = '198.51.100.77']",
    "[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'tls']",
    "[url:value LIKE 'https://%.evil.example/%' OR domain-name:value MATCHES '^swift-[a-z]+\\\\.']",
    "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] REPEATS 2 TIMES WITHIN 600 SECONDS",
];

fn peers_python() -> Option<PathBuf> {
    let dir = std::env::var_os("THREATLEDGER_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.peers"));
    let py = dir.join("bin/python");
    py.exists().then_some(py)
}

const PY: &str = r#"
import json, sys, time
from stix2matcher.matcher import match, Pattern
case = json.load(sys.stdin)
b = case["bundle"]
out = []
for p in case["patterns"]:
    assert match(p, [b], stix_version="2.1"), p
    n = 0; t0 = time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        match(p, [b], stix_version="2.1"); n += 1
    cold = (time.perf_counter() - t0) / n
    cp = Pattern(p, stix_version="2.1")
    n = 0; t0 = time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        cp.match([b]); n += 1
    warm = (time.perf_counter() - t0) / n
    out.append([cold, warm])
print(json.dumps(out))
"#;

fn time_per_call(mut f: impl FnMut() -> bool) -> f64 {
    assert!(f());
    let mut n = 0u64;
    let t0 = Instant::now();
    while t0.elapsed().as_secs_f64() < 1.0 {
        for _ in 0..100 {
            std::hint::black_box(f());
        }
        n += 100;
    }
    t0.elapsed().as_secs_f64() / n as f64
}

fn main() {
    let b = bundle();
    let ours: Vec<(f64, f64)> = PATTERNS
        .iter()
        .map(|p| {
            let cold = time_per_call(|| {
                let m = Matcher::compile(p).expect("valid pattern");
                let set = ObservationSet::from_value(&b);
                m.matches(&set).matched
            });
            let m = Matcher::compile(p).expect("valid pattern");
            let warm = time_per_call(|| {
                let set = ObservationSet::from_value(&b);
                m.matches(&set).matched
            });
            (cold, warm)
        })
        .collect();
    let peer: Option<Vec<(f64, f64)>> = peers_python().and_then(|py| {
        let mut child = Command::new(py)
            .args(["-c", PY])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let input = json!({"bundle": b, "patterns": PATTERNS}).to_string();
        child.stdin.take()?.write_all(input.as_bytes()).ok()?;
        let out = child.wait_with_output().ok()?;
        let v: Vec<(f64, f64)> = serde_json::from_slice(&out.stdout).ok()?;
        Some(v)
    });
    if peer.is_none() {
        println!("skipping stix2-matcher: no Python peers (.peers or THREATLEDGER_PEERS)");
    }
    println!("single pattern vs one observed-data (6 SCOs), time per match");
    println!(
        "{:<4} {:>12} {:>12} {:>12} {:>12} {:>9} {:>9}",
        "#", "ours cold", "ours warm", "peer cold", "peer warm", "x cold", "x warm"
    );
    for (i, (c, w)) in ours.iter().enumerate() {
        match &peer {
            Some(p) => println!(
                "{:<4} {:>10.2}µs {:>10.2}µs {:>10.1}µs {:>10.1}µs {:>8.0}x {:>8.0}x",
                i + 1,
                c * 1e6,
                w * 1e6,
                p[i].0 * 1e6,
                p[i].1 * 1e6,
                p[i].0 / c,
                p[i].1 / w
            ),
            None => println!("{:<4} {:>10.2}µs {:>10.2}µs", i + 1, c * 1e6, w * 1e6),
        }
    }
    for (i, p) in PATTERNS.iter().enumerate() {
        println!("  {}: {p}", i + 1);
    }
}
