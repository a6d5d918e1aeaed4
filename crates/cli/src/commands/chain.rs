//! `threatledger trace` and `threatledger screen`: fund tracing and sanctions
//! screening over chain data files (and a Bitcoin Core node). Reading files
//! and the node happens here; everything else is in the `chain` crate.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chain::cluster::{cluster, ClusterConfig};
use chain::graph::{AddrId, Graph, GraphBuilder};
use chain::labels::{canonical_address, parse_ofac_list, parse_tagpack, Label, LabelIndex};
use chain::trace::{Method, MixerMatch, TraceConfig};

use crate::output::{print_json, Format};
use crate::{exit, Cli};

/// Where the chain data and labels come from (shared by `trace` and `screen`).
#[derive(clap::Args, Clone)]
pub struct DataArgs {
    /// Chain data: raw Bitcoin blocks (a block, or Bitcoin Core blk*.dat), Bitcoin Core
    /// `getblock` JSON (verbosity 2 or 3), account-model transfers (.csv, or a .json array;
    /// schema in the README). Repeatable.
    #[arg(long = "data", value_name = "FILE")]
    pub data: Vec<PathBuf>,
    /// Bitcoin Core JSON-RPC endpoint (http://user:pass@host:8332/) to fetch --block hashes from.
    #[arg(long, value_name = "URL")]
    pub rpc: Option<String>,
    /// Block hash to fetch with --rpc (repeatable).
    #[arg(long = "block", value_name = "HASH", requires = "rpc")]
    pub blocks: Vec<String>,
    /// Label sources: GraphSense tag packs (.yaml), OFAC lists (sanctioned_addresses_<ASSET>.txt),
    /// or directories holding them. Repeatable.
    #[arg(long = "labels", value_name = "PATH")]
    pub labels: Vec<PathBuf>,
    /// Extra theft address (repeatable), as `ADDRESS` or `CHAIN:ADDRESS`.
    #[arg(long = "theft", value_name = "ADDRESS")]
    pub theft: Vec<String>,
    /// Use the synthetic laundering scenario with this seed instead of (or with) --data.
    #[arg(long, value_name = "SEED")]
    pub synthetic: Option<u64>,
    /// Do not spread service labels over multi-input clusters.
    #[arg(long)]
    pub no_cluster_labels: bool,
    /// Also join addresses by change heuristics (fresh address, round payment, script type).
    #[arg(long)]
    pub change_heuristics: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum MethodArg {
    Poison,
    Haircut,
    Fifo,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DirectionArg {
    Forward,
    Backward,
}

/// Follow stolen funds from theft addresses (or back to their sources): taint by poison,
/// haircut or FIFO; stops at exchanges and other services; marks mixer, CoinJoin and
/// bridge hops; detects peel chains.
#[derive(clap::Args)]
#[command(after_help = "\
Exit codes: 0 the trace reached a labelled service; 1 it reached none; 2 usage or input error.

Examples:
  threatledger trace --synthetic 7 --theft x5322 --follow-mixers
  threatledger trace --address bc1q... --data blocks/ --labels ../shared/data/chain/tagpacks --method fifo --dot > flow.dot
  threatledger trace --incident incident--… --data transfers.csv --labels packs/ --store --format json
  threatledger trace --address 0xabc… --data transfers.csv --direction backward --csv")]
pub struct TraceArgs {
    /// Start address (repeatable), as `ADDRESS` or `CHAIN:ADDRESS`.
    #[arg(long = "address", value_name = "ADDRESS")]
    pub addresses: Vec<String>,
    /// Start from the crypto-address SCOs related to this incident in the store.
    #[arg(long)]
    pub incident: Option<String>,
    #[arg(long, default_value_t = 32)]
    pub depth: u32,
    #[arg(long, value_enum, default_value_t = MethodArg::Haircut)]
    pub method: MethodArg,
    #[arg(long, value_enum, default_value_t = DirectionArg::Forward)]
    pub direction: DirectionArg,
    /// Drop tainted amounts below this many base units (satoshi; 1e-9 of account-chain assets).
    #[arg(long, default_value_t = 0)]
    pub min_value: u64,
    /// Forward: only funds the start addresses received at or after this Unix time.
    #[arg(long, default_value_t = 0)]
    pub since: u64,
    /// Continue through custodial mixers by matching payouts to deposits (amount within
    /// --mixer-fee-bp, time within --mixer-window seconds). Such links are heuristic.
    #[arg(long)]
    pub follow_mixers: bool,
    #[arg(long, default_value_t = 300)]
    pub mixer_fee_bp: u32,
    #[arg(long, default_value_t = 86_400)]
    pub mixer_window: u64,
    /// Do not continue on the other chain at bridge hops.
    #[arg(long)]
    pub no_bridges: bool,
    /// Do not stop at exchanges and other services.
    #[arg(long)]
    pub through_services: bool,
    /// Print the tainted flows as CSV instead of the summary.
    #[arg(long, conflicts_with = "dot")]
    pub csv: bool,
    /// Print the flow graph as Graphviz DOT instead of the summary.
    #[arg(long)]
    pub dot: bool,
    /// Store the result as STIX (crypto-address SCOs, relationships from the incident, a note).
    #[arg(long)]
    pub store: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Screen addresses for exposure to sanctioned or theft-labelled addresses within N hops.
#[derive(clap::Args)]
#[command(after_help = "\
Exit codes: 0 at least one address is exposed; 1 none is; 2 usage or input error.

Examples:
  threatledger screen 1AXUTu9y3H8w4wYx4BjyFWgRhZKDhmcMrn --labels ../shared/data/chain/ofac
  threatledger screen addresses.txt --data blocks/ --labels ../shared/data/chain --hops 4 --format json
  threatledger screen --synthetic 7 x5748 --theft x5322")]
pub struct ScreenArgs {
    /// Addresses (`ADDRESS` or `CHAIN:ADDRESS`), or one file with an address per line.
    #[arg(required = true, value_name = "ADDRESS|FILE")]
    pub targets: Vec<String>,
    #[arg(long, default_value_t = 3)]
    pub hops: u32,
    /// Stop a search after this many addresses (busy hubs).
    #[arg(long, default_value_t = 1_000_000)]
    pub max_visits: usize,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Graph and labels loaded from the data arguments.
struct Loaded {
    graph: Graph,
    labels: LabelIndex,
    all_labels: Vec<Label>,
}

fn load(cli: &Cli, d: &DataArgs, extra: Vec<Label>) -> anyhow::Result<Loaded> {
    let mut b = GraphBuilder::new();
    let mut all_labels = extra;
    if let Some(seed) = d.synthetic {
        let s = chain::synth::generate(&chain::synth::SynthConfig::small(seed));
        // Rebuild through the builder so --data files can join it.
        b = rebuild(&s.graph);
        all_labels.extend(s.labels);
    }
    for path in expand(&d.data)? {
        load_data(&mut b, &path).with_context(|| format!("cannot load {}", path.display()))?;
    }
    if let Some(url) = &d.rpc {
        for hash in &d.blocks {
            // Verbosity 3 (Bitcoin Core 23+) adds the spent outputs; older nodes
            // refuse it, so fall back to 2.
            let v = rpc_call(url, "getblock", &serde_json::json!([hash, 3]))
                .or_else(|_| rpc_call(url, "getblock", &serde_json::json!([hash, 2])))
                .with_context(|| format!("getblock {hash} from {}", redact(url)))?;
            let block = chain::account::parse_getblock(&v)?;
            chain::account::add_rpc_block(&mut b, &block);
        }
    }
    for path in expand(&d.labels)? {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (labels, diags) = if name.ends_with(".yaml") || name.ends_with(".yml") {
            parse_tagpack(&text, &name)
        } else if let Some(asset) = name
            .strip_prefix("sanctioned_addresses_")
            .and_then(|n| n.strip_suffix(".txt"))
        {
            parse_ofac_list(&text, asset, &name)
        } else {
            continue;
        };
        if !cli.quiet {
            for dg in diags {
                eprintln!("threatledger: {name}: {dg}");
            }
        }
        all_labels.extend(labels);
    }
    for t in &d.theft {
        let (chain, address) = split_chain(t);
        all_labels.push(Label {
            chain: chain.clone(),
            address: canonical_address(&chain, address).unwrap_or_else(|| address.to_string()),
            category: chain::labels::Category::Theft,
            name: "theft (command line)".into(),
            source: "--theft".into(),
            confidence: 100,
            actor: None,
        });
    }
    let graph = b.finish();
    if graph.unresolved_bridges() > 0 && !cli.quiet {
        eprintln!(
            "threatledger: {} bridge links name transactions not in the data",
            graph.unresolved_bridges()
        );
    }
    let mut labels = LabelIndex::new(&graph, all_labels.clone());
    if !d.no_cluster_labels {
        let mut cfg = ClusterConfig::MULTI_INPUT;
        if d.change_heuristics {
            cfg.change_fresh_address = true;
            cfg.change_round_payment = true;
            cfg.change_script_type = true;
        }
        let c = cluster(&graph, &cfg);
        labels.extend_by_clusters(&graph, &c);
    }
    Ok(Loaded {
        graph,
        labels,
        all_labels,
    })
}

/// Copies a finished graph into a builder (the synthetic scenario plus files).
fn rebuild(g: &Graph) -> GraphBuilder {
    use chain::graph::{InputRec, OutputRec, Prev, TxRec, NONE};
    let mut b = GraphBuilder::new();
    let chains: Vec<u8> = g
        .chains()
        .iter()
        .map(|c| b.chain(&c.name, c.model))
        .collect();
    let assets: Vec<u16> = g.assets().iter().map(|a| b.asset(a)).collect();
    let mut ids = vec![NONE; g.addr_count()];
    for a in 0..g.addr_count() as AddrId {
        let chain = g
            .chains()
            .iter()
            .position(|c| c.name == g.chain_of_addr(a).name)
            .unwrap_or(0);
        ids[a as usize] = b.address(chains[chain], g.address(a));
    }
    let map = |a: AddrId| if a == NONE { NONE } else { ids[a as usize] };
    for t in 0..g.tx_count() as u32 {
        let inputs: Vec<InputRec> = g
            .inputs(t)
            .map(|i| {
                let p = g.input_prev(i);
                let prev = if p == NONE {
                    Prev::None
                } else {
                    Prev::Id(g.output_tx(p), p - g.outputs(g.output_tx(p)).start)
                };
                InputRec {
                    addr: map(g.input_addr(i)),
                    value: g.input_value(i),
                    prev,
                }
            })
            .collect();
        let outputs: Vec<OutputRec> = g
            .outputs(t)
            .map(|o| OutputRec {
                addr: map(g.output_addr(o)),
                value: g.output_value(o),
            })
            .collect();
        let chain = g
            .chains()
            .iter()
            .position(|c| c.name == g.chain_of_tx(t).name)
            .unwrap_or(0);
        let asset = g
            .assets()
            .iter()
            .position(|a| a == g.asset_of_tx(t))
            .unwrap_or(0);
        b.add_tx(TxRec {
            chain: chains[chain],
            asset: assets[asset],
            time: g.tx_time(t),
            hash: g.tx_hash(t),
            coinbase: g.is_coinbase(t),
            inputs: &inputs,
            outputs: &outputs,
        });
    }
    for &(s, d) in g.bridge_links() {
        b.add_bridge_link(g.tx_hash(s), g.tx_hash(d));
    }
    b
}

/// Files named directly, and the files of named directories (sorted).
fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read directory {}", p.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            out.extend(v);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            bail!("{}: no such file or directory", p.display());
        }
    }
    Ok(out)
}

fn load_data(b: &mut GraphBuilder, path: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(path)?;
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".csv") {
        let text = String::from_utf8(bytes).context("not UTF-8")?;
        chain::account::add_transfers(b, &chain::account::parse_csv(&text)?);
    } else if name.ends_with(".json") {
        let v: serde_json::Value = serde_json::from_slice(&bytes)?;
        if v.is_array() {
            chain::account::add_transfers(b, &chain::account::parse_json(&v)?);
        } else {
            chain::account::add_rpc_block(b, &chain::account::parse_getblock(&v)?);
        }
    } else if bytes.starts_with(&[0xf9, 0xbe, 0xb4, 0xd9]) {
        // Bitcoin Core blk*.dat: magic, little-endian length, block; zero padding at the end.
        let mut pos = 0;
        while pos + 8 <= bytes.len() && bytes[pos..pos + 4] == [0xf9, 0xbe, 0xb4, 0xd9] {
            let len = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into()?) as usize;
            let end = (pos + 8)
                .checked_add(len)
                .filter(|e| *e <= bytes.len())
                .context("truncated block record")?;
            let block = chain::btc::parse_block(&bytes[pos + 8..end])
                .with_context(|| format!("block record at byte {pos}"))?;
            chain::ingest::add_bitcoin_block(b, &block);
            pos = end;
        }
    } else {
        let block = chain::btc::parse_block(&bytes)?;
        chain::ingest::add_bitcoin_block(b, &block);
    }
    Ok(())
}

