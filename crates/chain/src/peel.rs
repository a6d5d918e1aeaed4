//! Peel chains: a long run of transactions that each pay one small amount
//! and pass the large remainder ("change") on to the next, which is how a
//! large stolen balance is cashed out in pieces without ever merging coins.

use crate::graph::{Graph, Model, TxId, NONE};

#[derive(Debug, Clone, Copy)]
pub struct PeelConfig {
    /// Shortest run reported.
    pub min_hops: usize,
    /// The payment is at most this share of the transaction's outputs (percent).
    pub max_payment_pct: u64,
}

impl Default for PeelConfig {
    fn default() -> Self {
        PeelConfig {
            min_hops: 4,
            max_payment_pct: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeelChain {
    pub txs: Vec<TxId>,
    /// The peeled-off payments (output indices), one per step.
    pub payments: Vec<u32>,
    pub start_value: u64,
    pub end_value: u64,
}

/// One peel step: (payment output, change output).
fn step(g: &Graph, t: TxId, cfg: &PeelConfig) -> Option<(u32, u32)> {
    if g.chain_of_tx(t).model != Model::Utxo || g.is_coinbase(t) || g.inputs(t).len() != 1 {
        return None;
    }
    let outs: Vec<u32> = g.outputs(t).collect();
    if outs.len() != 2 {
        return None;
    }
    let (a, b) = (g.output_value(outs[0]), g.output_value(outs[1]));
    let total = a + b;
    let (pay, change) = if a <= b {
        (outs[0], outs[1])
    } else {
        (outs[1], outs[0])
    };
    (g.output_value(pay) * 100 <= total * cfg.max_payment_pct).then_some((pay, change))
}

/// Finds maximal peel chains among `candidates` (all transactions when
/// `None`). A chain follows the change output to the transaction spending it.
pub fn detect(g: &Graph, candidates: Option<&[TxId]>, cfg: &PeelConfig) -> Vec<PeelChain> {
    let cand: Vec<TxId> = match candidates {
        Some(c) => {
            let mut v = c.to_vec();
            v.sort_unstable();
            v.dedup();
            v
        }
        None => (0..g.tx_count() as TxId).collect(),
    };
    let mut chains = Vec::new();
    for t in cand {
        if step(g, t, cfg).is_none() {
            continue;
        }
        // Start only where the spent coin is not itself peel change.
        let prev = g.inputs(t).next().map(|i| g.input_prev(i)).unwrap_or(NONE);
        if prev != NONE {
            let pt = g.output_tx(prev);
            if matches!(step(g, pt, cfg), Some((_, c)) if c == prev) {
                continue;
            }
        }
        let mut txs = Vec::new();
        let mut payments = Vec::new();
        let mut cur = t;
        let mut end_value = 0;
        while let Some((pay, change)) = step(g, cur, cfg) {
            txs.push(cur);
            payments.push(pay);
            end_value = g.output_value(change);
            match g.output_spent_by(change) {
                NONE => break,
                next => cur = next,
            }
        }
        if txs.len() >= cfg.min_hops {
            let start_value = g.output_total(txs[0]);
            chains.push(PeelChain {
                txs,
                payments,
                start_value,
                end_value,
            });
        }
    }
    chains
}
