//! TAXII benchmark: our server (SQLite, on disk, synchronous=FULL) against
//! medallion (the OASIS reference server, memory backend) on the same data, in
//! one run. Two workloads, each at 1, 16 and 64 concurrent keep-alive
//! connections: GET a page of 100 objects, and POST an envelope of 10 new
//! indicators. The load generator is a small HTTP/1.1 client over tokio
//! TcpStreams (no extra dependency); every run is bounded in time and count.
//!
//! `cargo bench -p server --bench taxii` (set BENCH_SECONDS to change the 3 s per
//! cell). Without the peers venv, only our server is measured.

#[path = "../tests/it/peers.rs"]
mod peers;

/// The allocator of the `threatledger` binary, so the in-process server is measured as shipped.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server::client::{Client, ClientAuth};
use stix::StixObject;
use store::taxii::{ApiRoot, Collection, User};
use store::{ImportOptions, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const COLL: &str = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
/// medallion's memory backend filters in O(n²) per request (13 s per page at 2000
/// objects, 3 s at 1000 on this machine), so the shared data set stays small.
const OBJECTS: usize = 300;
const PAGE: usize = 100;
const PER_POST: usize = 10;
const MAX_REQUESTS: usize = 200_000;

fn indicator(n: usize) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{:08x}-{:04x}-4000-8000-{:012x}", n >> 16, n & 0xffff, n),
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
        "name": format!("bench indicator {n}"),
        "description": "Cash-out infrastructure observed in a SWIFT fraud attempt (benchmark data).",
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[ipv4-addr:value = '10.{}.{}.{}']", n >> 16 & 255, n >> 8 & 255, n & 255),
        "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z",
        "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    })
}

/// One target server.
struct Target {
    name: &'static str,
    host: String,
    objects_path: String,
    auth: String,
}

#[derive(Clone, Copy)]
enum Workload {
    GetPage,
    PostEnvelope,
}

struct Cell {
    requests: usize,
    errors: usize,
    /// Requests cut off 2 s after the end of the cell.
    unfinished: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Cell {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

/// Sends one request and reads the whole response; returns the status code.
async fn exchange(
    stream: &mut TcpStream,
    req: &[u8],
    buf: &mut Vec<u8>,
) -> std::io::Result<(u16, bool)> {
    stream.write_all(req).await?;
    buf.clear();
    let mut tmp = [0u8; 65536];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut tmp).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let close = head.contains("connection: close") || head.starts_with("http/1.0");
    let length = head.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
    });
    match length {
        Some(len) => {
            while buf.len() < header_end + len {
                let n = stream.read(&mut tmp).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&tmp[..n]);
            }
        }
        None if head.contains("transfer-encoding: chunked") => {
            // Read until the terminating zero-length chunk.
            while !buf[header_end..].windows(5).any(|w| w == b"0\r\n\r\n") {
                let n = stream.read(&mut tmp).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&tmp[..n]);
            }
        }
        None => {
            // Body until close.
            loop {
                let n = stream.read(&mut tmp).await?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            return Ok((status, true));
        }
    }
    Ok((status, close))
}

fn request(t: &Target, w: Workload, post_seq: usize) -> Vec<u8> {
    match w {
        Workload::GetPage => format!(
            "GET {}?limit={PAGE} HTTP/1.1\r\nHost: {}\r\nAccept: application/taxii+json;version=2.1\r\nAuthorization: {}\r\n\r\n",
            t.objects_path, t.host, t.auth
        )
        .into_bytes(),
        Workload::PostEnvelope => {
            let objs: Vec<Value> = (0..PER_POST).map(|i| indicator(1_000_000 + post_seq * PER_POST + i)).collect();
            let body = json!({"objects": objs}).to_string();
            let mut r = format!(
                "POST {} HTTP/1.1\r\nHost: {}\r\nAccept: application/taxii+json;version=2.1\r\nContent-Type: application/taxii+json;version=2.1\r\nAuthorization: {}\r\nContent-Length: {}\r\n\r\n",
                t.objects_path, t.host, t.auth, body.len()
            )
            .into_bytes();
            r.extend_from_slice(body.as_bytes());
            r
        }
    }
}

