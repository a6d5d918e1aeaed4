//! Finding ../shared and the Python peers, and running a peer script.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Env {
    /// `../shared/data` (read-only).
    pub data: PathBuf,
    /// The peers' Python interpreter.
    pub python: PathBuf,
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl Env {
    /// The shared data and the peers, or `None` after printing why the caller skips.
    pub fn find(test: &str) -> Option<Env> {
        let root = workspace_root();
        let data = root.join("../shared/data");
        if !data.join("stix/examples").is_dir() {
            println!("skipping {test}: ../shared/data/stix/examples not found");
            return None;
        }
        let peers = std::env::var_os("THREATLEDGER_PEERS")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".peers"));
        let python = peers.join("bin/python");
        if !python.exists() {
            println!(
                "skipping {test}: Python peers not found at {} (set THREATLEDGER_PEERS)",
                peers.display()
            );
            return None;
        }
        Some(Env { data, python })
    }

    /// Runs `script` (under tests/it/peers) with `input` written to a temporary
    /// file passed as its argument; returns its standard output.
    pub fn run_python(&self, script: &str, input: &[u8]) -> String {
        let dir = std::env::temp_dir().join(format!("stix-it-{}-{}", std::process::id(), script));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("input.jsonl");
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(input))
            .unwrap();
        let script_path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/it/peers")
            .join(script);
        let out = Command::new(&self.python)
            .arg(&script_path)
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .expect("run the peer's python");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            out.status.success(),
            "{script} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("peer output is UTF-8")
    }
}
