//! Rendering trace and screening results: JSON (for `--format json` and the
//! UI), CSV of the tainted flows, and Graphviz DOT. Amounts are decimal
//! strings in whole units of their asset (no floats).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};

use crate::account::{asset_decimals, format_amount};
use crate::graph::{AddrId, AssetId, Graph, NONE};
use crate::labels::LabelIndex;
use crate::peel::PeelChain;
use crate::screen::Exposure;
use crate::trace::{TraceConfig, TraceResult};

fn amount(g: &Graph, asset: AssetId, v: u128) -> String {
    let name = &g.assets()[usize::from(asset)];
    format_amount(v, asset_decimals(name))
}

fn addr_json(g: &Graph, a: AddrId) -> Value {
    if a == NONE {
        return Value::Null;
    }
    json!({"address": g.address(a), "chain": g.chain_of_addr(a).name})
}

/// The trace as one JSON document.
pub fn trace_json(
    g: &Graph,
    labels: &LabelIndex,
    r: &TraceResult,
    cfg: &TraceConfig,
    direction: &str,
    peels: &[PeelChain],
) -> Value {
    let mut totals = serde_json::Map::new();
    let mut assets: Vec<&AssetId> = r.totals.keys().collect();
    assets.sort();
    for &asset in assets {
        let t = &r.totals[&asset];
        let f = |v: u128| amount(g, asset, v);
        totals.insert(
            g.assets()[usize::from(asset)].clone(),
            json!({
                "seeded": f(t.seeded), "bridged_in": f(t.bridged_in), "reached_services": f(t.reached),
                "stuck_in_hops": f(t.stuck_in_hops), "unspent": f(t.unspent), "fees": f(t.fees),
                "hop_fees": f(t.hop_fees), "bridged_out": f(t.bridged_out), "cut_depth": f(t.cut_depth),
                "cut_value": f(t.cut_value),
                "unresolved": f(t.unspent + t.stuck_in_hops + t.cut_depth + t.cut_value),
            }),
        );
    }
    let reached: Vec<Value> = r
        .reached
        .iter()
        .map(|x| {
            let l = &labels.labels[x.label as usize];
            json!({
                "address": g.address(x.addr), "chain": g.chain_of_addr(x.addr).name,
                "category": l.category.as_str(), "name": l.name, "label_source": l.source,
                "confidence": l.confidence, "asset": g.assets()[usize::from(x.asset)],
                "amount": amount(g, x.asset, x.amount), "min_depth": x.min_depth,
                "first_tx": g.tx_hash_display(x.first_tx), "txs": x.txs,
            })
        })
        .collect();
    let hops: Vec<Value> = r
        .hops
        .iter()
        .map(|h| {
            json!({
                "kind": h.kind.as_str(), "tx": g.tx_hash_display(h.tx), "chain": g.chain_of_tx(h.tx).name,
                "service": addr_json(g, h.addr),
                "service_name": (h.addr != NONE).then(|| labels.best(h.addr, |_| true).map(|l| l.name.clone())).flatten(),
                "asset": g.assets()[usize::from(h.asset)], "amount": amount(g, h.asset, h.amount),
                "depth": h.depth,
                "continued": h.continued.iter().map(|t| json!({"tx": g.tx_hash_display(*t), "chain": g.chain_of_tx(*t).name})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let touched: Vec<Value> = r
        .touched
        .iter()
        .map(|(a, li, asset, v)| {
            let l = &labels.labels[*li as usize];
            json!({"address": g.address(*a), "chain": g.chain_of_addr(*a).name, "category": l.category.as_str(), "name": l.name, "label_source": l.source, "amount": amount(g, *asset, *v)})
        })
        .collect();
    let peel: Vec<Value> = peels
        .iter()
        .map(|p| {
            json!({
                "hops": p.txs.len(), "first_tx": g.tx_hash_display(p.txs[0]), "last_tx": g.tx_hash_display(*p.txs.last().unwrap_or(&p.txs[0])),
                "start_value": amount(g, g.tx_asset[p.txs[0] as usize], u128::from(p.start_value)),
                "end_value": amount(g, g.tx_asset[p.txs[0] as usize], u128::from(p.end_value)),
                "payments": p.payments.iter().map(|o| addr_json(g, g.output_addr(*o))).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "direction": direction,
        "method": cfg.method.as_str(),
        "method_explained": cfg.method.explain(),
        "max_depth": cfg.max_depth,
        "seeds": r.seeds.iter().map(|a| addr_json(g, *a)).collect::<Vec<_>>(),
        "totals": totals,
        "reached": reached,
        "hops": hops,
        "touched": touched,
        "peel_chains": peel,
        "flows": r.flows.len(),
        "txs_visited": r.txs_visited,
    })
}

/// Tainted flows as CSV: `tx,chain,asset,from,to,amount,depth,heuristic`.
pub fn flows_csv(g: &Graph, r: &TraceResult) -> String {
    let mut s = String::from("tx,chain,asset,from,to,amount,depth,heuristic\n");
    for f in &r.flows {
        let from = if f.from == NONE {
            ""
        } else {
            g.address(f.from)
        };
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            g.tx_hash_display(f.tx),
            g.chain_of_tx(f.tx).name,
            g.assets()[usize::from(f.asset)],
            csv_field(from),
            csv_field(g.address(f.to)),
            amount(g, f.asset, f.amount),
            f.depth,
            f.heuristic
        );
    }
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The flow graph in Graphviz DOT: addresses as nodes (labelled ones named
/// and coloured by category), edges summed per address pair and asset.
pub fn flows_dot(g: &Graph, labels: &LabelIndex, r: &TraceResult) -> String {
    let mut edges: BTreeMap<(AddrId, AddrId, AssetId), (u128, bool)> = BTreeMap::new();
    for f in &r.flows {
        let e = edges.entry((f.from, f.to, f.asset)).or_insert((0, false));
        e.0 += f.amount;
        e.1 |= f.heuristic;
    }
    let mut nodes: Vec<AddrId> = edges
        .keys()
        .flat_map(|(a, b, _)| [*a, *b])
        .filter(|a| *a != NONE)
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    let mut s = String::from("digraph trace {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
    for a in nodes {
        let text = g.address(a);
        let short = if text.len() > 16 {
            format!("{}…{}", &text[..8], &text[text.len() - 6..])
        } else {
            text.to_string()
        };
        let seed = r.seeds.contains(&a);
        let (label, color) = match labels.best(a, |_| true) {
            Some(l) => (
                format!(
                    "{short}\\n{} ({})",
                    dot_escape(&l.name),
                    l.category.as_str()
                ),
                category_color(l.category),
            ),
            None => (short, if seed { "red" } else { "black" }),
        };
        let _ = writeln!(
            s,
            "  a{a} [label=\"{label}\", color={color}{}];",
            if seed { ", penwidth=2" } else { "" }
        );
    }
    for ((a, b, asset), (v, heuristic)) in edges {
        let from = if a == NONE {
            "unknown".to_string()
        } else {
            format!("a{a}")
        };
        let style = if heuristic { ", style=dashed" } else { "" };
        let _ = writeln!(
            s,
            "  {from} -> a{b} [label=\"{} {}\"{style}];",
            amount(g, asset, v),
            g.assets()[usize::from(asset)]
        );
    }
    s.push_str("}\n");
    s
}

fn category_color(c: crate::labels::Category) -> &'static str {
    use crate::labels::Category::*;
    match c {
        Exchange | Otc | Service => "blue",
        Mixer => "purple",
        Bridge => "orange",
        Sanctioned | Theft => "red",
        Other => "gray",
    }
}

/// Screening results as JSON.
pub fn exposures_json(g: &Graph, labels: &LabelIndex, address: &str, hits: &[Exposure]) -> Value {
    json!({
        "address": address,
        "exposed": !hits.is_empty(),
        "exposures": hits.iter().map(|e| {
            let l = &labels.labels[e.label as usize];
            json!({
                "direction": e.direction.as_str(), "hops": e.hops,
                "target": addr_json(g, e.target), "category": l.category.as_str(), "name": l.name,
                "label_source": l.source, "confidence": l.confidence,
                "path": e.path.iter().map(|a| g.address(*a)).collect::<Vec<_>>(),
                "txs": e.txs.iter().map(|t| g.tx_hash_display(*t)).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
    })
}
