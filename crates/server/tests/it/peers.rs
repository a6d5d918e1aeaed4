//! The Python peers (medallion, taxii2-client) for differential tests and the
//! benchmark. Shared by path with the CLI's tests and the benchmark; everything
//! here skips cleanly (returns None with a message) when the venv is absent.

#![allow(dead_code)]

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The peers venv: `THREATLEDGER_PEERS`, else `<workspace>/.peers`.
pub fn peers_dir() -> Option<PathBuf> {
    let p = std::env::var_os("THREATLEDGER_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.peers"));
    if p.join("bin/python").exists() {
        Some(p)
    } else {
        eprintln!(
            "skipping: no Python peers venv at {} (set THREATLEDGER_PEERS or run scripts/test)",
            p.display()
        );
        None
    }
}

/// A free port on the loopback interface.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on the port.
pub fn wait_port(port: u16, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A medallion server (memory backend) with one empty, writable collection.
pub struct Medallion {
    child: Child,
    pub port: u16,
    /// The API root URL (`http://127.0.0.1:PORT/api1/`).
    pub root_url: String,
}

impl Medallion {
    pub fn start(
        peers: &Path,
        dir: &Path,
        collection: &str,
        user: &str,
        password: &str,
    ) -> Medallion {
        let port = free_port();
        let root_url = format!("http://127.0.0.1:{port}/api1/");
        let data = serde_json::json!({
            "/discovery": {
                "title": "medallion", "description": "differential peer", "contact": "none",
                "default": root_url, "api_roots": [root_url]
            },
            "api1": {
                "information": {"title": "api1", "description": "peer", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 104857600},
                "status": [],
                "collections": [{
                    "id": collection, "title": "peer collection", "description": "", "can_read": true, "can_write": true,
                    "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []
                }]
            }
        });
        std::fs::create_dir_all(dir).unwrap();
        let data_path = dir.join("medallion-data.json");
        std::fs::write(&data_path, data.to_string()).unwrap();
        let config = serde_json::json!({
            "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": data_path},
            "users": {user: password},
            "taxii": {"max_page_size": 1000}
        });
        let config_path = dir.join("medallion-config.json");
        let mut f = std::fs::File::create(&config_path).unwrap();
        f.write_all(config.to_string().as_bytes()).unwrap();
        let child = Command::new(peers.join("bin/medallion"))
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--log-level",
                "ERROR",
            ])
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start medallion");
        assert!(
            wait_port(port, Duration::from_secs(30)),
            "medallion did not start on port {port}"
        );
        Medallion {
            child,
            port,
            root_url,
        }
    }
}

impl Drop for Medallion {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
