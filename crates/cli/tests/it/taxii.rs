//! The TAXII server and client end to end: a real `threatledger serve` process,
//! kill -9 durability, the OASIS taxii2-client driving our server, and pull/push
//! against our server and against medallion.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use server::client::{Client, ClientAuth};

use crate::support::*;

#[path = "../../../server/tests/it/peers.rs"]
mod peers;

const COLL: &str = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";

/// A `threatledger serve` child process on a free port.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(env: &Env, extra: &[&str]) -> Server {
        let mut child = env
            .cmd()
            .args(["serve", "--listen", "127.0.0.1:0", "--rate-limit", "0"])
            .args(extra)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start threatledger serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Read the banner, then keep draining the request log so the pipe never fills.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("serving TAXII 2.1 at http://127.0.0.1:").nth(1) {
                    let port: u16 = rest.split('/').next().unwrap().parse().unwrap();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(port);
                    }
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server banner");
        Server { child, port }
    }

    fn root(&self) -> String {
        format!("http://127.0.0.1:{}/taxii2/api/", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A collection, users writer (RED, read+write), reader (read), outsider (none).
fn provision(env: &Env) {
    let ok = |args: &[&str], pw: Option<&str>| {
        let mut c = env.cmd();
        c.args(args);
        if let Some(p) = pw {
            c.env("THREATLEDGER_PASSWORD", p);
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    };
    ok(
        &[
            "collection",
            "add",
            "Conformance",
            "--id",
            COLL,
            "--alias",
            "conf",
        ],
        None,
    );
    ok(&["group", "add", "writers"], None);
    ok(&["group", "add", "readers"], None);
    ok(
        &[
            "user",
            "add",
            "writer",
            "--clearance",
            "red",
            "--group",
            "writers",
        ],
        Some("writer-pw"),
    );
    ok(
        &[
            "user",
            "add",
            "reader",
            "--clearance",
            "red",
            "--group",
            "readers",
        ],
        Some("reader-pw"),
    );
    ok(
        &["user", "add", "outsider", "--clearance", "red"],
        Some("outsider-pw"),
    );
    ok(
        &[
            "collection",
            "grant",
            "conf",
            "writers",
            "--read",
            "--write",
        ],
        None,
    );
    ok(&["collection", "grant", "conf", "readers", "--read"], None);
}

fn writer() -> Client {
    Client::new(
        ClientAuth::Basic {
            user: "writer".into(),
            password: "writer-pw".into(),
        },
        Duration::from_secs(30),
    )
}

fn indicator(tag: usize, i: usize) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{tag:08x}-{:04x}-4000-8000-000000000000", i),
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
        "name": format!("i {tag} {i}"), "pattern": "[ipv4-addr:value = '10.0.0.1']",
        "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z"
    })
}

/// Acknowledged envelopes: status id and object ids.
type Acked = Arc<Mutex<Vec<(String, Vec<String>)>>>;