fn split_chain(s: &str) -> (String, &str) {
    match s.split_once(':') {
        Some((c, a))
            if !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                && c != "p2pk"
                && c != "script" =>
        {
            (c.to_string(), a)
        }
        _ => (guess_chain(s), s),
    }
}

fn guess_chain(a: &str) -> String {
    if a.starts_with("0x") {
        "ethereum".into()
    } else if a.starts_with('T') && a.len() == 34 {
        "tron".into()
    } else {
        "bitcoin".into()
    }
}

/// Graph ids of an address given as text (canonicalised for its chain).
fn resolve(g: &Graph, s: &str) -> Vec<AddrId> {
    let (chain, a) = split_chain(s);
    let canon = canonical_address(&chain, a).unwrap_or_else(|| a.trim().to_string());
    let mut v: Vec<AddrId> = g.find_address(&chain, &canon).into_iter().collect();
    if v.is_empty() {
        v = g.find_address_any(a.trim());
    }
    v
}

pub fn run_trace(cli: &Cli, args: &TraceArgs) -> anyhow::Result<u8> {
    let mut starts = args.addresses.clone();
    let mut extra = Vec::new();
    let store = if args.store || args.incident.is_some() {
        Some(super::open_store(cli)?)
    } else {
        None
    };
    if let Some(inc) = &args.incident {
        stix::StixId::parse(inc)?;
        let s = store.as_ref().context("store")?;
        let addrs = app::chain::incident_addresses(s.as_ref(), inc, &store::Visibility::all())?;
        if addrs.is_empty() {
            bail!(
                "{inc}: no crypto-address objects are related to this incident in {}",
                cli.db
            );
        }
        extra = app::chain::theft_labels(inc, &addrs);
        starts.extend(addrs.iter().map(|(a, c)| format!("{c}:{a}")));
    }
    if starts.is_empty() {
        bail!("nothing to trace: give --address or --incident");
    }
    let loaded = load(cli, &args.data, extra)?;
    let g = &loaded.graph;
    let mut seeds = Vec::new();
    for s in &starts {
        let ids = resolve(g, s);
        if ids.is_empty() && !cli.quiet {
            eprintln!("threatledger: {s}: not in the chain data");
        }
        seeds.extend(ids);
    }
    seeds.sort_unstable();
    seeds.dedup();
    if seeds.is_empty() {
        bail!(
            "none of the start addresses occurs in the chain data ({} transactions loaded)",
            g.tx_count()
        );
    }
    let mut cfg = TraceConfig::new(match args.method {
        MethodArg::Poison => Method::Poison,
        MethodArg::Haircut => Method::Haircut,
        MethodArg::Fifo => Method::Fifo,
    });
    cfg.max_depth = args.depth;
    cfg.min_value = args.min_value;
    cfg.since = args.since;
    cfg.follow_bridges = !args.no_bridges;
    cfg.stop_at_services = !args.through_services;
    if args.follow_mixers {
        cfg.follow_mixers = Some(MixerMatch {
            max_fee_bp: args.mixer_fee_bp,
            window_secs: args.mixer_window,
        });
    }
    let (r, direction) = match args.direction {
        DirectionArg::Forward => (
            chain::trace::trace_forward(g, &loaded.labels, &seeds, &cfg),
            "forward",
        ),
        DirectionArg::Backward => (
            chain::trace::trace_backward(g, &loaded.labels, &seeds, &cfg),
            "backward",
        ),
    };
    let txs: Vec<u32> = r.flows.iter().map(|f| f.tx).collect();
    let peels = chain::peel::detect(g, Some(&txs), &chain::peel::PeelConfig::default());
    let summary = chain::report::trace_json(g, &loaded.labels, &r, &cfg, direction, &peels);
    if args.store {
        let s = store.as_ref().context("store")?;
        let objects = app::chain::trace_objects(
            g,
            &loaded.labels,
            &r,
            &cfg,
            direction,
            args.incident.as_deref(),
            &super::accounts::now(),
        )?;
        let summary = app::chain::stored_summary(&objects);
        let written = app::chain::store_trace(s.as_ref(), objects)?;
        if !cli.quiet {
            eprintln!("threatledger: stored {written} objects (of {summary})");
        }
    }
    let mut out = std::io::stdout().lock();
    if args.csv {
        out.write_all(chain::report::flows_csv(g, &r).as_bytes())?;
    } else if args.dot {
        out.write_all(chain::report::flows_dot(g, &loaded.labels, &r).as_bytes())?;
    } else {
        match cli.format {
            Format::Json => print_json(&summary)?,
            Format::Text => print_trace(&mut out, &summary)?,
        }
    }
    let _ = &loaded.all_labels;
    Ok(if r.reached.is_empty() {
        exit::REJECTED
    } else {
        exit::OK
    })
}

