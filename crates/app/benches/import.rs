//! Import and query benchmark against python-stix2 (issue 3), one run, same inputs:
//!
//! 1. parse + import the ATT&CK ICS bundle into SQLite vs python-stix2
//!    `MemoryStore.load_from_file` (target ≥ 50×);
//! 2. relationships of 20 intrusion sets (ICS + Mobile) vs `MemoryStore.relationships`
//!    (target ≥ 100×);
//! 3. a synthetic 1M-object bundle: objects/s (target ≥ 100k/s) and peak memory
//!    against a 250k-object bundle (bounded memory: independent of size).
//!
//! `cargo bench -p app --bench import` — needs ../shared (data and peers); set
//! `BENCH_SYNTH=N` to change the synthetic size.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use store::{Direction, Query, RelatedQuery, Store};

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    p.is_dir().then_some(p)
}

fn python() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = std::env::var_os("THREATLEDGER_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".peers"));
    let py = venv.join("bin/python");
    py.exists().then_some(py)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatledger-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

fn import_file(store: &dyn Store, path: &Path) -> f64 {
    let t = Instant::now();
    let f = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path).unwrap());
    let r = app::import::import_bundle(
        store,
        f,
        &path.display().to_string(),
        &Default::default(),
        &mut |_, _| {},
    )
    .unwrap();
    assert!(r.rejected.is_empty());
    t.elapsed().as_secs_f64()
}

fn best_of<F: FnMut() -> f64>(n: usize, mut f: F) -> f64 {
    (0..n).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn main() {
    let (Some(data), Some(py)) = (shared(), python()) else {
        eprintln!(
            "skipping: needs ../shared/data and the peers venv (.peers or THREATLEDGER_PEERS)"
        );
        return;
    };
    let ics = data.join("attack/ics-attack.json");
    let mobile = data.join("attack/mobile-attack-17.1.json");

    // --- python-stix2 (one process; timings printed by the script, startup excluded).
    let script = format!(
        r#"
import time, stix2
def best(f, n=3):
    r = []
    for _ in range(n):
        t = time.perf_counter(); v = f(); r.append(time.perf_counter() - t)
    return min(r), v
load, _ = best(lambda: stix2.MemoryStore().load_from_file({ics:?}))
ms = stix2.MemoryStore(); ms.load_from_file({ics:?}); ms.load_from_file({mobile:?})
sets = sorted(ms.query([stix2.Filter('type', '=', 'intrusion-set')]), key=lambda o: o.id)[:20]
rels, n = best(lambda: sum(len(ms.relationships(o)) for o in sets))
print(load, rels, n, len(sets))
"#
    );
    let out = Command::new(&py)
        .arg("-c")
        .arg(&script)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<f64> = text
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let (py_load, py_rels, py_nrels, n_sets) = (f[0], f[1], f[2] as usize, f[3] as usize);

    // --- ours: parse + import ICS into a fresh SQLite file (store opened beforehand).
    let ours_load = best_of(3, || {
        let store = store_sqlite::SqliteStore::open(tmp("ics.db")).unwrap();
        import_file(&store, &ics)
    });
    println!("ATT&CK ICS parse + import (1,826 objects)");
    println!(
        "  python-stix2 MemoryStore.load_from_file  {:>9.2} ms",
        py_load * 1e3
    );
    println!(
        "  threatledger import into SQLite           {:>9.2} ms",
        ours_load * 1e3
    );
    println!(
        "  ratio                                     {:>9.1}x (target >= 50x)",
        py_load / ours_load
    );

    // --- relationships of 20 intrusion sets.
    let store = store_sqlite::SqliteStore::open(tmp("both.db")).unwrap();
    import_file(&store, &ics);
    import_file(&store, &mobile);
    let mut sets: Vec<String> = store
        .query_all(&Query::of_type("intrusion-set"))
        .unwrap()
        .into_iter()
        .map(|o| o.object.id().to_string())
        .collect();
    sets.sort();
    sets.truncate(20);
    let q = RelatedQuery {
        direction: Direction::Both,
        include_embedded: false,
        include_revoked: true,
        ..RelatedQuery::default()
    };
    let mut n = 0;
    let ours_rels = best_of(5, || {
        let t = Instant::now();
        n = sets
            .iter()
            .map(|id| store.related(id, &q).unwrap().len())
            .sum();
        t.elapsed().as_secs_f64()
    });
    println!(
        "\nrelationships of {} intrusion sets (ICS + Mobile)",
        n_sets.min(sets.len())
    );
    println!(
        "  python-stix2 MemoryStore.relationships   {:>9.3} ms ({py_nrels} relationships)",
        py_rels * 1e3
    );
    println!(
        "  threatledger Store::related               {:>9.3} ms ({n} relationships)",
        ours_rels * 1e3
    );
    println!(
        "  ratio                                     {:>9.1}x (target >= 100x)",
        py_rels / ours_rels
    );

    // --- synthetic bundles: throughput and memory (in a child process each, so peak
    // RSS is the import's own).
    let exe = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/threatledger");
    if !exe.exists() {
        println!("\n(synthetic import skipped: build the binary first with `cargo build --release -p cli`)");
        return;
    }
    let big: u64 = std::env::var("BENCH_SYNTH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    println!("\nsynthetic bundles (threatledger import, child process)");
    for n in [big / 4, big] {
        let bundle = tmp(&format!("synth-{n}.json"));
        let st = Command::new(&exe)
            .args(["synth", "--objects", &n.to_string(), "--out"])
            .arg(&bundle)
            .status()
            .unwrap();
        assert!(st.success());
        let db = tmp(&format!("synth-{n}.db"));
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(&exe)
            .arg("--db")
            .arg(&db)
            .args(["import", "--format", "json"])
            .arg(&bundle)
            .output()
            .unwrap();
        let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rss_kb: u64 = String::from_utf8_lossy(&out.stderr)
            .trim()
            .lines()
            .last()
            .unwrap_or("0")
            .parse()
            .unwrap_or(0);
        let secs = rep["seconds"].as_f64().unwrap();
        println!(
            "  {n:>9} objects  {:>7.2} s  {:>9.0} objects/s  peak RSS {:>6} MB",
            secs,
            n as f64 / secs,
            rss_kb / 1024
        );
        let _ = std::fs::remove_file(&bundle);
    }
}