#[test]
fn kill_9_right_after_202_loses_nothing() {
    let env = Env::new();
    provision(&env);
    let server = Arc::new(Mutex::new(Some(Server::start(&env, &[]))));
    let root = server.lock().unwrap().as_ref().unwrap().root();
    let acked: Acked = Arc::default();
    let n_acked = Arc::new(AtomicUsize::new(0));
    const KILL_AFTER: usize = 40;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (root, acked, n_acked, server) =
                (root.clone(), acked.clone(), n_acked.clone(), server.clone());
            std::thread::spawn(move || {
                let c = writer();
                for k in 0..1000 {
                    let objs: Vec<Value> = (0..20).map(|i| indicator(t * 10_000 + k, i)).collect();
                    let ids = objs
                        .iter()
                        .map(|o| o["id"].as_str().unwrap().to_string())
                        .collect();
                    let body = json!({"objects": objs}).to_string();
                    match c.post(
                        &format!("{root}collections/{COLL}/objects/"),
                        body.as_bytes(),
                    ) {
                        Ok(status) => {
                            assert_eq!(status["success_count"], 20, "{status}");
                            acked
                                .lock()
                                .unwrap()
                                .push((status["id"].as_str().unwrap().to_string(), ids));
                            if n_acked.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                                // SIGKILL at once: no shutdown, no flush.
                                if let Some(mut s) = server.lock().unwrap().take() {
                                    s.child.kill().unwrap();
                                    s.child.wait().unwrap();
                                }
                            }
                        }
                        Err(_) => return, // the server is gone
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= KILL_AFTER, "{} acknowledged", acked.len());
    let store = app::open_store(env.db.to_str().unwrap()).unwrap();
    let t = store.taxii().unwrap();
    for (status, ids) in &acked {
        assert!(
            t.get_status(status).unwrap().is_some(),
            "status {status} lost"
        );
        for id in ids {
            let q = store::Query {
                collection: Some(COLL.into()),
                ids: vec![id.clone()],
                ..store::Query::default()
            };
            assert_eq!(
                store.query(&q).unwrap().objects.len(),
                1,
                "{id} acknowledged but lost"
            );
        }
    }
    let audited = t
        .audit_log(10_000)
        .unwrap()
        .iter()
        .filter(|e| e.status == 202)
        .count();
    assert!(
        audited >= acked.len(),
        "every acknowledged write is audited ({audited} < {})",
        acked.len()
    );
}

#[test]
fn taxii2_client_conformance() {
    let Some(peers) = peers::peers_dir() else {
        return;
    };
    let env = Env::new();
    provision(&env);
    let server = Server::start(&env, &[]);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/taxii2_client.py");
    let out = std::process::Command::new(peers.join("bin/python"))
        .arg(&script)
        .arg(format!("http://127.0.0.1:{}/taxii2/", server.port))
        .arg(COLL)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "taxii2-client failed:\n{text}\n{}",
        stderr(&out)
    );
    for check in [
        "discover",
        "list",
        "add_and_status",
        "pages_with_limit",
        "filters",
        "versions",
        "manifest",
        "delete",
        "401",
        "403",
    ] {
        assert!(
            text.lines().any(|l| l == format!("ok {check}")),
            "missing check {check}:\n{text}"
        );
    }
}

/// Pushes a bundle with the CLI, pulls it into another database, checks counts and
/// that the next pull is incremental.
fn push_pull_round_trip(root: &str, collection: &str, user: &str, password: &str) {
    let src = Env::new();
    let n = 30;
    let bundle = src.write("b.json", &bundle(n, "round trip"));
    let run = |env: &Env, args: &[&str]| {
        let out = env
            .cmd()
            .env("THREATLEDGER_TAXII_PASSWORD", password)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{args:?}: {}{}", stdout(&out), stderr(&out));
        serde_json::from_str::<Value>(&stdout(&out)).unwrap()
    };
    let pushed = run(
        &src,
        &[
            "--format",
            "json",
            "taxii",
            "push",
            root,
            "--collection",
            collection,
            "--user",
            user,
            bundle.to_str().unwrap(),
        ],
    );
    assert_eq!(pushed["succeeded"], n + 1, "{pushed}");
    let dst = Env::new();
    let pull = |dst: &Env| {
        run(
            dst,
            &[
                "--format",
                "json",
                "taxii",
                "pull",
                root,
                "--collection",
                collection,
                "--user",
                user,
                "--limit",
                "7",
            ],
        )
    };
    let first = pull(&dst);
    assert_eq!(first["added"], n + 1, "{first}");
    assert!(
        first["pages"].as_u64().unwrap() >= 5,
        "follows next: {first}"
    );
    assert_eq!(dst.stats()["objects"], n + 1);
    let again = pull(&dst);
    assert_eq!(
        (again["objects"].as_u64(), again["added"].as_u64()),
        (Some(0), Some(0)),
        "incremental: {again}"
    );
    // One more object upstream: only it comes down.
    let one = src.write("one.json", &serde_json::to_string(&json!({"type": "bundle", "id": "bundle--6d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [indicator(999, 1)]})).unwrap());
    run(
        &src,
        &[
            "--format",
            "json",
            "taxii",
            "push",
            root,
            "--collection",
            collection,
            "--user",
            user,
            one.to_str().unwrap(),
        ],
    );
    let third = pull(&dst);
    assert_eq!(third["added"], 1, "{third}");
}

#[test]
fn pull_and_push_against_our_server() {
    let env = Env::new();
    provision(&env);
    let server = Server::start(&env, &[]);
    push_pull_round_trip(&server.root(), COLL, "writer", "writer-pw");
    // Tokens work too, and wrong credentials fail with exit code 2.
    let out = env.run(&["user", "token", "writer"]);
    let token = stdout(&out).trim().to_string();
    let dst = Env::new();
    let out = dst
        .cmd()
        .args([
            "taxii",
            "pull",
            &server.root(),
            "--collection",
            "conf",
            "--token",
            &token,
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = dst
        .cmd()
        .env("THREATLEDGER_TAXII_PASSWORD", "nope")
        .args([
            "taxii",
            "pull",
            &server.root(),
            "--collection",
            "conf",
            "--user",
            "writer",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("401"), "{}", stderr(&out));
}

#[test]
fn pull_and_push_against_medallion() {
    let Some(peers) = peers::peers_dir() else {
        return;
    };
    let env = Env::new();
    let m = peers::Medallion::start(&peers, &env.dir, COLL, "user", "pass");
    push_pull_round_trip(&m.root_url, COLL, "user", "pass");
}

#[test]
fn config_file_provisions_users_collections_and_grants() {
    let env = Env::new();
    let config = env.write(
        "taxii.json",
        &json!({
            "title": "from the config file",
            "api_roots": [{"name": "shared", "title": "Shared", "max_content_length": 5000}],
            "collections": [{"id": COLL, "api_root": "shared", "title": "T", "alias": "t"}],
            "users": [{"name": "cfg", "clearance": "green", "password_env": "CFG_PASSWORD"}],
            "groups": [{"name": "g", "members": ["cfg"]}],
            "grants": [{"group": "g", "collection": "t", "read": true}]
        })
        .to_string(),
    );
    let mut child = env
        .cmd()
        .env("CFG_PASSWORD", "cfg-pw")
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            config.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port: u16 = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("http://127.0.0.1:")
                .nth(1)
                .map(|r| r.split('/').next().unwrap().parse().unwrap())
        })
        .expect("banner");
    std::thread::spawn(move || lines.for_each(drop));
    let c = Client::new(
        ClientAuth::Basic {
            user: "cfg".into(),
            password: "cfg-pw".into(),
        },
        Duration::from_secs(10),
    );
    let (disc, _) = c
        .get(&format!("http://127.0.0.1:{port}/taxii2/"), &[])
        .unwrap();
    assert_eq!(disc["title"], "from the config file");
    let (root, _) = c
        .get(&format!("http://127.0.0.1:{port}/taxii2/shared/"), &[])
        .unwrap();
    assert_eq!(root["max_content_length"], 5000);
    let (cols, _) = c
        .get(
            &format!("http://127.0.0.1:{port}/taxii2/shared/collections/"),
            &[],
        )
        .unwrap();
    assert_eq!(cols["collections"][0]["can_read"], true);
    assert_eq!(cols["collections"][0]["can_write"], false);
    let _ = child.kill();
    let _ = child.wait();
    // A config with an unknown key is refused with exit code 2.
    let bad = env.write("bad.json", r#"{"listen": "127.0.0.1:0", "colour": "red"}"#);
    let out = env.run(&["serve", "--config", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("colour"), "{}", stderr(&out));
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let env = Env::new();
    provision(&env);
    let mut server = Server::start(&env, &[]);
    let c = writer();
    let (disc, _) = c
        .get(&format!("http://127.0.0.1:{}/taxii2/", server.port), &[])
        .unwrap();
    assert!(disc["api_roots"].is_array());
    let pid = server.child.id().to_string();
    let st = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(st.success());
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
