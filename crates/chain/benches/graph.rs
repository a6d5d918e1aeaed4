//! Ingestion, clustering and tracing over synthetic graphs of growing size
//! (default 1M, 2M, 5M and 10M transactions; `CHAIN_BENCH_SIZES=1000000,…`
//! to choose), plus parsing the real block. Prints transactions per second
//! per phase, graph size in memory and the process's peak RSS.
//!
//! There is no peer to compare with here (no Python tool clusters or traces
//! a Bitcoin graph), so the figures stand alone; growth from 1M to 10M is
//! the point.

use std::time::Instant;

use chain::cluster::{cluster, ClusterConfig};
use chain::labels::LabelIndex;
use chain::synth::{generate, SynthConfig};
use chain::trace::{trace_forward, Method, TraceConfig};

fn peak_rss_mib() -> f64 {
    // The bench binary is an edge: reading /proc is fine here.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let block_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/data/chain/bitcoin/mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw",
    );
    match std::fs::read(&block_path) {
        Ok(bytes) => {
            let reps = 200;
            let t = Instant::now();
            let mut txs = 0;
            for _ in 0..reps {
                let b = chain::btc::parse_block(&bytes).expect("block parses");
                let mut gb = chain::graph::GraphBuilder::new();
                chain::ingest::add_bitcoin_block(&mut gb, &b);
                txs += gb.finish().tx_count();
            }
            let s = t.elapsed().as_secs_f64();
            println!(
                "real block: parse + hash + ingest x{reps}: {:.0} tx/s, {:.1} MB/s",
                txs as f64 / s,
                (bytes.len() * reps) as f64 / s / 1e6
            );
        }
        Err(_) => println!(
            "skipping the real block: {} not found",
            block_path.display()
        ),
    }

    let sizes: Vec<usize> = std::env::var("CHAIN_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000_000, 2_000_000, 5_000_000, 10_000_000]);
    println!(
        "{:>10} {:>10} {:>10} {:>10} {:>12} {:>12} {:>9} {:>10} {:>9}",
        "txs",
        "addresses",
        "inputs",
        "outputs",
        "ingest tx/s",
        "cluster tx/s",
        "clusters",
        "graph MiB",
        "peak MiB"
    );
    for n in sizes {
        let t = Instant::now();
        // Generation feeds the builder transaction by transaction (address
        // interning, outpoint resolution), so it is the ingestion figure; it
        // includes the generator's own work (RNG, coin selection) and the
        // finishing pass (spend links, CSR adjacency, time order).
        let s = generate(&SynthConfig::bench(42, n));
        let ingest = t.elapsed().as_secs_f64();
        let g = &s.graph;
        let txs = g.tx_count();
        let t = Instant::now();
        let c = cluster(g, &ClusterConfig::MULTI_INPUT);
        let cl = t.elapsed().as_secs_f64();
        let graph_mib = g.heap_bytes() as f64 / 1048576.0;
        println!(
            "{:>10} {:>10} {:>10} {:>10} {:>12.0} {:>12.0} {:>9} {:>10.0} {:>9.0}",
            txs,
            g.addr_count(),
            g.input_count(),
            g.output_count(),
            txs as f64 / ingest,
            txs as f64 / cl,
            c.cluster_count(),
            graph_mib,
            peak_rss_mib()
        );
        // A forward trace from a few early addresses, haircut, depth 8.
        let labels = LabelIndex::new(g, Vec::new());
        let seeds: Vec<u32> = (0..10)
            .map(|i| g.output_addr(g.outputs(1000 + i).start))
            .collect();
        let mut cfg = TraceConfig::new(Method::Haircut);
        cfg.max_depth = 8;
        let t = Instant::now();
        let r = trace_forward(g, &labels, &seeds, &cfg);
        println!(
            "{:>10} trace (haircut, depth 8, 10 seeds): {} txs visited, {} flows in {:.2} s",
            "",
            r.txs_visited,
            r.flows.len(),
            t.elapsed().as_secs_f64()
        );
    }
}
