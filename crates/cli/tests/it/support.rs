//! Helpers: a temp dir per test, running the binary, reading JSON output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static N: AtomicUsize = AtomicUsize::new(0);

pub struct Env {
    pub dir: PathBuf,
    pub db: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = std::env::temp_dir().join(format!(
            "threatledger-it-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("kb.db");
        Env { dir, db }
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_threatledger"));
        c.env("THREATLEDGER_DB", &self.db).env_remove("RUST_LOG");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run threatledger")
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// `stats --format json`, parsed.
    pub fn stats(&self) -> serde_json::Value {
        let out = self.run(&["stats", "--format", "json"]);
        assert!(
            out.status.success(),
            "stats failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// ../shared/data, or None with a message (fresh clones have no ../shared).
pub fn shared_data() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared/data not found (fresh clone)");
        None
    }
}

/// A valid STIX 2.1 bundle of `n` indicators plus an identity.
pub fn bundle(n: usize, tag: &str) -> String {
    let mut objs = vec![serde_json::json!({
        "type": "identity", "spec_version": "2.1", "id": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2017-01-20T00:00:00.000Z", "modified": "2017-01-20T00:00:00.000Z", "name": "ACME", "identity_class": "organization"
    })];
    for i in 0..n {
        objs.push(serde_json::json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--{i:08x}-0000-4000-8000-{:012x}", tag.len()),
            "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
            "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
            "name": format!("{tag} {i}"), "pattern": format!("[ipv4-addr:value = '10.0.{}.{}']", i / 256 % 256, i % 256),
            "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z"
        }));
    }
    serde_json::to_string_pretty(&serde_json::json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objs})).unwrap()
}

/// Compares `actual` with the golden file `tests/it/golden/NAME`; `UPDATE_EXPECT=1`
/// rewrites it.
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/golden")
        .join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {} (run with UPDATE_EXPECT=1)",
            path.display()
        )
    });
    if want != actual {
        panic!("{} differs from the output (UPDATE_EXPECT=1 to accept):\n--- want\n{want}\n--- got\n{actual}", path.display());
    }
}
