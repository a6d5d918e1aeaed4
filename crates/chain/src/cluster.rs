//! Address clustering on UTXO chains: the multi-input heuristic (all inputs
//! of a transaction are controlled by one wallet), with CoinJoin transactions
//! excluded because they break that assumption, plus optional change-output
//! heuristics. Union-find with path halving and union by size; every merge
//! is recorded with its reason so a cluster can say why two addresses are in it.

use crate::addr::{kind_of_key, ScriptKind};
use crate::graph::{AddrId, Graph, Model, TxId, NONE};

/// Union-find over dense ids.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }
    /// The set's root, halving the path on the way (each visited node is
    /// pointed at its grandparent), which keeps later finds near O(1).
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            let gp = self.parent[p as usize];
            self.parent[x as usize] = gp;
            x = gp;
        }
        x
    }
    /// Joins two sets; returns false when they were already one.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
        true
    }
    pub fn heap_bytes(&self) -> usize {
        (self.parent.capacity() + self.size.capacity()) * 4
    }
}

/// CoinJoin shapes (many wallets in one transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CoinJoin {
    /// Wasabi: ten or more equal outputs (one or several denominations),
    /// native segwit only.
    Wasabi,
    /// Samourai Whirlpool: 5 inputs, 5 equal outputs at a pool denomination.
    Whirlpool,
    /// JoinMarket: k ≥ 3 equal outputs plus at most k + 1 change outputs,
    /// at least k inputs.
    JoinMarket,
}

impl CoinJoin {
    pub fn as_str(self) -> &'static str {
        match self {
            CoinJoin::Wasabi => "wasabi",
            CoinJoin::Whirlpool => "whirlpool",
            CoinJoin::JoinMarket => "joinmarket",
        }
    }
}

/// Whirlpool pool denominations in satoshis (0.001, 0.01, 0.05, 0.5 BTC).
const WHIRLPOOL_POOLS: [u64; 4] = [100_000, 1_000_000, 5_000_000, 50_000_000];

/// Classifies a transaction as a CoinJoin by its shape.
pub fn detect_coinjoin(g: &Graph, t: TxId) -> Option<CoinJoin> {
    if g.is_coinbase(t) || g.chain_of_tx(t).model != Model::Utxo {
        return None;
    }
    let n_in = g.inputs(t).len();
    let outs = g.outputs(t);
    let n_out = outs.len();
    if n_in < 2 || n_out < 3 {
        return None;
    }
    let mut values: Vec<u64> = outs.clone().map(|o| g.output_value(o)).collect();
    values.sort_unstable();
    // Most frequent value and its count; outputs sharing a value with another.
    let (mut best, mut best_k, mut run, mut shared) = (0u64, 0usize, 1usize, 0usize);
    for i in 0..values.len() {
        if i > 0 && values[i] == values[i - 1] {
            run += 1;
        } else {
            run = 1;
        }
        if run > best_k {
            best_k = run;
            best = values[i];
        }
        let dup = (i > 0 && values[i] == values[i - 1])
            || (i + 1 < values.len() && values[i] == values[i + 1]);
        shared += usize::from(dup);
    }
    if n_in == 5 && n_out == 5 && best_k == 5 && WHIRLPOOL_POOLS.contains(&best) {
        return Some(CoinJoin::Whirlpool);
    }
    let segwit_only = outs.clone().all(|o| {
        let a = g.output_addr(o);
        a != NONE
            && matches!(
                kind_of_key(g.address(a)),
                ScriptKind::P2wpkh | ScriptKind::P2tr
            )
    });
    if segwit_only
        && n_in >= 5
        && (best_k >= 10 || (n_out >= 20 && shared * 2 >= n_out && best_k >= 5))
    {
        return Some(CoinJoin::Wasabi);
    }
    if best_k >= 3 && n_in >= best_k && n_out <= 2 * best_k + 1 {
        return Some(CoinJoin::JoinMarket);
    }
    None
}

