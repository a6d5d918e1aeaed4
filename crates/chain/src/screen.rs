//! Sanctions screening: is an address within N hops of a sanctioned or
//! theft-labelled address, in either direction, and by which path?
//! Breadth-first over the address graph (an edge joins each input address of
//! a transaction to each of its output addresses); custodial services are
//! not expanded, since exposure through an exchange's pooled wallets says
//! nothing about the screened address.

use std::collections::{HashMap, VecDeque};

use crate::graph::{AddrId, Graph, TxId, NONE};
use crate::labels::{Category, LabelIndex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Funds flowed from the risky address to the screened one.
    Incoming,
    /// Funds flowed from the screened address to the risky one.
    Outgoing,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
        }
    }
}

/// One exposure: the path runs from the screened address to the labelled one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub direction: Direction,
    pub hops: u32,
    pub target: AddrId,
    pub label: u32,
    /// Addresses from the screened one to the target (inclusive).
    pub path: Vec<AddrId>,
    /// The transaction of each step (`path.len() - 1` entries).
    pub txs: Vec<TxId>,
    /// Value of the transaction output on the last step (the risky side).
    pub value: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct ScreenConfig {
    pub max_hops: u32,
    /// Stop after visiting this many addresses per direction (hubs).
    pub max_visits: usize,
}

fn risky(c: Category) -> bool {
    matches!(c, Category::Sanctioned | Category::Theft)
}

/// Screens one address; the address itself counts at 0 hops.
pub fn screen(g: &Graph, labels: &LabelIndex, start: AddrId, cfg: &ScreenConfig) -> Vec<Exposure> {
    let mut out = Vec::new();
    for (li, l) in labels.labels_of(start) {
        if risky(l.category) {
            out.push(Exposure {
                direction: Direction::Incoming,
                hops: 0,
                target: start,
                label: li,
                path: vec![start],
                txs: Vec::new(),
                value: 0,
            });
        }
    }
    for dir in [Direction::Incoming, Direction::Outgoing] {
        let mut parent: HashMap<AddrId, (AddrId, TxId, u64)> = HashMap::new();
        let mut depth: HashMap<AddrId, u32> = HashMap::from([(start, 0)]);
        let mut queue = VecDeque::from([start]);
        while let Some(a) = queue.pop_front() {
            let d = depth[&a];
            if d >= cfg.max_hops || depth.len() >= cfg.max_visits {
                continue;
            }
            if a != start && labels.of(a).any(|l| l.category.is_endpoint()) {
                continue;
            }
            for (b, t, v) in neighbours(g, a, dir) {
                if b == NONE || depth.contains_key(&b) {
                    continue;
                }
                depth.insert(b, d + 1);
                parent.insert(b, (a, t, v));
                if let Some((li, _)) = labels.labels_of(b).find(|(_, l)| risky(l.category)) {
                    let mut path = vec![b];
                    let mut txs = Vec::new();
                    let mut x = b;
                    while let Some(&(p, t, _)) = parent.get(&x) {
                        path.push(p);
                        txs.push(t);
                        x = p;
                    }
                    path.reverse();
                    txs.reverse();
                    out.push(Exposure {
                        direction: dir,
                        hops: d + 1,
                        target: b,
                        label: li,
                        path,
                        txs,
                        value: v,
                    });
                    // Do not expand beyond a risky address: the nearest one is the finding.
                    continue;
                }
                queue.push_back(b);
            }
        }
    }
    out.sort_by_key(|e| (e.hops, e.direction as u8, e.target));
    out
}

/// Addresses one step away, with the transaction and the value moved.
fn neighbours(g: &Graph, a: AddrId, dir: Direction) -> Vec<(AddrId, TxId, u64)> {
    let mut v = Vec::new();
    match dir {
        Direction::Outgoing => {
            for &i in g.sent(a) {
                let t = g.input_tx(i);
                v.extend(
                    g.outputs(t)
                        .map(|o| (g.output_addr(o), t, g.output_value(o))),
                );
            }
        }
        Direction::Incoming => {
            for &o in g.received(a) {
                let t = g.output_tx(o);
                v.extend(g.inputs(t).map(|i| (g.input_addr(i), t, g.output_value(o))));
            }
        }
    }
    v
}
