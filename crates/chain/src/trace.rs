//! Taint tracing. Forward: where did the funds of the seed addresses go?
//! Backward: where did the funds of the seed addresses come from?
//!
//! Every transaction is a pool: its inputs are credited in order, its
//! outputs debited in order (what is left is the fee). An account-model
//! address is a pool too, credited and debited by its transfers in time order.
//! The method decides how much of a debit is tainted:
//!
//! - **poison**: once a pool holds any tainted value, everything it pays is
//!   tainted in full. Never misses a path; overstates amounts badly in busy
//!   wallets.
//! - **haircut**: every payment carries the pool's tainted share
//!   (tainted / balance) at that moment. Amounts are conserved; taint thins
//!   out through mixing and never reaches zero.
//! - **FIFO**: the pool is a queue of lots; a payment takes the oldest lots
//!   first, with their taint. Amounts are conserved and paths stay sharp,
//!   but the result depends on ordering (input order in a transaction,
//!   time order on an account).
//!
//! Tracing stops at custodial services (exchanges, OTC desks, other labelled
//! services), at the depth limit, and where a tainted amount falls under the
//! value cut-off. Mixers and bridges are hops: the amount entering them is
//! reported; a bridge continues on the other chain when the counterpart
//! transfer is in the graph, a custodial mixer continues only when the
//! amount/time matching heuristic is enabled, and CoinJoin transactions are
//! ordinary transactions for the taint methods (marked as hops).

use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};

use crate::cluster::{detect_coinjoin, CoinJoin};
use crate::graph::{AddrId, AssetId, Graph, Model, TxId, NONE, UNKNOWN_VALUE};
use crate::labels::{Category, LabelIndex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Poison,
    Haircut,
    Fifo,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Poison => "poison",
            Method::Haircut => "haircut",
            Method::Fifo => "fifo",
        }
    }
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "poison" => Some(Method::Poison),
            "haircut" => Some(Method::Haircut),
            "fifo" => Some(Method::Fifo),
            _ => None,
        }
    }
    /// One-paragraph explanation for reports.
    pub fn explain(self) -> &'static str {
        match self {
            Method::Poison => "poison: any output of a transaction (or payment from an account) that received tainted funds is tainted in full; finds every path, overstates amounts",
            Method::Haircut => "haircut: each payment carries the tainted share of what its transaction or account held at that moment; amounts are conserved and thin out through mixing",
            Method::Fifo => "FIFO: funds leave in the order they arrived (inputs in order, account lots by time); amounts are conserved and paths stay sharp",
        }
    }
}

/// Custodial mixer matching: a withdrawal worth between `(1 - max_fee)` and
/// 1 times the deposit, within `window_secs` after it, continues the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MixerMatch {
    /// Largest mixer fee, in basis points.
    pub max_fee_bp: u32,
    pub window_secs: u64,
}

#[derive(Debug, Clone)]
pub struct TraceConfig {
    pub method: Method,
    pub max_depth: u32,
    /// Tainted amounts under this (in the asset's unit) are dropped and counted
    /// as cut off.
    pub min_value: u64,
    /// Forward: only funds the seeds received at or after this time are tainted.
    pub since: u64,
    pub stop_at_services: bool,
    pub follow_bridges: bool,
    pub follow_mixers: Option<MixerMatch>,
}

impl TraceConfig {
    pub fn new(method: Method) -> TraceConfig {
        TraceConfig {
            method,
            max_depth: 32,
            min_value: 0,
            since: 0,
            stop_at_services: true,
            follow_bridges: true,
            follow_mixers: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HopKind {
    Mixer,
    CoinJoin(CoinJoinKind),
    Bridge,
}

/// `CoinJoin` mirrored here so hops sort and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CoinJoinKind {
    Wasabi,
    Whirlpool,
    JoinMarket,
}

impl From<CoinJoin> for CoinJoinKind {
    fn from(c: CoinJoin) -> Self {
        match c {
            CoinJoin::Wasabi => CoinJoinKind::Wasabi,
            CoinJoin::Whirlpool => CoinJoinKind::Whirlpool,
            CoinJoin::JoinMarket => CoinJoinKind::JoinMarket,
        }
    }
}

impl HopKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HopKind::Mixer => "mixer",
            HopKind::CoinJoin(CoinJoinKind::Wasabi) => "coinjoin:wasabi",
            HopKind::CoinJoin(CoinJoinKind::Whirlpool) => "coinjoin:whirlpool",
            HopKind::CoinJoin(CoinJoinKind::JoinMarket) => "coinjoin:joinmarket",
            HopKind::Bridge => "bridge",
        }
    }
}

