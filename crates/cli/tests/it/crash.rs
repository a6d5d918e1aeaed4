//! A process killed with SIGKILL at any moment of an import leaves the store
//! consistent: either the whole file is stored or none of it.

use std::time::Duration;

use crate::support::*;

#[test]
fn kill_9_during_import_leaves_store_consistent() {
    let env = Env::new();
    let small = env.write("small.json", &bundle(10, "base"));
    assert_eq!(code(&env.run(&["import", small.to_str().unwrap()])), 0);
    let base = env.stats()["objects"].as_u64().unwrap();

    let big = env.dir.join("big.json");
    let st = env
        .cmd()
        .args(["synth", "--objects", "20000", "--out"])
        .arg(&big)
        .status()
        .unwrap();
    assert!(st.success());

    // How long a whole import takes here (into a scratch database).
    let scratch = Env::new();
    let t = std::time::Instant::now();
    assert_eq!(
        code(&scratch.run(&["import", "--quiet", big.to_str().unwrap()])),
        0
    );
    let full_ms = t.elapsed().as_millis() as u64;

    // Kill at fractions of that, so that kills land while reading, while writing and
    // around the commit; finish with an import that completes.
    let mut outcomes = Vec::new();
    for pct in [2u64, 20, 50, 75, 85, 90, 95, 98, 100, 105] {
        let delay_ms = full_ms * pct / 100;
        let mut child = env
            .cmd()
            .args(["import", "--quiet"])
            .arg(&big)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let out = env.run(&["db", "check", "--format", "json"]);
        let check: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(check["ok"], true, "after kill at {delay_ms} ms: {check}");
        let n = env.stats()["objects"].as_u64().unwrap();
        assert!(
            n == base || n == base + 20000,
            "after kill at {delay_ms} ms: {n} objects (partial import)"
        );
        outcomes.push((delay_ms, status.success(), n));
    }
    eprintln!("kill outcomes (delay ms, exited normally, objects): {outcomes:?}");
    let out = env.run(&["import", big.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(env.stats()["objects"].as_u64().unwrap(), base + 20000);
}