/// Runs `conns` connections against a target for `secs` seconds.
async fn run_cell(t: Arc<Target>, w: Workload, conns: usize, secs: f64, seq_base: usize) -> Cell {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(secs);
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (t, counter) = (t.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut unfinished = 0usize;
            let mut stream: Option<TcpStream> = None;
            let mut buf = Vec::with_capacity(1 << 20);
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= MAX_REQUESTS {
                    break;
                }
                let req = request(&t, w, seq_base + n);
                if stream.is_none() {
                    match TcpStream::connect(&t.host).await {
                        Ok(s) => {
                            let _ = s.set_nodelay(true);
                            stream = Some(s)
                        }
                        Err(_) => {
                            errors += 1;
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    }
                }
                let Some(s) = stream.as_mut() else { continue };
                let t0 = Instant::now();
                // A hard stop: a request still running 2 s after the end of the cell is
                // counted as unfinished (only the peer ever needs this).
                let cutoff = tokio::time::Instant::from_std(deadline + Duration::from_secs(2));
                let Ok(result) = tokio::time::timeout_at(cutoff, exchange(s, &req, &mut buf)).await
                else {
                    unfinished += 1;
                    break;
                };
                match result {
                    Ok((status, close)) => {
                        let ok = matches!(
                            (w, status),
                            (Workload::GetPage, 200) | (Workload::PostEnvelope, 202)
                        );
                        if ok {
                            lat.push(t0.elapsed().as_secs_f64() * 1000.0);
                        } else {
                            errors += 1;
                        }
                        if close {
                            stream = None;
                        }
                    }
                    Err(_) => {
                        errors += 1;
                        stream = None;
                    }
                }
            }
            (lat, errors, unfinished)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    let mut unfinished = 0;
    for t in tasks {
        match t.await {
            Ok((l, e, u)) => {
                lat.extend(l);
                errors += e;
                unfinished += u;
            }
            Err(e) => panic!("load task failed: {e}"),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    Cell {
        requests: lat.len(),
        errors,
        unfinished,
        seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    }
}

fn objects() -> Vec<Value> {
    (0..OBJECTS).map(indicator).collect()
}

/// Our server on a fresh SQLite file, served by its own runtime thread.
fn start_ours(dir: &std::path::Path) -> (Target, std::sync::mpsc::Sender<()>) {
    let store: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::open(dir.join("bench.db")).unwrap());
    let t = store.taxii().unwrap();
    t.put_api_root(&ApiRoot {
        name: "api".into(),
        title: "bench".into(),
        description: None,
        max_content_length: 100 << 20,
    })
    .unwrap();
    t.put_collection(&Collection {
        id: COLL.into(),
        api_root: "api".into(),
        title: "bench".into(),
        description: None,
        alias: None,
    })
    .unwrap();
    let mut u = User::new("bench");
    u.admin = true;
    u.clearance = stix::ext::Tlp::Red;
    t.put_user(&u).unwrap();
    t.set_password_hash("bench", &app::accounts::hash_password("bench-pw").unwrap())
        .unwrap();
    let objs: Vec<StixObject> = objects()
        .into_iter()
        .map(|v| StixObject::from_value(v).unwrap())
        .collect();
    store
        .put_all(
            &objs,
            &ImportOptions {
                collection: Some(COLL.into()),
            },
        )
        .unwrap();
    let config = server::Config {
        rate_limit: 0.0,
        ..server::Config::default()
    };
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let _ = std::thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .thread_name("server-worker")
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                port_tx.send(listener.local_addr().unwrap().port()).unwrap();
                let state = server::AppState::new(store, config).unwrap();
                let stop = async move {
                    let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
                };
                server::serve(listener, state, stop).await.unwrap();
            });
        });
    let port = port_rx.recv().unwrap();
    (
        Target {
            name: "threatledger",
            host: format!("127.0.0.1:{port}"),
            objects_path: format!("/taxii2/api/collections/{COLL}/objects/"),
            auth: format!("Basic {}", server::auth::base64_encode(b"bench:bench-pw")),
        },
        stop_tx,
    )
}