/// A hop through a mixer, CoinJoin or bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub kind: HopKind,
    /// The transaction entering the hop (for a CoinJoin, the CoinJoin itself).
    pub tx: TxId,
    /// The mixer or bridge address (`NONE` for CoinJoins).
    pub addr: AddrId,
    pub asset: AssetId,
    pub amount: u128,
    pub depth: u32,
    /// Where the trace continued: bridge counterparts, matched mixer payouts.
    pub continued: Vec<TxId>,
}

/// Tainted value that reached a labelled address (endpoint services, and in
/// backward traces the labelled sources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    pub addr: AddrId,
    /// Index into `LabelIndex::labels` of the label that made it an endpoint.
    pub label: u32,
    pub asset: AssetId,
    pub amount: u128,
    pub min_depth: u32,
    pub first_tx: TxId,
    pub txs: u32,
}

/// One tainted movement, for graphs and CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    pub tx: TxId,
    pub from: AddrId,
    pub to: AddrId,
    pub asset: AssetId,
    pub amount: u128,
    pub depth: u32,
    /// The taint crossed a heuristic link (mixer matching) to get here.
    pub heuristic: bool,
}

/// Per-asset totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Tainted value at the seeds.
    pub seeded: u128,
    /// Reached endpoint services.
    pub reached: u128,
    /// Entered mixers/bridges and did not continue.
    pub stuck_in_hops: u128,
    /// Still in unspent outputs or account balances at the end of the data.
    pub unspent: u128,
    /// Paid as transaction fees.
    pub fees: u128,
    pub cut_depth: u128,
    pub cut_value: u128,
    /// Left this asset through a bridge whose payout was followed.
    pub bridged_out: u128,
    /// Arrived in this asset from a followed bridge.
    pub bridged_in: u128,
    /// Kept by a mixer (deposit minus the matched payout's tainted part).
    pub hop_fees: u128,
}

impl Totals {
    /// Everything the trace accounted for on the way out; equals
    /// `seeded + bridged_in` up to rounding for haircut and FIFO.
    pub fn accounted(&self) -> u128 {
        self.reached
            + self.stuck_in_hops
            + self.unspent
            + self.fees
            + self.cut_depth
            + self.cut_value
            + self.bridged_out
            + self.hop_fees
    }
}

#[derive(Debug, Clone, Default)]
pub struct TraceResult {
    pub seeds: Vec<AddrId>,
    pub reached: Vec<Reached>,
    pub hops: Vec<Hop>,
    pub flows: Vec<Flow>,
    /// Labelled addresses the taint passed through without stopping
    /// (sanctioned, theft, other), with the amount.
    pub touched: Vec<(AddrId, u32, AssetId, u128)>,
    pub totals: HashMap<AssetId, Totals>,
    pub txs_visited: usize,
}

#[derive(Debug, Clone, Default)]
struct Pool {
    balance: u128,
    tainted: u128,
    poisoned: bool,
    lots: VecDeque<(u128, u128)>,
    depth: u32,
}

impl Pool {
    fn credit(&mut self, value: u128, tainted: u128, depth: u32, method: Method) {
        let tainted = tainted.min(value);
        if tainted > 0 {
            self.depth = if self.tainted > 0 || self.poisoned {
                self.depth.min(depth)
            } else {
                depth
            };
            self.poisoned = true;
        }
        self.balance += value;
        self.tainted += tainted;
        if method == Method::Fifo && value > 0 {
            self.lots.push_back((value, tainted));
        }
    }