fn print_trace(out: &mut dyn Write, s: &serde_json::Value) -> anyhow::Result<()> {
    let str_of = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    writeln!(
        out,
        "{} trace, {}",
        str_of(&s["direction"]),
        str_of(&s["method_explained"])
    )?;
    let seeds: Vec<String> = s["seeds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| format!("{}:{}", str_of(&x["chain"]), str_of(&x["address"])))
        .collect();
    writeln!(out, "from {}", seeds.join(", "))?;
    for (asset, t) in s["totals"].as_object().into_iter().flatten() {
        writeln!(
            out,
            "{asset}: seeded {} (+{} bridged in), reached services {}, bridged out {}, fees {} (+{} mixer), unresolved {} (unspent {}, stuck in hops {}, cut off {})",
            str_of(&t["seeded"]), str_of(&t["bridged_in"]), str_of(&t["reached_services"]), str_of(&t["bridged_out"]),
            str_of(&t["fees"]), str_of(&t["hop_fees"]), str_of(&t["unresolved"]), str_of(&t["unspent"]),
            str_of(&t["stuck_in_hops"]), {
                let a = t["cut_depth"].as_str().unwrap_or("0");
                let b = t["cut_value"].as_str().unwrap_or("0");
                format!("{a} by depth, {b} by value")
            }
        )?;
    }
    writeln!(out, "reached:")?;
    for r in s["reached"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "  {:>18} {:5} {:10} {:24} {}:{} depth {} ({}, confidence {})",
            str_of(&r["amount"]),
            str_of(&r["asset"]),
            str_of(&r["category"]),
            str_of(&r["name"]),
            str_of(&r["chain"]),
            str_of(&r["address"]),
            r["min_depth"],
            str_of(&r["label_source"]),
            r["confidence"]
        )?;
    }
    for h in s["hops"].as_array().into_iter().flatten() {
        let cont: Vec<String> = h["continued"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| format!("{}:{}", str_of(&c["chain"]), str_of(&c["tx"])))
            .collect();
        writeln!(
            out,
            "hop {:20} {} {} at depth {} in {}:{}{}",
            str_of(&h["kind"]),
            str_of(&h["amount"]),
            str_of(&h["asset"]),
            h["depth"],
            str_of(&h["chain"]),
            str_of(&h["tx"]),
            if cont.is_empty() {
                " (not continued)".to_string()
            } else {
                format!(" -> {}", cont.join(", "))
            }
        )?;
    }
    for p in s["peel_chains"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "peel chain: {} hops from {} to {}, {} -> {}",
            p["hops"],
            str_of(&p["first_tx"]),
            str_of(&p["last_tx"]),
            str_of(&p["start_value"]),
            str_of(&p["end_value"])
        )?;
    }
    for t in s["touched"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "passed through {} '{}' {}:{} ({})",
            str_of(&t["category"]),
            str_of(&t["name"]),
            str_of(&t["chain"]),
            str_of(&t["address"]),
            str_of(&t["amount"])
        )?;
    }
    writeln!(
        out,
        "{} flows over {} transactions",
        s["flows"], s["txs_visited"]
    )?;
    Ok(())
}