/// Which heuristics join addresses. Switches, not defaults: the caller states
/// what it wants.
#[derive(Debug, Clone, Copy)]
pub struct ClusterConfig {
    /// All inputs of a (non-CoinJoin) transaction belong to one wallet.
    pub multi_input: bool,
    /// Skip transactions shaped like CoinJoins for every heuristic.
    pub exclude_coinjoin: bool,
    /// Change is the one output address first seen in this transaction while
    /// the other was seen before.
    pub change_fresh_address: bool,
    /// Change is the one output that is not a round amount (payments usually are).
    pub change_round_payment: bool,
    /// Change is the one output whose script type matches all inputs'.
    pub change_script_type: bool,
}

impl ClusterConfig {
    /// Multi-input only, CoinJoins excluded: the conservative baseline.
    pub const MULTI_INPUT: ClusterConfig = ClusterConfig {
        multi_input: true,
        exclude_coinjoin: true,
        change_fresh_address: false,
        change_round_payment: false,
        change_script_type: false,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    MultiInput,
    ChangeFreshAddress,
    ChangeRoundPayment,
    ChangeScriptType,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MultiInput => "multi-input",
            Reason::ChangeFreshAddress => "change:fresh-address",
            Reason::ChangeRoundPayment => "change:round-payment",
            Reason::ChangeScriptType => "change:script-type",
        }
    }
    /// Why the heuristic joins the two addresses, in one sentence.
    pub fn explain(self) -> &'static str {
        match self {
            Reason::MultiInput => "both were spent as inputs of the same transaction",
            Reason::ChangeFreshAddress => "the second is the only output address first seen in a transaction spending from the first",
            Reason::ChangeRoundPayment => "the second received the only non-round output of a transaction spending from the first",
            Reason::ChangeScriptType => "the second is the only output with the script type of the inputs spent from the first",
        }
    }
}

/// One merge: `a` and `b` ended up in one cluster because of `tx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub a: AddrId,
    pub b: AddrId,
    pub tx: TxId,
    pub reason: Reason,
}

/// The result: a dense cluster id per address and the merges that made them.
#[derive(Debug, Clone)]
pub struct Clustering {
    /// Cluster id per address (dense, 0..cluster_count).
    pub cluster_of: Vec<u32>,
    pub sizes: Vec<u32>,
    /// Merges that joined two different sets (a spanning forest).
    pub links: Vec<Link>,
    pub coinjoins: Vec<(TxId, CoinJoin)>,
}

impl Clustering {
    pub fn cluster_count(&self) -> usize {
        self.sizes.len()
    }
    pub fn same(&self, a: AddrId, b: AddrId) -> bool {
        self.cluster_of[a as usize] == self.cluster_of[b as usize]
    }
    /// The merges inside one cluster.
    pub fn links_of(&self, cluster: u32) -> Vec<Link> {
        self.links
            .iter()
            .copied()
            .filter(|l| self.cluster_of[l.a as usize] == cluster)
            .collect()
    }
    /// The chain of merges that connects `a` to `b` (empty when `a == b`,
    /// `None` when they are in different clusters).
    pub fn why(&self, a: AddrId, b: AddrId) -> Option<Vec<Link>> {
        if !self.same(a, b) {
            return None;
        }
        let links = self.links_of(self.cluster_of[a as usize]);
        // Breadth-first search over the spanning tree of this cluster.
        let mut prev: std::collections::HashMap<AddrId, usize> = std::collections::HashMap::new();
        let mut queue = std::collections::VecDeque::from([a]);
        let mut seen = std::collections::HashSet::from([a]);
        while let Some(x) = queue.pop_front() {
            if x == b {
                break;
            }
            for (i, l) in links.iter().enumerate() {
                let y = if l.a == x {
                    l.b
                } else if l.b == x {
                    l.a
                } else {
                    continue;
                };
                if seen.insert(y) {
                    prev.insert(y, i);
                    queue.push_back(y);
                }
            }
        }
        let mut path = Vec::new();
        let mut x = b;
        while x != a {
            let l = links[*prev.get(&x)?];
            x = if l.a == x { l.b } else { l.a };
            path.push(l);
        }
        path.reverse();
        Some(path)
    }
}