    /// Takes `value` out; returns the tainted part. A debit larger than the
    /// balance is paid from funds the data does not show (untainted).
    fn debit(&mut self, value: u128, method: Method) -> u128 {
        let from_pool = value.min(self.balance);
        let t = match method {
            Method::Poison => {
                if self.poisoned {
                    value
                } else {
                    0
                }
            }
            Method::Haircut => {
                if self.balance == 0 {
                    0
                } else {
                    mul_div(from_pool, self.tainted, self.balance)
                }
            }
            Method::Fifo => {
                let mut need = from_pool;
                let mut t = 0;
                while need > 0 {
                    let Some(front) = self.lots.front_mut() else {
                        break;
                    };
                    let take = need.min(front.0);
                    let tt = if take == front.0 {
                        front.1
                    } else {
                        mul_div(take, front.1, front.0)
                    };
                    t += tt;
                    front.0 -= take;
                    front.1 -= tt;
                    need -= take;
                    if front.0 == 0 {
                        self.lots.pop_front();
                    }
                }
                t
            }
        };
        self.balance -= from_pool;
        self.tainted = self.tainted.saturating_sub(t.min(from_pool));
        t
    }
}

fn mul_div(a: u128, b: u128, c: u128) -> u128 {
    if c == 0 {
        return 0;
    }
    // a, b < 2^64 in practice, so a*b fits in u128.
    a.saturating_mul(b) / c
}

/// An account's credits and debits in time order, replayed lazily.
#[derive(Debug, Clone, Default)]
struct Account {
    pool: Pool,
    /// (rank, is_debit, index of output or input).
    events: Vec<(u32, bool, u32)>,
    next: usize,
}

struct Engine<'a> {
    g: &'a Graph,
    labels: &'a LabelIndex,
    cfg: &'a TraceConfig,
    seeds: HashSet<AddrId>,
    out_taint: HashMap<u32, (u128, u32, bool)>,
    accounts: HashMap<AddrId, Account>,
    scheduled_from: HashMap<AddrId, u32>,
    queue: BinaryHeap<std::cmp::Reverse<(u32, TxId)>>,
    queued: HashSet<TxId>,
    injected: HashMap<TxId, (u128, u128, u32)>,
    matched_payouts: HashSet<u32>,
    res: TraceResult,
    reached_idx: HashMap<AddrId, usize>,
    hop_idx: HashMap<(TxId, AddrId), usize>,
    touched_idx: HashMap<AddrId, usize>,
}

/// Forward trace from `seeds`.
pub fn trace_forward(
    g: &Graph,
    labels: &LabelIndex,
    seeds: &[AddrId],
    cfg: &TraceConfig,
) -> TraceResult {
    let mut e = Engine {
        g,
        labels,
        cfg,
        seeds: seeds.iter().copied().collect(),
        out_taint: HashMap::new(),
        accounts: HashMap::new(),
        scheduled_from: HashMap::new(),
        queue: BinaryHeap::new(),
        queued: HashSet::new(),
        injected: HashMap::new(),
        matched_payouts: HashSet::new(),
        res: TraceResult {
            seeds: seeds.to_vec(),
            ..TraceResult::default()
        },
        reached_idx: HashMap::new(),
        hop_idx: HashMap::new(),
        touched_idx: HashMap::new(),
    };
    e.seed();
    while let Some(std::cmp::Reverse((_, t))) = e.queue.pop() {
        e.process(t);
    }
    e.finish();
    e.res
}