pub fn run_screen(cli: &Cli, args: &ScreenArgs) -> anyhow::Result<u8> {
    let mut targets = Vec::new();
    for t in &args.targets {
        let p = Path::new(t);
        if args.targets.len() == 1 && p.is_file() {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {t}"))?;
            targets.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_string),
            );
        } else {
            targets.push(t.clone());
        }
    }
    let loaded = load(cli, &args.data, Vec::new())?;
    let g = &loaded.graph;
    let cfg = chain::screen::ScreenConfig {
        max_hops: args.hops,
        max_visits: args.max_visits,
    };
    let mut results = Vec::new();
    let mut exposed = false;
    for t in &targets {
        let ids = resolve(g, t);
        if ids.is_empty() {
            // Not in the data: only its own labels can be checked.
            let (chain, a) = split_chain(t);
            let canon = canonical_address(&chain, a).unwrap_or_else(|| a.trim().to_string());
            let hits: Vec<&Label> = chain::labels::lookup(&loaded.all_labels, &canon)
                .into_iter()
                .filter(|l| {
                    matches!(
                        l.category,
                        chain::labels::Category::Sanctioned | chain::labels::Category::Theft
                    )
                })
                .collect();
            exposed |= !hits.is_empty();
            results.push(serde_json::json!({
                "address": t, "in_data": false, "exposed": !hits.is_empty(),
                "exposures": hits.iter().map(|l| serde_json::json!({"direction": "self", "hops": 0, "category": l.category.as_str(), "name": l.name, "label_source": l.source, "confidence": l.confidence, "path": [canon.clone()], "txs": []})).collect::<Vec<_>>(),
            }));
            continue;
        }
        for id in ids {
            let hits = chain::screen::screen(g, &loaded.labels, id, &cfg);
            exposed |= !hits.is_empty();
            let mut v = chain::report::exposures_json(g, &loaded.labels, t, &hits);
            v["in_data"] = serde_json::Value::Bool(true);
            v["chain"] = serde_json::Value::String(g.chain_of_addr(id).name.clone());
            results.push(v);
        }
    }
    match cli.format {
        Format::Json => print_json(&results)?,
        Format::Text => {
            let mut out = std::io::stdout().lock();
            for r in &results {
                let addr = r["address"].as_str().unwrap_or("");
                let list = r["exposures"].as_array().cloned().unwrap_or_default();
                if list.is_empty() {
                    writeln!(
                        out,
                        "{addr}: no exposure within {} hops{}",
                        args.hops,
                        if r["in_data"] == false {
                            " (not in the chain data; labels only)"
                        } else {
                            ""
                        }
                    )?;
                }
                for e in list {
                    let path: Vec<String> = e["path"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| p.as_str().unwrap_or("").to_string())
                        .collect();
                    writeln!(
                        out,
                        "{addr}: {} {} '{}' at {} hops ({}): {}",
                        e["direction"].as_str().unwrap_or(""),
                        e["category"].as_str().unwrap_or(""),
                        e["name"].as_str().unwrap_or(""),
                        e["hops"],
                        e["label_source"].as_str().unwrap_or(""),
                        path.join(" -> ")
                    )?;
                }
            }
        }
    }
    Ok(if exposed { exit::OK } else { exit::REJECTED })
}