/// Clusters every UTXO address; account-model addresses stay singletons.
pub fn cluster(g: &Graph, cfg: &ClusterConfig) -> Clustering {
    let n = g.addr_count();
    let mut uf = UnionFind::new(n);
    let mut links = Vec::new();
    let mut coinjoins = Vec::new();
    let mut join = |uf: &mut UnionFind, a: AddrId, b: AddrId, tx: TxId, reason: Reason| {
        if a != NONE && b != NONE && uf.union(a, b) {
            links.push(Link { a, b, tx, reason });
        }
    };
    for t in 0..g.tx_count() as TxId {
        if g.is_coinbase(t) || g.chain_of_tx(t).model != Model::Utxo {
            continue;
        }
        if let Some(kind) = detect_coinjoin(g, t) {
            coinjoins.push((t, kind));
            if cfg.exclude_coinjoin {
                continue;
            }
        }
        let first = g.inputs(t).map(|i| g.input_addr(i)).find(|a| *a != NONE);
        let Some(first) = first else { continue };
        if cfg.multi_input {
            for i in g.inputs(t) {
                join(&mut uf, first, g.input_addr(i), t, Reason::MultiInput);
            }
        }
        if let Some((change, reason)) = change_output(g, t, cfg) {
            join(&mut uf, first, change, t, reason);
        }
    }
    // Dense cluster ids in order of first address.
    let mut cluster_of = vec![NONE; n];
    let mut root_id = vec![NONE; n];
    let mut sizes = Vec::new();
    for a in 0..n as u32 {
        let r = uf.find(a) as usize;
        if root_id[r] == NONE {
            root_id[r] = sizes.len() as u32;
            sizes.push(0);
        }
        cluster_of[a as usize] = root_id[r];
        sizes[root_id[r] as usize] += 1;
    }
    Clustering {
        cluster_of,
        sizes,
        links,
        coinjoins,
    }
}

/// The change output's address by the enabled heuristics, when they agree.
fn change_output(g: &Graph, t: TxId, cfg: &ClusterConfig) -> Option<(AddrId, Reason)> {
    let outs: Vec<u32> = g.outputs(t).collect();
    if outs.len() != 2 {
        return None;
    }
    let addrs = [g.output_addr(outs[0]), g.output_addr(outs[1])];
    if addrs.contains(&NONE) || addrs[0] == addrs[1] {
        return None;
    }
    // An output back to an input address is change already joined by reuse.
    if g.inputs(t).any(|i| addrs.contains(&g.input_addr(i))) {
        return None;
    }
    let mut votes: Vec<(usize, Reason)> = Vec::new();
    if cfg.change_fresh_address {
        let rank = g.rank(t);
        let fresh = |a: AddrId| {
            g.received(a)
                .iter()
                .all(|o| g.rank(g.output_tx(*o)) >= rank)
        };
        match (fresh(addrs[0]), fresh(addrs[1])) {
            (true, false) => votes.push((0, Reason::ChangeFreshAddress)),
            (false, true) => votes.push((1, Reason::ChangeFreshAddress)),
            _ => {}
        }
    }
    if cfg.change_round_payment {
        let round = |o: u32| g.output_value(o).is_multiple_of(100_000);
        match (round(outs[0]), round(outs[1])) {
            (true, false) => votes.push((1, Reason::ChangeRoundPayment)),
            (false, true) => votes.push((0, Reason::ChangeRoundPayment)),
            _ => {}
        }
    }
    if cfg.change_script_type {
        let mut kinds = g
            .inputs(t)
            .map(|i| g.input_addr(i))
            .filter(|a| *a != NONE)
            .map(|a| kind_of_key(g.address(a)));
        if let Some(k) = kinds.next() {
            if kinds.all(|x| x == k) {
                let ko = [
                    kind_of_key(g.address(addrs[0])),
                    kind_of_key(g.address(addrs[1])),
                ];
                match (ko[0] == k, ko[1] == k) {
                    (true, false) => votes.push((0, Reason::ChangeScriptType)),
                    (false, true) => votes.push((1, Reason::ChangeScriptType)),
                    _ => {}
                }
            }
        }
    }
    let (pick, reason) = *votes.first()?;
    // Disagreeing heuristics: no change is named.
    if votes.iter().any(|(p, _)| *p != pick) {
        return None;
    }
    Some((addrs[pick], reason))
}