impl Engine<'_> {
    fn totals(&mut self, asset: AssetId) -> &mut Totals {
        self.res.totals.entry(asset).or_default()
    }

    fn schedule(&mut self, t: TxId) {
        if self.queued.insert(t) {
            self.queue.push(std::cmp::Reverse((self.g.rank(t), t)));
        }
    }

    /// Schedules every payment an account makes after `rank`.
    fn schedule_sends(&mut self, a: AddrId, rank: u32) {
        let prev = self.scheduled_from.get(&a).copied().unwrap_or(u32::MAX);
        if rank >= prev {
            return;
        }
        self.scheduled_from.insert(a, rank);
        for &i in self.g.sent(a) {
            let t = self.g.input_tx(i);
            let r = self.g.rank(t);
            if r > rank && r <= prev {
                self.schedule(t);
            }
        }
    }

    fn is_account(&self, a: AddrId) -> bool {
        self.g.chain_of_addr(a).model == Model::Account
    }

    fn seed(&mut self) {
        let seeds: Vec<AddrId> = self.res.seeds.clone();
        for a in seeds {
            let account = self.is_account(a);
            for &o in self.g.received(a) {
                let t = self.g.output_tx(o);
                if self.g.tx_time(t) < self.cfg.since {
                    continue;
                }
                let v = u128::from(self.g.output_value(o));
                let asset = self.g.tx_asset[t as usize];
                self.totals(asset).seeded += v;
                if account {
                    self.schedule_sends(a, self.g.rank(t));
                } else {
                    self.out_taint.insert(o, (v, 0, false));
                    match self.g.output_spent_by(o) {
                        NONE => self.totals(asset).unspent += v,
                        s => self.schedule(s),
                    }
                }
            }
        }
    }

    fn account(&mut self, a: AddrId) -> &mut Account {
        let g = self.g;
        self.accounts.entry(a).or_insert_with(|| {
            let mut events: Vec<(u32, bool, u32)> = g
                .received(a)
                .iter()
                .map(|&o| (g.rank(g.output_tx(o)), false, o))
                .chain(g.sent(a).iter().map(|&i| (g.rank(g.input_tx(i)), true, i)))
                .collect();
            events.sort_unstable();
            Account {
                events,
                ..Account::default()
            }
        })
    }

    /// Replays an account up to and including the debit `input` (or to the end
    /// when `input` is `None`); returns the debit's tainted part and depth.
    fn advance(&mut self, a: AddrId, input: Option<u32>) -> (u128, u32) {
        let method = self.cfg.method;
        let since = self.cfg.since;
        let seed = self.seeds.contains(&a);
        let g = self.g;
        let taints: Vec<(u32, (u128, u32, bool))>;
        {
            // Collect the credits' taint first (borrow rules).
            let acc = self.account(a);
            let end = match input {
                None => acc.events.len(),
                Some(i) => match acc.events[acc.next..].iter().position(|e| e.1 && e.2 == i) {
                    Some(p) => acc.next + p + 1,
                    // Already replayed (cannot happen in rank order): untainted.
                    None => return (0, 0),
                },
            };
            taints = acc.events[acc.next..end]
                .iter()
                .filter(|e| !e.1)
                .map(|e| (e.2, (0, 0, false)))
                .collect();
        }
        let taints: HashMap<u32, (u128, u32, bool)> = taints
            .into_iter()
            .map(|(o, _)| {
                let t = g.output_tx(o);
                let v = u128::from(g.output_value(o));
                let val = if seed && g.tx_time(t) >= since {
                    (v, 0, false)
                } else {
                    self.out_taint.get(&o).copied().unwrap_or((0, 0, false))
                };
                (o, val)
            })
            .collect();
        let acc = self.accounts.get_mut(&a).expect("account created above");
        let mut result = (0, 0);
        while acc.next < acc.events.len() {
            let (_, debit, idx) = acc.events[acc.next];
            acc.next += 1;
            if debit {
                let v = g.input_value(idx);
                let v = if v == UNKNOWN_VALUE { 0 } else { u128::from(v) };
                let t = acc.pool.debit(v, method);
                if Some(idx) == input {
                    result = (t, acc.pool.depth);
                    break;
                }
            } else {
                let (t, d, _) = taints.get(&idx).copied().unwrap_or((0, 0, false));
                acc.pool
                    .credit(u128::from(g.output_value(idx)), t, d, method);
            }
        }
        result
    }

    fn process(&mut self, t: TxId) {
        let g = self.g;
        let method = self.cfg.method;
        let asset = g.tx_asset[t as usize];
        self.res.txs_visited += 1;
        let mut pool = Pool::default();
        let mut depth_in = u32::MAX;
        let mut heuristic = false;
        let mut from = NONE;
        let mut from_taint = 0u128;
        let mut tainted_in = 0u128;
        if let Some(&(num, den, d)) = self.injected.get(&t) {
            // Bridge payout: taint is the deposit's tainted share.
            let total: u128 = g.outputs(t).map(|o| u128::from(g.output_value(o))).sum();
            let tt = mul_div(total, num, den);
            pool.credit(total, tt, d, method);
            let asset = g.tx_asset[t as usize];
            self.totals(asset).bridged_in += tt;
            depth_in = d;
            tainted_in = tt;
            from = g.inputs(t).next().map_or(NONE, |i| g.input_addr(i));
        } else {
            for i in g.inputs(t) {
                let a = g.input_addr(i);
                let v = g.input_value(i);
                let v = if v == UNKNOWN_VALUE { 0 } else { u128::from(v) };
                let p = g.input_prev(i);
                let (tt, d) = if p != NONE {
                    match self.out_taint.get(&p) {
                        Some(&(tt, d, h)) => {
                            heuristic |= h;
                            (tt, d)
                        }
                        None => (0, 0),
                    }
                } else if a != NONE && self.is_account(a) {
                    self.advance(a, Some(i))
                } else if a != NONE && self.seeds.contains(&a) && g.tx_time(t) >= self.cfg.since {
                    (v, 0)
                } else {
                    (0, 0)
                };
                if tt > 0 {
                    depth_in = depth_in.min(d);
                    tainted_in += tt;
                    if tt > from_taint {
                        from_taint = tt;
                        from = a;
                    }
                }
                pool.credit(v, tt, d, method);
            }
        }
        if tainted_in == 0 {
            return;
        }
        let depth = depth_in.saturating_add(1);
        if depth > self.cfg.max_depth {
            self.totals(asset).cut_depth += tainted_in;
            return;
        }
        if let Some(kind) = detect_coinjoin(g, t) {
            self.hop(
                HopKind::CoinJoin(kind.into()),
                t,
                NONE,
                asset,
                tainted_in,
                depth,
            );
        }
        let mut paid = 0u128;
        for o in g.outputs(t) {
            let v = u128::from(g.output_value(o));
            let tt = pool.debit(v, method);
            paid += tt;
            if tt == 0 {
                continue;
            }
            self.tainted_output(t, o, from, tt, depth, heuristic);
        }
        if g.chain_of_tx(t).model == Model::Utxo && !g.is_coinbase(t) {
            // What the outputs did not take went to the miner.
            let fee = match method {
                Method::Poison => 0,
                _ => tainted_in.saturating_sub(paid),
            };
            self.totals(asset).fees += fee;
        }
    }

    fn tainted_output(
        &mut self,
        t: TxId,
        o: u32,
        from: AddrId,
        tt: u128,
        depth: u32,
        heuristic: bool,
    ) {
        let g = self.g;
        let asset = g.tx_asset[t as usize];
        if tt < u128::from(self.cfg.min_value) {
            self.totals(asset).cut_value += tt;
            return;
        }
        let to = g.output_addr(o);
        if to == NONE {
            // OP_RETURN and other unowned outputs burn value.
            self.totals(asset).fees += tt;
            return;
        }
        self.res.flows.push(Flow {
            tx: t,
            from,
            to,
            asset,
            amount: tt,
            depth,
            heuristic,
        });
        let labels = self.labels;
        if self.cfg.stop_at_services {
            if let Some((li, _)) = labels.labels_of(to).find(|(_, l)| l.category.is_endpoint()) {
                self.reach(to, li, asset, tt, depth, t);
                return;
            }
        }
        if labels.has(to, Category::Mixer) {
            self.hop(HopKind::Mixer, t, to, asset, tt, depth);
            if let Some(m) = self.cfg.follow_mixers {
                if self.demix(t, o, tt, depth, m) {
                    return;
                }
            }
            self.totals(asset).stuck_in_hops += tt;
            return;
        }
        if labels.has(to, Category::Bridge) {
            let counterparts: Vec<TxId> = if self.cfg.follow_bridges {
                g.bridge_counterparts(t).collect()
            } else {
                Vec::new()
            };
            let h = self.hop(HopKind::Bridge, t, to, asset, tt, depth);
            if counterparts.is_empty() {
                self.totals(asset).stuck_in_hops += tt;
                return;
            }
            self.totals(asset).bridged_out += tt;
            let v = u128::from(g.output_value(o));
            for c in counterparts {
                let entry = self.injected.entry(c).or_insert((0, v, depth));
                entry.0 += tt;
                self.res.hops[h].continued.push(c);
                self.schedule(c);
            }
            return;
        }
        for (li, l) in labels.labels_of(to) {
            if matches!(
                l.category,
                Category::Sanctioned | Category::Theft | Category::Other
            ) {
                let i = *self.touched_idx.entry(to).or_insert_with(|| {
                    self.res.touched.push((to, li, asset, 0));
                    self.res.touched.len() - 1
                });
                self.res.touched[i].3 += tt;
                break;
            }
        }
        self.out_taint.insert(o, (tt, depth, heuristic));
        if self.is_account(to) {
            self.schedule_sends(to, g.rank(t));
        } else {
            match g.output_spent_by(o) {
                NONE => self.totals(asset).unspent += tt,
                s => self.schedule(s),
            }
        }
    }

    fn reach(&mut self, to: AddrId, label: u32, asset: AssetId, tt: u128, depth: u32, t: TxId) {
        let i = *self.reached_idx.entry(to).or_insert_with(|| {
            self.res.reached.push(Reached {
                addr: to,
                label,
                asset,
                amount: 0,
                min_depth: depth,
                first_tx: t,
                txs: 0,
            });
            self.res.reached.len() - 1
        });
        let r = &mut self.res.reached[i];
        r.amount += tt;
        r.txs += 1;
        r.min_depth = r.min_depth.min(depth);
        self.totals(asset).reached += tt;
    }

    fn hop(
        &mut self,
        kind: HopKind,
        t: TxId,
        addr: AddrId,
        asset: AssetId,
        amount: u128,
        depth: u32,
    ) -> usize {
        let i = *self.hop_idx.entry((t, addr)).or_insert_with(|| {
            self.res.hops.push(Hop {
                kind,
                tx: t,
                addr,
                asset,
                amount: 0,
                depth,
                continued: Vec::new(),
            });
            self.res.hops.len() - 1
        });
        self.res.hops[i].amount += amount;
        i
    }

    /// Custodial mixer: continue with the best-matching payout (closest in
    /// time, amount within the fee range) from any address carrying the same
    /// mixer label. Returns whether a payout was matched.
    fn demix(&mut self, t: TxId, o: u32, tt: u128, depth: u32, m: MixerMatch) -> bool {
        let g = self.g;
        let to = g.output_addr(o);
        let Some(name) = self
            .labels
            .best(to, |c| c == Category::Mixer)
            .map(|l| l.name.clone())
        else {
            return false;
        };
        let deposit = u128::from(g.output_value(o));
        let lo = deposit * u128::from(10_000 - m.max_fee_bp.min(10_000)) / 10_000;
        let t0 = g.tx_time(t);
        let mut best: Option<(u64, u32)> = None;
        for a in self.labels.addresses_named(&name, Category::Mixer) {
            for &i in g.sent(a) {
                let pt = g.input_tx(i);
                let time = g.tx_time(pt);
                if time < t0 || time > t0 + m.window_secs || g.rank(pt) <= g.rank(t) {
                    continue;
                }
                for po in g.outputs(pt) {
                    let v = u128::from(g.output_value(po));
                    let dest = g.output_addr(po);
                    if v < lo
                        || v > deposit
                        || dest == NONE
                        || self.labels.has(dest, Category::Mixer)
                        || self.matched_payouts.contains(&po)
                    {
                        continue;
                    }
                    if best.is_none_or(|(bt, _)| time < bt) {
                        best = Some((time, po));
                    }
                }
            }
        }
        let Some((_, po)) = best else { return false };
        self.matched_payouts.insert(po);
        let pt = g.output_tx(po);
        let h = self.hop_idx[&(t, to)];
        self.res.hops[h].continued.push(pt);
        let v = u128::from(g.output_value(po));
        let carried = mul_div(v, tt, deposit).min(tt);
        let asset = g.tx_asset[t as usize];
        self.totals(asset).hop_fees += tt - carried;
        self.tainted_output(pt, po, to, carried, depth + 1, true);
        true
    }

    fn finish(&mut self) {
        // Whatever tainted value accounts still hold is unresolved.
        let touched: Vec<AddrId> = self.scheduled_from.keys().copied().collect();
        for a in touched {
            self.advance(a, None);
        }
        let g = self.g;
        for (&a, acc) in &self.accounts {
            if acc.pool.tainted > 0 {
                let asset = g
                    .received(a)
                    .first()
                    .map_or(0, |o| g.tx_asset[g.output_tx(*o) as usize]);
                self.res.totals.entry(asset).or_default().unspent += acc.pool.tainted;
            }
        }
        self.res
            .reached
            .sort_by(|a, b| b.amount.cmp(&a.amount).then(a.addr.cmp(&b.addr)));
        self.res.hops.sort_by_key(|h| (g.rank(h.tx), h.addr));
    }
}