fn start_medallion(peers: &std::path::Path, dir: &std::path::Path) -> (Target, peers::Medallion) {
    let m = peers::Medallion::start(peers, dir, COLL, "bench", "bench-pw");
    let c = Client::new(
        ClientAuth::Basic {
            user: "bench".into(),
            password: "bench-pw".into(),
        },
        Duration::from_secs(600),
    );
    for chunk in objects().chunks(500) {
        let body = json!({"objects": chunk}).to_string();
        let st = c
            .post(
                &format!("{}collections/{COLL}/objects/", m.root_url),
                body.as_bytes(),
            )
            .unwrap();
        assert_eq!(
            st["success_count"].as_u64(),
            Some(chunk.len() as u64),
            "{st}"
        );
    }
    (
        Target {
            name: "medallion",
            host: format!("127.0.0.1:{}", m.port),
            objects_path: format!("/api1/collections/{COLL}/objects/"),
            auth: format!("Basic {}", server::auth::base64_encode(b"bench:bench-pw")),
        },
        m,
    )
}

fn main() {
    let secs: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let dir = std::env::temp_dir().join(format!("threatledger-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (ours, stop) = start_ours(&dir);
    let ours = Arc::new(ours);
    let peers = peers::peers_dir();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("load-worker")
        .enable_all()
        .build()
        .unwrap();
    println!(
        "TAXII benchmark: {OBJECTS} indicators in one collection (same data on both servers); \
         GET pages of {PAGE}, POST envelopes of {PER_POST} new objects; {secs} s per cell; \
         medallion restarted with the data before each of its cells"
    );
    println!(
        "{:<14} {:<6} {:>5} {:>10} {:>9} {:>9} {:>7} {:>10}",
        "server", "load", "conns", "req/s", "p50 ms", "p99 ms", "errors", "unfinished"
    );
    let mut results = Vec::new();
    let mut seq = 0usize;
    let print = |name: &str, wname: &str, conns: usize, c: &Cell| {
        println!(
            "{:<14} {:<6} {:>5} {:>10.1} {:>9.2} {:>9.2} {:>7} {:>10}",
            name,
            wname,
            conns,
            c.rps(),
            c.p50_ms,
            c.p99_ms,
            c.errors,
            c.unfinished
        )
    };
    for (wname, w) in [("GET", Workload::GetPage), ("POST", Workload::PostEnvelope)] {
        for conns in [1usize, 16, 64] {
            let cell = rt.block_on(run_cell(ours.clone(), w, conns, secs, seq));
            seq += MAX_REQUESTS;
            print(ours.name, wname, conns, &cell);
            results.push((ours.name, wname, conns, cell));
            if let Some(p) = &peers {
                // A fresh medallion per cell: requests it could not finish in the
                // previous cell must not slow this one down.
                let (t, m) = start_medallion(p, &dir.join(format!("medallion-{wname}-{conns}")));
                let t = Arc::new(t);
                let cell = rt.block_on(run_cell(t.clone(), w, conns, secs, seq));
                seq += MAX_REQUESTS;
                drop(m);
                print(t.name, wname, conns, &cell);
                results.push((t.name, wname, conns, cell));
            }
        }
    }
    if peers.is_some() {
        println!("\nratio (threatledger / medallion requests per second); target at 64 connections: >= 20x with p99 < 20 ms");
        for wname in ["GET", "POST"] {
            for conns in [1usize, 16, 64] {
                let find = |n: &str| {
                    results
                        .iter()
                        .find(|r| r.0 == n && r.1 == wname && r.2 == conns)
                        .map(|r| &r.3)
                };
                let (Some(a), Some(b)) = (find("threatledger"), find("medallion")) else {
                    continue;
                };
                let ratio = if b.requests == 0 {
                    // Not one request in the cell and its 2 s grace: a lower bound.
                    format!(">{:.0}x", a.rps() * (secs + 2.0))
                } else {
                    format!("{:.1}x", a.rps() / b.rps())
                };
                let verdict = match conns {
                    64 if (b.requests == 0 || a.rps() / b.rps() >= 20.0) && a.p99_ms < 20.0 => {
                        "  target met"
                    }
                    64 => "  TARGET MISSED",
                    _ => "",
                };
                println!(
                    "  {wname:<5} {conns:>3} conns: {ratio:>10}  (ours: p99 {:.2} ms){verdict}",
                    a.p99_ms
                );
            }
        }
    } else {
        println!("\n(medallion not measured: no peers venv)");
    }
    let _ = stop.send(());
    let _ = std::fs::remove_dir_all(&dir);
}
