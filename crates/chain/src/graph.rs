//! The transaction graph in columnar form. Addresses and transactions have
//! dense `u32` ids; inputs and outputs live in flat columns indexed by
//! compressed-sparse-row offsets; the per-address adjacency is CSR too.
//! There is no map keyed by strings in the finished graph except the
//! interner used to turn address text into ids at the edges.
//!
//! Both ledger models share the shape: a Bitcoin transaction has many inputs
//! (each spending a previous output) and many outputs; an account-model
//! transfer (Ethereum, Tron, ERC-20) is a transaction with one input (the
//! sender's balance, no previous output) and one output.

use std::collections::HashMap;

use crate::intern::Interner;

/// "No id": unresolved previous output, unknown address, unspent output.
pub const NONE: u32 = u32::MAX;
/// An input whose value the data does not give (its previous output is not in
/// the graph).
pub const UNKNOWN_VALUE: u64 = u64::MAX;

pub type AddrId = u32;
pub type TxId = u32;
pub type ChainId = u8;
pub type AssetId = u16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// Coins are outputs spent whole by later inputs (Bitcoin and forks).
    Utxo,
    /// Balances on addresses; transfers move amounts between them.
    Account,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainInfo {
    pub name: String,
    pub model: Model,
}

/// How an input names the coin it spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prev {
    /// Account-model debit, or a spend whose origin is unknown.
    None,
    /// By transaction hash and output index, resolved when the graph is finished.
    Hash([u8; 32], u32),
    /// By transaction id (already in the builder) and output index.
    Id(TxId, u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputRec {
    /// `NONE` when unknown (filled in from the previous output if it is in the data).
    pub addr: AddrId,
    /// `UNKNOWN_VALUE` when unknown (filled in likewise).
    pub value: u64,
    pub prev: Prev,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputRec {
    /// `NONE` for outputs without an owner (OP_RETURN).
    pub addr: AddrId,
    pub value: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct TxRec<'a> {
    pub chain: ChainId,
    pub asset: AssetId,
    /// Seconds since the Unix epoch; ties keep ingestion order.
    pub time: u64,
    /// Transaction hash in internal byte order; several account-model
    /// transfers may share one hash (token transfers in one transaction).
    pub hash: [u8; 32],
    pub coinbase: bool,
    pub inputs: &'a [InputRec],
    pub outputs: &'a [OutputRec],
}

/// Builds a [`Graph`]; ids are assigned in insertion order.
#[derive(Default)]
pub struct GraphBuilder {
    g: Graph,
    by_hash: HashMap<[u8; 32], TxId>,
    pending: Vec<(u32, [u8; 32], u32)>,
    pending_bridges: Vec<([u8; 32], [u8; 32])>,
}

/// The finished, immutable graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub(crate) chains: Vec<ChainInfo>,
    pub(crate) assets: Vec<String>,
    pub(crate) names: Interner,
    pub(crate) addr_chain: Vec<ChainId>,

    pub(crate) tx_chain: Vec<ChainId>,
    pub(crate) tx_asset: Vec<AssetId>,
    pub(crate) tx_time: Vec<u64>,
    pub(crate) tx_hash: Vec<[u8; 32]>,
    pub(crate) tx_coinbase: Vec<bool>,
    pub(crate) tx_in: Vec<u32>,
    pub(crate) tx_out: Vec<u32>,

    pub(crate) in_addr: Vec<AddrId>,
    pub(crate) in_value: Vec<u64>,
    /// Global index of the output this input spends, or `NONE`.
    pub(crate) in_prev: Vec<u32>,

    pub(crate) out_addr: Vec<AddrId>,
    pub(crate) out_value: Vec<u64>,
    /// Transaction spending this output, or `NONE`.
    pub(crate) out_spent_by: Vec<TxId>,
    /// Owning transaction of each output (for walking forward).
    pub(crate) out_tx: Vec<TxId>,
    pub(crate) in_tx: Vec<TxId>,

    /// CSR: outputs received by each address, inputs sent by each address.
    pub(crate) recv_off: Vec<u32>,
    pub(crate) recv: Vec<u32>,
    pub(crate) send_off: Vec<u32>,
    pub(crate) send: Vec<u32>,

    /// Transactions by (time, id).
    pub(crate) order: Vec<TxId>,
    /// Position of each transaction in `order`.
    pub(crate) rank: Vec<u32>,
    /// Bridge hops: (transaction paying into the bridge, counterpart on the other chain).
    pub(crate) bridges: Vec<(TxId, TxId)>,
    /// Counts of things the finishing pass could not resolve.
    pub(crate) unresolved_prev: usize,
    pub(crate) unresolved_bridges: usize,
}

impl GraphBuilder {
    pub fn new() -> GraphBuilder {
        GraphBuilder::default()
    }

    /// Reserves room for a graph of about this size (the benchmark uses it).
    pub fn with_capacity(txs: usize, inputs: usize, outputs: usize, addrs: usize) -> GraphBuilder {
        let mut b = GraphBuilder::default();
        let g = &mut b.g;
        g.names = Interner::with_capacity(addrs, addrs * 24);
        g.addr_chain.reserve(addrs);
        for v in [&mut g.tx_in, &mut g.tx_out] {
            v.reserve(txs + 1);
        }
        g.tx_time.reserve(txs);
        g.tx_hash.reserve(txs);
        g.in_addr.reserve(inputs);
        g.in_value.reserve(inputs);
        g.in_prev.reserve(inputs);
        g.out_addr.reserve(outputs);
        g.out_value.reserve(outputs);
        b
    }

    pub fn chain(&mut self, name: &str, model: Model) -> ChainId {
        if let Some(i) = self.g.chains.iter().position(|c| c.name == name) {
            return i as ChainId;
        }
        self.g.chains.push(ChainInfo {
            name: name.to_string(),
            model,
        });
        (self.g.chains.len() - 1) as ChainId
    }

    pub fn asset(&mut self, name: &str) -> AssetId {
        if let Some(i) = self.g.assets.iter().position(|a| a == name) {
            return i as AssetId;
        }
        self.g.assets.push(name.to_string());
        (self.g.assets.len() - 1) as AssetId
    }

    /// The id of an address on a chain; the key is `<chain>:<address>`.
    pub fn address(&mut self, chain: ChainId, address: &str) -> AddrId {
        let mut key = String::with_capacity(address.len() + 12);
        key.push_str(&self.g.chains[usize::from(chain)].name);
        key.push(':');
        key.push_str(address);
        let before = self.g.names.len();
        let id = self.g.names.intern(&key);
        if self.g.names.len() > before {
            self.g.addr_chain.push(chain);
        }
        id
    }

    pub fn tx_count(&self) -> usize {
        self.g.tx_time.len()
    }

    /// The text of an address (without the chain prefix).
    pub fn address_text(&self, a: AddrId) -> String {
        self.g.address(a).to_string()
    }

    pub fn tx_hash_of(&self, t: TxId) -> [u8; 32] {
        self.g.tx_hash[t as usize]
    }

    pub fn add_tx(&mut self, tx: TxRec<'_>) -> TxId {
        let g = &mut self.g;
        let id = g.tx_time.len() as TxId;
        if g.tx_in.is_empty() {
            g.tx_in.push(0);
            g.tx_out.push(0);
        }
        g.tx_chain.push(tx.chain);
        g.tx_asset.push(tx.asset);
        g.tx_time.push(tx.time);
        g.tx_hash.push(tx.hash);
        g.tx_coinbase.push(tx.coinbase);
        for input in tx.inputs {
            let idx = g.in_addr.len() as u32;
            g.in_addr.push(input.addr);
            g.in_value.push(input.value);
            let prev = match input.prev {
                Prev::None => NONE,
                Prev::Id(t, vout) => out_index(g, t, vout).unwrap_or(NONE),
                Prev::Hash(h, vout) => match self.by_hash.get(&h) {
                    Some(t) => out_index(g, *t, vout).unwrap_or(NONE),
                    None => {
                        self.pending.push((idx, h, vout));
                        NONE
                    }
                },
            };
            g.in_prev.push(prev);
        }
        for o in tx.outputs {
            g.out_addr.push(o.addr);
            g.out_value.push(o.value);
        }
        g.tx_in.push(g.in_addr.len() as u32);
        g.tx_out.push(g.out_addr.len() as u32);
        // The first transaction with a hash wins (account-model hashes repeat).
        self.by_hash.entry(tx.hash).or_insert(id);
        id
    }

    /// Records that the transfer with hash `dst` is the bridge's payout for the
    /// deposit in transaction `src` (resolved when the graph is finished).
    pub fn add_bridge_link(&mut self, src: [u8; 32], dst: [u8; 32]) {
        self.pending_bridges.push((src, dst));
    }

    pub fn finish(mut self) -> Graph {
        let g = &mut self.g;
        if g.tx_in.is_empty() {
            g.tx_in.push(0);
            g.tx_out.push(0);
        }
        for (idx, h, vout) in std::mem::take(&mut self.pending) {
            match self.by_hash.get(&h).and_then(|t| out_index(g, *t, vout)) {
                Some(o) => g.in_prev[idx as usize] = o,
                None => g.unresolved_prev += 1,
            }
        }
        for (s, d) in std::mem::take(&mut self.pending_bridges) {
            match (self.by_hash.get(&s), self.by_hash.get(&d)) {
                (Some(s), Some(d)) => g.bridges.push((*s, *d)),
                _ => g.unresolved_bridges += 1,
            }
        }
        g.bridges.sort_unstable();
        let n_tx = g.tx_time.len();
        let n_out = g.out_addr.len();
        let n_in = g.in_addr.len();
        // Owner columns.
        g.out_tx = vec![0; n_out];
        g.in_tx = vec![0; n_in];
        for t in 0..n_tx {
            let (a, b) = (g.tx_out[t] as usize, g.tx_out[t + 1] as usize);
            g.out_tx[a..b].fill(t as TxId);
            let (a, b) = (g.tx_in[t] as usize, g.tx_in[t + 1] as usize);
            g.in_tx[a..b].fill(t as TxId);
        }
        // Spends: fill unknown input address/value from the previous output.
        g.out_spent_by = vec![NONE; n_out];
        for i in 0..n_in {
            let p = g.in_prev[i];
            if p == NONE {
                continue;
            }
            g.out_spent_by[p as usize] = g.in_tx[i];
            if g.in_addr[i] == NONE {
                g.in_addr[i] = g.out_addr[p as usize];
            }
            if g.in_value[i] == UNKNOWN_VALUE {
                g.in_value[i] = g.out_value[p as usize];
            }
        }
        let n_addr = g.names.len();
        (g.recv_off, g.recv) = csr(n_addr, &g.out_addr);
        (g.send_off, g.send) = csr(n_addr, &g.in_addr);
        let mut order: Vec<TxId> = (0..n_tx as TxId).collect();
        let time = &g.tx_time;
        order.sort_by_key(|t| (time[*t as usize], *t));
        g.rank = vec![0; n_tx];
        for (r, t) in order.iter().enumerate() {
            g.rank[*t as usize] = r as u32;
        }
        g.order = order;
        self.g
    }
}

fn out_index(g: &Graph, tx: TxId, vout: u32) -> Option<u32> {
    let start = *g.tx_out.get(tx as usize)?;
    let end = *g.tx_out.get(tx as usize + 1)?;
    let o = start.checked_add(vout)?;
    (o < end).then_some(o)
}

/// Groups item indices by owner (counting sort); `NONE` owners are skipped.
fn csr(n: usize, owner: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut off = vec![0u32; n + 1];
    for &a in owner {
        if a != NONE {
            off[a as usize + 1] += 1;
        }
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    let mut fill = off.clone();
    let mut items = vec![0u32; off[n] as usize];
    for (i, &a) in owner.iter().enumerate() {
        if a != NONE {
            items[fill[a as usize] as usize] = i as u32;
            fill[a as usize] += 1;
        }
    }
    (off, items)
}

impl Graph {
    pub fn tx_count(&self) -> usize {
        self.tx_time.len()
    }
    pub fn addr_count(&self) -> usize {
        self.names.len()
    }
    pub fn input_count(&self) -> usize {
        self.in_addr.len()
    }
    pub fn output_count(&self) -> usize {
        self.out_addr.len()
    }
    pub fn chains(&self) -> &[ChainInfo] {
        &self.chains
    }
    pub fn assets(&self) -> &[String] {
        &self.assets
    }
    pub fn chain_of_tx(&self, t: TxId) -> &ChainInfo {
        &self.chains[usize::from(self.tx_chain[t as usize])]
    }
    pub fn chain_of_addr(&self, a: AddrId) -> &ChainInfo {
        &self.chains[usize::from(self.addr_chain[a as usize])]
    }
    pub fn asset_of_tx(&self, t: TxId) -> &str {
        &self.assets[usize::from(self.tx_asset[t as usize])]
    }
    /// The address text (without the chain prefix).
    pub fn address(&self, a: AddrId) -> &str {
        let key = self.names.get_str(a);
        key.split_once(':').map_or(key, |(_, rest)| rest)
    }
    /// Looks up an address on a chain.
    pub fn find_address(&self, chain: &str, address: &str) -> Option<AddrId> {
        self.names.find(&format!("{chain}:{address}"))
    }
    /// Looks up an address on any chain.
    pub fn find_address_any(&self, address: &str) -> Vec<AddrId> {
        self.chains
            .iter()
            .filter_map(|c| self.find_address(&c.name, address))
            .collect()
    }
    pub fn tx_time(&self, t: TxId) -> u64 {
        self.tx_time[t as usize]
    }
    /// The hash in internal byte order.
    pub fn tx_hash(&self, t: TxId) -> [u8; 32] {
        self.tx_hash[t as usize]
    }
    pub fn is_coinbase(&self, t: TxId) -> bool {
        self.tx_coinbase[t as usize]
    }
    /// The hash as explorers print it: reversed hex for UTXO chains, `0x` hex
    /// for account chains (bare hex for Tron).
    pub fn tx_hash_display(&self, t: TxId) -> String {
        let h = &self.tx_hash[t as usize];
        let chain = self.chain_of_tx(t);
        match chain.model {
            Model::Utxo => crate::btc::Hash256(*h).to_string(),
            Model::Account if chain.name == "tron" => crate::hex::encode(h),
            Model::Account => format!("0x{}", crate::hex::encode(h)),
        }
    }
    pub fn inputs(&self, t: TxId) -> std::ops::Range<u32> {
        self.tx_in[t as usize]..self.tx_in[t as usize + 1]
    }
    pub fn outputs(&self, t: TxId) -> std::ops::Range<u32> {
        self.tx_out[t as usize]..self.tx_out[t as usize + 1]
    }
    pub fn input_addr(&self, i: u32) -> AddrId {
        self.in_addr[i as usize]
    }
    pub fn input_value(&self, i: u32) -> u64 {
        self.in_value[i as usize]
    }
    pub fn input_prev(&self, i: u32) -> u32 {
        self.in_prev[i as usize]
    }
    pub fn output_addr(&self, o: u32) -> AddrId {
        self.out_addr[o as usize]
    }
    pub fn output_value(&self, o: u32) -> u64 {
        self.out_value[o as usize]
    }
    pub fn output_spent_by(&self, o: u32) -> TxId {
        self.out_spent_by[o as usize]
    }
    pub fn output_tx(&self, o: u32) -> TxId {
        self.out_tx[o as usize]
    }
    pub fn input_tx(&self, i: u32) -> TxId {
        self.in_tx[i as usize]
    }
    /// Outputs paid to the address.
    pub fn received(&self, a: AddrId) -> &[u32] {
        &self.recv[self.recv_off[a as usize] as usize..self.recv_off[a as usize + 1] as usize]
    }
    /// Inputs spent from the address.
    pub fn sent(&self, a: AddrId) -> &[u32] {
        &self.send[self.send_off[a as usize] as usize..self.send_off[a as usize + 1] as usize]
    }
    /// Transactions by time (ties by id).
    pub fn order(&self) -> &[TxId] {
        &self.order
    }
    pub fn rank(&self, t: TxId) -> u32 {
        self.rank[t as usize]
    }
    /// Bridge payouts for a deposit transaction.
    pub fn bridge_counterparts(&self, t: TxId) -> impl Iterator<Item = TxId> + '_ {
        let start = self.bridges.partition_point(|(s, _)| *s < t);
        self.bridges[start..]
            .iter()
            .take_while(move |(s, _)| *s == t)
            .map(|(_, d)| *d)
    }
    pub fn bridge_links(&self) -> &[(TxId, TxId)] {
        &self.bridges
    }
    /// Inputs whose previous output hash never appeared.
    pub fn unresolved_prev(&self) -> usize {
        self.unresolved_prev
    }
    pub fn unresolved_bridges(&self) -> usize {
        self.unresolved_bridges
    }
    /// Sum of input values when all are known.
    pub fn input_total(&self, t: TxId) -> Option<u64> {
        self.inputs(t)
            .map(|i| self.in_value[i as usize])
            .try_fold(0u64, |acc, v| {
                (v != UNKNOWN_VALUE).then(|| acc.saturating_add(v))
            })
    }
    pub fn output_total(&self, t: TxId) -> u64 {
        self.outputs(t).map(|o| self.out_value[o as usize]).sum()
    }
    /// Fee (inputs minus outputs) when every input value is known; coinbase → None.
    pub fn fee(&self, t: TxId) -> Option<u64> {
        if self.is_coinbase(t) || self.chain_of_tx(t).model == Model::Account {
            return None;
        }
        self.input_total(t)?.checked_sub(self.output_total(t))
    }

    /// Approximate heap bytes (benchmark memory figures).
    pub fn heap_bytes(&self) -> usize {
        fn v<T>(x: &Vec<T>) -> usize {
            x.capacity() * std::mem::size_of::<T>()
        }
        self.names.heap_bytes()
            + v(&self.addr_chain)
            + v(&self.tx_chain)
            + v(&self.tx_asset)
            + v(&self.tx_time)
            + v(&self.tx_hash)
            + v(&self.tx_coinbase)
            + v(&self.tx_in)
            + v(&self.tx_out)
            + v(&self.in_addr)
            + v(&self.in_value)
            + v(&self.in_prev)
            + v(&self.out_addr)
            + v(&self.out_value)
            + v(&self.out_spent_by)
            + v(&self.out_tx)
            + v(&self.in_tx)
            + v(&self.recv_off)
            + v(&self.recv)
            + v(&self.send_off)
            + v(&self.send)
            + v(&self.order)
            + v(&self.rank)
    }
}