/// Backward trace: attributes the value the seeds received to where it came
/// from, hop by hop. Transaction outputs are split over the inputs by the
/// method (poison: every input in full; haircut: in proportion to input
/// values; FIFO: the output's position in the output order maps onto the
/// same position in the input order). An account's payment is split over
/// the account's earlier receipts in proportion to their values (haircut;
/// poison takes each in full; FIFO falls back to haircut on accounts, since
/// which receipts a payment "used" depends on the whole history). Stops at
/// labelled services (the sources), at the depth limit and below the value
/// cut-off; coins from outside the data are `unspent` (unresolved).
pub fn trace_backward(
    g: &Graph,
    labels: &LabelIndex,
    seeds: &[AddrId],
    cfg: &TraceConfig,
) -> TraceResult {
    let mut res = TraceResult {
        seeds: seeds.to_vec(),
        ..TraceResult::default()
    };
    // Demand per output: (amount, depth).
    let mut demand: HashMap<u32, (u128, u32)> = HashMap::new();
    let mut heap: BinaryHeap<(u32, u32)> = BinaryHeap::new();
    let mut reached_idx: HashMap<AddrId, usize> = HashMap::new();
    let seed_set: HashSet<AddrId> = seeds.iter().copied().collect();
    let push = |demand: &mut HashMap<u32, (u128, u32)>,
                heap: &mut BinaryHeap<(u32, u32)>,
                o: u32,
                x: u128,
                d: u32| {
        let e = demand.entry(o).or_insert((0, d));
        if e.0 == 0 {
            heap.push((g.rank(g.output_tx(o)), o));
        }
        e.0 += x;
        e.1 = e.1.min(d);
    };
    for &a in seeds {
        for &o in g.received(a) {
            let v = u128::from(g.output_value(o));
            res.totals
                .entry(g.tx_asset[g.output_tx(o) as usize])
                .or_default()
                .seeded += v;
            push(&mut demand, &mut heap, o, v, 0);
        }
    }
    let mut visited = HashSet::new();
    while let Some((_, o)) = heap.pop() {
        let Some((x, d)) = demand.remove(&o) else {
            continue;
        };
        let t = g.output_tx(o);
        let asset = g.tx_asset[t as usize];
        visited.insert(t);
        let to = g.output_addr(o);
        // A labelled source (not one of the seeds) ends this branch.
        let from_labels = |a: AddrId| {
            labels
                .labels_of(a)
                .find(|(_, l)| l.category != Category::Other)
        };
        let shares = backward_shares(g, t, o, x, cfg.method);
        if d + 1 > cfg.max_depth {
            res.totals.entry(asset).or_default().cut_depth += x;
            continue;
        }
        if g.is_coinbase(t) {
            res.totals.entry(asset).or_default().unspent += x;
            continue;
        }
        for (i, share) in shares {
            if share == 0 {
                continue;
            }
            if share < u128::from(cfg.min_value) {
                res.totals.entry(asset).or_default().cut_value += share;
                continue;
            }
            let a = g.input_addr(i);
            res.flows.push(Flow {
                tx: t,
                from: a,
                to,
                asset,
                amount: share,
                depth: d + 1,
                heuristic: false,
            });
            if a != NONE && !seed_set.contains(&a) {
                if let Some((li, l)) = from_labels(a) {
                    let stop = l.category.is_endpoint()
                        || matches!(l.category, Category::Mixer | Category::Bridge)
                        || !cfg.stop_at_services;
                    let idx = *reached_idx.entry(a).or_insert_with(|| {
                        res.reached.push(Reached {
                            addr: a,
                            label: li,
                            asset,
                            amount: 0,
                            min_depth: d + 1,
                            first_tx: t,
                            txs: 0,
                        });
                        res.reached.len() - 1
                    });
                    let r = &mut res.reached[idx];
                    r.amount += share;
                    r.txs += 1;
                    r.min_depth = r.min_depth.min(d + 1);
                    res.totals.entry(asset).or_default().reached += share;
                    if stop && cfg.stop_at_services {
                        continue;
                    }
                }
            }
            let p = g.input_prev(i);
            if p != NONE {
                push(&mut demand, &mut heap, p, share, d + 1);
            } else if a != NONE && g.chain_of_addr(a).model == Model::Account {
                // Split over the account's earlier receipts.
                let r = g.rank(t);
                let credits: Vec<u32> = g
                    .received(a)
                    .iter()
                    .copied()
                    .filter(|c| g.rank(g.output_tx(*c)) < r)
                    .collect();
                let total: u128 = credits.iter().map(|c| u128::from(g.output_value(*c))).sum();
                if total == 0 {
                    res.totals.entry(asset).or_default().unspent += share;
                    continue;
                }
                let mut given = 0;
                for c in credits {
                    let v = u128::from(g.output_value(c));
                    let part = if cfg.method == Method::Poison {
                        v
                    } else {
                        mul_div(share.min(total), v, total)
                    };
                    given += part;
                    push(&mut demand, &mut heap, c, part, d + 1);
                }
                if cfg.method != Method::Poison && share > given {
                    res.totals.entry(asset).or_default().unspent += share - given;
                }
            } else {
                res.totals.entry(asset).or_default().unspent += share;
            }
        }
    }
    res.txs_visited = visited.len();
    res.reached
        .sort_by(|a, b| b.amount.cmp(&a.amount).then(a.addr.cmp(&b.addr)));
    res
}