/// Hides the password of an RPC URL in messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// One JSON-RPC call over plain HTTP/1.1 (Bitcoin Core listens on localhost;
/// no TLS). `Connection: close` and read to the end; chunked bodies decoded.
fn rpc_call(
    url: &str,
    method: &str,
    params: &serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let rest = url
        .strip_prefix("http://")
        .context("--rpc must be an http:// URL")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let hostport = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:8332")
    };
    let body = serde_json::json!({"jsonrpc": "1.0", "id": "threatledger", "method": method, "params": params}).to_string();
    let mut req = format!("POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    if let Some(u) = userinfo {
        req.push_str(&format!(
            "Authorization: Basic {}\r\n",
            base64(u.as_bytes())
        ));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    let mut s =
        TcpStream::connect(&hostport).with_context(|| format!("cannot connect to {hostport}"))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(120)))?;
    s.write_all(req.as_bytes())?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp)?;
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no HTTP header in the answer")?;
    let head = String::from_utf8_lossy(&resp[..split]).to_string();
    let mut body = resp[split + 4..].to_vec();
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body).context("bad chunked body")?;
    }
    let v: serde_json::Value = serde_json::from_slice(&body)
        .with_context(|| format!("HTTP {status}: the answer is not JSON"))?;
    if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
        bail!("RPC error: {e}");
    }
    if status != "200" {
        bail!("HTTP {status}");
    }
    Ok(v)
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let nl = b.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&b[..nl]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        b = &b[nl + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_and_dechunk() {
        assert_eq!(super::base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(
            super::dechunk(b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n").unwrap(),
            b"Wikipedia"
        );
        assert_eq!(
            super::redact("http://u:p@127.0.0.1:8332/"),
            "http://…@127.0.0.1:8332/"
        );
    }
}
