//! Validates ../shared/data/attack/ics-attack.json with stix2-validator (the
//! Python reference, timed in-process) and with ours, in one run; prints both
//! times, the ratio (target ≥ 50×) and whether the verdicts agree.
//!
//! Run: `cargo bench -p stix --bench validate`. Skips with a message without
//! ../shared or the peers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use stix::validate::{validate_bundle, Options, Report};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let file = root.join("../shared/data/attack/ics-attack.json");
    if !file.exists() {
        println!("skipping validate bench: {} not found", file.display());
        return;
    }
    let bytes = std::fs::read(&file).expect("read the ICS bundle");

    // Ours: best of several runs over the bytes in memory (parsing included).
    let opts = Options::default();
    let mut best = Duration::MAX;
    let mut report = Report::default();
    for _ in 0..20 {
        let t = Instant::now();
        report = validate_bundle(&bytes[..], &opts).expect("the ICS bundle is readable");
        best = best.min(t.elapsed());
    }
    let ours_s = best.as_secs_f64();
    println!(
        "threatledger: {:>9.2} ms  ({} objects, {:.0} objects/s, {:.0} MB/s) valid={} errors={} warnings={}",
        ours_s * 1e3,
        report.objects,
        report.objects as f64 / ours_s,
        bytes.len() as f64 / ours_s / 1e6,
        report.is_valid(),
        report.errors.len(),
        report.warnings.len()
    );

    let peers = std::env::var_os("THREATLEDGER_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".peers"));
    let python = peers.join("bin/python");
    if !python.exists() {
        println!(
            "skipping the stix2-validator side: no peers at {}",
            peers.display()
        );
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/peers/validator_bench.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&file)
        .arg("2")
        .output()
        .expect("run stix2-validator");
    assert!(
        out.status.success(),
        "stix2-validator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("peer prints one JSON line");
    let peer_s = v["seconds"].as_f64().unwrap();
    let peer_valid = v["valid"].as_bool().unwrap();
    println!(
        "stix2-validator: {:>6.0} ms  valid={} errors={} warnings={}",
        peer_s * 1e3,
        peer_valid,
        v["errors"],
        v["warnings"]
    );
    let ratio = peer_s / ours_s;
    println!(
        "ratio: {ratio:.0}x faster (target >= 50x: {}); verdicts agree: {}",
        if ratio >= 50.0 { "met" } else { "NOT met" },
        if peer_valid == report.is_valid() {
            "yes"
        } else {
            "NO"
        }
    );
}