/// How `x` of output `o` of transaction `t` splits over its inputs.
fn backward_shares(g: &Graph, t: TxId, o: u32, x: u128, method: Method) -> Vec<(u32, u128)> {
    let ins: Vec<(u32, u128)> = g
        .inputs(t)
        .map(|i| {
            let v = g.input_value(i);
            (i, if v == UNKNOWN_VALUE { 0 } else { u128::from(v) })
        })
        .collect();
    let total: u128 = ins.iter().map(|(_, v)| v).sum();
    match method {
        Method::Poison => ins.into_iter().filter(|(_, v)| *v > 0).collect(),
        Method::Haircut => {
            if total == 0 {
                return ins.first().map(|(i, _)| vec![(*i, x)]).unwrap_or_default();
            }
            ins.into_iter()
                .map(|(i, v)| (i, mul_div(x, v, total)))
                .collect()
        }
        Method::Fifo => {
            // The output occupies [start, start + value) of the output order;
            // `x` of it is demanded, taken from its start.
            let start: u128 = g
                .outputs(t)
                .take_while(|p| *p != o)
                .map(|p| u128::from(g.output_value(p)))
                .sum();
            let (lo, hi) = (start, start + x);
            let mut pos = 0u128;
            let mut out = Vec::new();
            for (i, v) in ins {
                let (a, b) = (pos.max(lo), (pos + v).min(hi));
                if b > a {
                    out.push((i, b - a));
                }
                pos += v;
            }
            out
        }
    }
}
