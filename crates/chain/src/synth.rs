//! A synthetic laundering generator with known answers: a theft followed by
//! a peel chain (small cash-outs to exchange deposit addresses), a custodial
//! mixer, a bridge to an account chain and exchange deposits there, hidden
//! among random traffic (payments, deposits by other users, exchange and
//! mixer sweeps, decoy mixer users). Deterministic for a seed.

use crate::graph::{
    AddrId, Graph, GraphBuilder, InputRec, Model, OutputRec, Prev, TxId, TxRec, UNKNOWN_VALUE,
};
use crate::labels::{Category, Label};

#[derive(Debug, Clone, Copy)]
pub struct SynthConfig {
    pub seed: u64,
    /// Random Bitcoin transactions (the account chain gets a quarter as many).
    pub random_txs: usize,
    pub users: usize,
    pub peel_hops: usize,
    /// Other users of the mixer (decoy deposits and payouts).
    pub decoys: usize,
    /// Include the laundering story (off for pure benchmark graphs).
    pub laundering: bool,
    /// Percent of payments to a never-seen address (else a known user).
    pub fresh_payee_pct: u64,
    /// Percent of change outputs to a fresh address of the wallet (else back
    /// to the first input's address).
    pub fresh_change_pct: u64,
    /// Up to this many extra payees per payment (uniform 0..=n).
    pub max_extra_payees: u64,
}

impl SynthConfig {
    pub fn small(seed: u64) -> SynthConfig {
        SynthConfig {
            seed,
            random_txs: 20_000,
            users: 3_000,
            peel_hops: 12,
            decoys: 40,
            laundering: true,
            fresh_payee_pct: 25,
            fresh_change_pct: 50,
            max_extra_payees: 0,
        }
    }

    /// Benchmark graphs: about 2.5 new addresses per transaction (all payees
    /// and change fresh, half the payments with a second payee), the shape of
    /// Bitcoin's address growth; no laundering story.
    pub fn bench(seed: u64, txs: usize) -> SynthConfig {
        SynthConfig {
            seed,
            random_txs: txs,
            users: (txs / 20).max(1_000),
            peel_hops: 0,
            decoys: 0,
            laundering: false,
            fresh_payee_pct: 100,
            fresh_change_pct: 100,
            max_extra_payees: 1,
        }
    }
}

/// What the trace should find.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    pub theft_addrs: Vec<AddrId>,
    pub theft_value: u64,
    /// Exchange deposit addresses that received laundered funds.
    pub deposits: Vec<AddrId>,
    pub peel_txs: Vec<TxId>,
    /// The transaction paying into the mixer.
    pub mixer_tx: TxId,
    /// The mixer payout that belongs to the thief.
    pub mixer_payout_tx: TxId,
    pub bridge_tx: TxId,
    pub bridge_payout_tx: TxId,
}

pub struct Synth {
    pub graph: Graph,
    pub labels: Vec<Label>,
    pub truth: Truth,
}

/// SplitMix64: tiny, good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
}

#[derive(Clone, Copy)]
struct Coin {
    tx: TxId,
    vout: u32,
    addr: AddrId,
    value: u64,
}

struct Gen {
    b: GraphBuilder,
    rng: Rng,
    time: u64,
    btc: u8,
    eth: u8,
    btc_asset: u16,
    eth_asset: u16,
    next_addr: u64,
    /// Wallet of each address id (`NONE` for addresses outside the economy).
    wallet_of: Vec<u32>,
    /// Unspent coins per wallet: random transactions spend coins of one
    /// wallet, as real wallets do, so multi-input clusters are wallets.
    wallets: Vec<Vec<Coin>>,
    users: Vec<AddrId>,
    eth_users: Vec<AddrId>,
    eth_balance: Vec<u64>,
    labels: Vec<Label>,
    fresh_payee_pct: u64,
    fresh_change_pct: u64,
    max_extra_payees: u64,
}

const BTC: u64 = 100_000_000;

impl Gen {
    fn fresh(&mut self, chain: u8) -> AddrId {
        self.next_addr += 1;
        let name = if chain == self.btc {
            format!("x{}", self.next_addr)
        } else {
            format!("0x{:040x}", self.next_addr)
        };
        self.b.address(chain, &name)
    }
    fn set_wallet(&mut self, a: AddrId, w: u32) {
        if self.wallet_of.len() <= a as usize {
            self.wallet_of.resize(a as usize + 1, crate::graph::NONE);
        }
        self.wallet_of[a as usize] = w;
    }
    fn new_user(&mut self) -> AddrId {
        let a = self.fresh(self.btc);
        let w = self.rng.below(self.wallets.len() as u64) as u32;
        self.set_wallet(a, w);
        self.users.push(a);
        a
    }
    fn keep(&mut self, c: Coin) {
        if let Some(&w) = self.wallet_of.get(c.addr as usize) {
            if w != crate::graph::NONE {
                self.wallets[w as usize].push(c);
            }
        }
    }
    fn tick(&mut self) -> u64 {
        self.time += 10;
        self.time
    }
    fn hash(&mut self) -> [u8; 32] {
        let mut h = [0u8; 32];
        for c in h.chunks_exact_mut(8) {
            c.copy_from_slice(&self.rng.next_u64().to_le_bytes());
        }
        h
    }
    /// A Bitcoin transaction spending `coins`, paying `outs`; returns its id
    /// and the new coins.
    fn btc_tx(&mut self, coins: &[Coin], outs: &[(AddrId, u64)]) -> (TxId, Vec<Coin>) {
        let inputs: Vec<InputRec> = coins
            .iter()
            .map(|c| InputRec {
                addr: UNKNOWN_ADDR,
                value: UNKNOWN_VALUE,
                prev: Prev::Id(c.tx, c.vout),
            })
            .collect();
        let outputs: Vec<OutputRec> = outs
            .iter()
            .map(|(a, v)| OutputRec {
                addr: *a,
                value: *v,
            })
            .collect();
        let time = self.tick();
        let hash = self.hash();
        let t = self.b.add_tx(TxRec {
            chain: self.btc,
            asset: self.btc_asset,
            time,
            hash,
            coinbase: coins.is_empty(),
            inputs: &inputs,
            outputs: &outputs,
        });
        let new = outs
            .iter()
            .enumerate()
            .map(|(i, (a, v))| Coin {
                tx: t,
                vout: i as u32,
                addr: *a,
                value: *v,
            })
            .collect();
        (t, new)
    }
    fn eth_tx(&mut self, from: AddrId, to: AddrId, value: u64) -> TxId {
        let time = self.tick();
        let hash = self.hash();
        self.b.add_tx(TxRec {
            chain: self.eth,
            asset: self.eth_asset,
            time,
            hash,
            coinbase: false,
            inputs: &[InputRec {
                addr: from,
                value,
                prev: Prev::None,
            }],
            outputs: &[OutputRec { addr: to, value }],
        })
    }
    fn label(&mut self, a: AddrId, chain: &str, category: Category, name: &str) {
        let address = self.b_address(a);
        self.labels.push(Label {
            chain: chain.to_string(),
            address,
            category,
            name: name.to_string(),
            source: "synthetic".into(),
            confidence: 90,
            actor: None,
        });
    }
    fn b_address(&self, a: AddrId) -> String {
        self.b.address_text(a)
    }
    fn take_random_coin(&mut self) -> Option<Coin> {
        for _ in 0..8 {
            let w = self.rng.below(self.wallets.len() as u64) as usize;
            let n = self.wallets[w].len();
            if n > 0 {
                let i = self.rng.below(n as u64) as usize;
                return Some(self.wallets[w].swap_remove(i));
            }
        }
        None
    }
    /// A payment from one wallet: 1–3 of its coins, a payee (or exchange
    /// deposit) and change to the wallet (a fresh address half of the time).
    fn random_btc_tx(&mut self, deposit_to: Option<AddrId>) -> Vec<Coin> {
        let Some(first) = self.take_random_coin() else {
            let u = self.users[self.rng.below(self.users.len() as u64) as usize];
            let (_, new) = self.btc_tx(&[], &[(u, 6 * BTC)]);
            return new;
        };
        let w = self.wallet_of[first.addr as usize] as usize;
        let mut coins = vec![first];
        for _ in 0..self.rng.below(3) {
            let n = self.wallets[w].len();
            if n > 0 {
                let i = self.rng.below(n as u64) as usize;
                coins.push(self.wallets[w].swap_remove(i));
            }
        }
        let total: u64 = coins.iter().map(|c| c.value).sum();
        if total < 100_000 {
            // Dust: a miner reward to keep the economy going.
            let u = self.users[self.rng.below(self.users.len() as u64) as usize];
            let (_, mut new) = self.btc_tx(&[], &[(u, 6 * BTC)]);
            let (_, dust) = self.btc_tx(&coins, &[(u, total - 1_000)]);
            new.extend(dust);
            return new;
        }
        let fee = 1_000 + self.rng.below(5_000);
        let spend = total - fee;
        let pay = self.rng.range(spend / 20, spend * 9 / 10);
        let payee = match deposit_to {
            Some(d) => d,
            None if self.rng.below(100) < self.fresh_payee_pct => self.new_user(),
            None => self.users[self.rng.below(self.users.len() as u64) as usize],
        };
        let change = if self.rng.below(100) < self.fresh_change_pct {
            let a = self.fresh(self.btc);
            self.set_wallet(a, w as u32);
            a
        } else {
            first.addr
        };
        let mut outs = vec![(payee, pay), (change, spend - pay)];
        let extra = if self.max_extra_payees > 0 {
            self.rng.below(self.max_extra_payees + 1)
        } else {
            0
        };
        for _ in 0..extra {
            // A second payee takes part of the change.
            let v = outs[1].1 / 3;
            if v > 1_000 {
                outs[1].1 -= v;
                let a = self.new_user();
                outs.push((a, v));
            }
        }
        let (_, new) = self.btc_tx(&coins, &outs);
        new
    }
}

/// Placeholder for inputs whose address comes from the spent output.
const UNKNOWN_ADDR: AddrId = crate::graph::NONE;

pub fn generate(cfg: &SynthConfig) -> Synth {
    let mut b = GraphBuilder::with_capacity(
        cfg.random_txs * 5 / 4 + 1000,
        cfg.random_txs * 2,
        cfg.random_txs * 5 / 2,
        cfg.random_txs * 5 / 2,
    );
    let btc = b.chain("bitcoin", Model::Utxo);
    let eth = b.chain("ethereum", Model::Account);
    let btc_asset = b.asset("BTC");
    let eth_asset = b.asset("ETH");
    let mut g = Gen {
        b,
        rng: Rng::new(cfg.seed),
        time: 1_600_000_000,
        btc,
        eth,
        btc_asset,
        eth_asset,
        next_addr: 0,
        wallet_of: Vec::new(),
        wallets: vec![Vec::new(); (cfg.users / 3).max(4)],
        users: Vec::new(),
        eth_users: Vec::new(),
        eth_balance: Vec::new(),
        labels: Vec::new(),
        fresh_payee_pct: cfg.fresh_payee_pct,
        fresh_change_pct: cfg.fresh_change_pct,
        max_extra_payees: cfg.max_extra_payees,
    };
    let mut truth = Truth::default();
    // Economy: users with a first coin each; exchanges with a labelled hot
    // wallet and unlabelled deposit addresses swept together with it.
    for _ in 0..cfg.users.max(10) {
        let a = g.new_user();
        let v = g.rng.range(BTC / 100, 20 * BTC);
        let (_, new) = g.btc_tx(&[], &[(a, v)]);
        g.keep(new[0]);
    }
    for _ in 0..(cfg.users / 4).max(10) {
        let a = g.fresh(eth);
        g.eth_users.push(a);
        g.eth_balance.push(0);
    }
    let exchanges = ["alpha-exchange", "beta-exchange", "gamma-exchange"];
    let mut hot: Vec<Coin> = Vec::new();
    for name in exchanges {
        let a = g.fresh(btc);
        g.label(a, "bitcoin", Category::Exchange, name);
        let (_, new) = g.btc_tx(&[], &[(a, 50 * BTC)]);
        hot.push(new[0]);
    }
    let mut eth_exchange = Vec::new();
    for name in exchanges {
        let a = g.fresh(eth);
        g.label(a, "ethereum", Category::Exchange, name);
        eth_exchange.push(a);
    }
    let mixer_hot = g.fresh(btc);
    g.label(mixer_hot, "bitcoin", Category::Mixer, "synthmix");
    let (_, new) = g.btc_tx(&[], &[(mixer_hot, 5_000 * BTC)]);
    let mut mixer_coin = new[0];
    let bridge_btc = g.fresh(btc);
    g.label(bridge_btc, "bitcoin", Category::Bridge, "synthbridge");
    let bridge_eth = g.fresh(eth);
    g.label(bridge_eth, "ethereum", Category::Bridge, "synthbridge");
    // Unswept deposits per exchange, and unswept mixer deposits.
    let mut pending_deposits: Vec<Vec<Coin>> = vec![Vec::new(); exchanges.len()];
    let mut mixer_deposits: Vec<Coin> = Vec::new();
    let mut mixer_due: Vec<(u64, AddrId, u64)> = Vec::new();

    let steps = cfg.random_txs;
    let story_at = |k: usize| steps / 10 + k * (steps / 2) / (cfg.peel_hops + 6);
    let mut story = 0usize;
    let mut thief_coin: Option<Coin> = None;
    let mut cashouts: Vec<Coin> = Vec::new();
    let mut b_coin: Option<Coin> = None;
    let mut e_addr: Option<AddrId> = None;
    let theft_value = 500 * BTC;
    for step in 0..steps {
        // Laundering story, one event at a time, spread over the run.
        if cfg.laundering && step == story_at(story) {
            if story == 0 {
                let victim = hot[0];
                let thief = g.fresh(btc);
                truth.theft_addrs.push(thief);
                truth.theft_value = theft_value;
                // The victim exchange pays the thief from its hot wallet (topped up).
                let (_, top) = g.btc_tx(&[], &[(victim.addr, theft_value + BTC)]);
                let (_, new) = g.btc_tx(
                    &[victim, top[0]],
                    &[
                        (thief, theft_value),
                        (victim.addr, victim.value + BTC - 10_000),
                    ],
                );
                thief_coin = Some(new[0]);
                hot[0] = new[1];
            } else if story <= cfg.peel_hops {
                let c = thief_coin.expect("theft happened");
                let pay = c.value * g.rng.range(1, 4) / 100;
                let cash = g.fresh(btc);
                let change = g.fresh(btc);
                let (t, new) = g.btc_tx(&[c], &[(cash, pay), (change, c.value - pay - 2_000)]);
                truth.peel_txs.push(t);
                thief_coin = Some(new[1]);
                cashouts.push(new[0]);
            } else if story == cfg.peel_hops + 1 {
                let c = thief_coin.take().expect("peel chain");
                let dep = g.fresh(btc);
                let (t, new) = g.btc_tx(&[c], &[(dep, c.value - 2_000)]);
                truth.mixer_tx = t;
                mixer_deposits.push(new[0]);
                let out = g.fresh(btc);
                let due = g.time + g.rng.range(3_600, 6 * 3_600);
                mixer_due.push((due, out, (new[0].value / 100) * 98));
                e_addr = Some(out);
            }
            story += 1;
        }
        // Cash-outs from the peel chain go to exchange deposits soon after.
        if let Some(c) = cashouts.pop() {
            let ex = g.rng.below(exchanges.len() as u64) as usize;
            let dep = g.fresh(btc);
            let (_, new) = g.btc_tx(&[c], &[(dep, c.value - 1_000)]);
            truth.deposits.push(dep);
            pending_deposits[ex].push(new[0]);
        }
        // Mixer payouts that are due (the thief's and the decoys').
        mixer_due.sort_by_key(|d| std::cmp::Reverse(d.0));
        while mixer_due.last().is_some_and(|d| d.0 <= g.time) {
            let (_, to, v) = mixer_due.pop().expect("checked");
            let (t, new) = g.btc_tx(
                &[mixer_coin],
                &[(to, v), (mixer_hot, mixer_coin.value - v - 2_000)],
            );
            mixer_coin = new[1];
            if Some(to) == e_addr {
                truth.mixer_payout_tx = t;
                b_coin = Some(new[0]);
            } else {
                // Decoys get their coins into a random wallet.
                let w = g.rng.below(g.wallets.len() as u64) as u32;
                g.set_wallet(to, w);
                g.keep(new[0]);
            }
        }
        // The thief bridges the mixer payout to the account chain.
        if let Some(c) = b_coin.take() {
            let (t, _) = g.btc_tx(&[c], &[(bridge_btc, c.value - 2_000)]);
            truth.bridge_tx = t;
            let e1 = g.fresh(eth);
            // 1 BTC = 15 ETH; ETH amounts in nano-ETH (9 decimals).
            let eth_value =
                (c.value - 2_000) / BTC * 15 * 1_000_000_000 + (c.value % BTC) * 15 * 10;
            let p = g.eth_tx(bridge_eth, e1, eth_value);
            truth.bridge_payout_tx = p;
            let src = g.b.tx_hash_of(t);
            let dst = g.b.tx_hash_of(p);
            g.b.add_bridge_link(src, dst);
            let e2 = g.fresh(eth);
            g.eth_tx(e1, e2, eth_value);
            let half = eth_value / 2;
            for (k, v) in [(0usize, half), (1, eth_value - half)] {
                let dep = eth_exchange[k + 1];
                g.eth_tx(e2, dep, v);
                truth.deposits.push(dep);
            }
        }
        // Decoy mixer users: deposits now, payouts of 97–99% later.
        if cfg.laundering && cfg.decoys > 0 && step % (steps / cfg.decoys).max(1) == 3 {
            if let Some(c) = g.take_random_coin() {
                let dep = g.fresh(btc);
                let (_, new) = g.btc_tx(&[c], &[(dep, c.value - 1_000)]);
                mixer_deposits.push(new[0]);
                let out = g.fresh(btc);
                let due = g.time + g.rng.range(600, 8 * 3_600);
                let v = new[0].value / 100 * g.rng.range(97, 99);
                if v < mixer_coin.value / 2 {
                    mixer_due.push((due, out, v));
                }
            }
        }
        // Sweeps: an exchange consolidates its deposits with a hot-wallet coin
        // (this is what lets clustering attach the exchange label to them).
        if step % 500 == 250 {
            for ex in 0..exchanges.len() {
                let deps = std::mem::take(&mut pending_deposits[ex]);
                if deps.is_empty() {
                    continue;
                }
                let mut coins = vec![hot[ex]];
                coins.extend(deps);
                let total: u64 = coins.iter().map(|c| c.value).sum();
                let (_, new) = g.btc_tx(&coins, &[(hot[ex].addr, total - 5_000)]);
                hot[ex] = new[0];
            }
            if !mixer_deposits.is_empty() {
                let mut coins = vec![mixer_coin];
                coins.append(&mut mixer_deposits);
                let total: u64 = coins.iter().map(|c| c.value).sum();
                let (_, new) = g.btc_tx(&coins, &[(mixer_hot, total - 5_000)]);
                mixer_coin = new[0];
            }
        }
        // Random traffic: payments, with some deposits to exchanges.
        let deposit = g.rng.below(20) == 0;
        let ex = g.rng.below(exchanges.len() as u64) as usize;
        let dep = deposit.then(|| g.fresh(btc));
        let new = g.random_btc_tx(dep);
        for c in new {
            if Some(c.addr) == dep {
                pending_deposits[ex].push(c);
            } else {
                g.keep(c);
            }
        }
        // Account-chain traffic (a quarter as much).
        if step % 4 == 0 {
            let n = g.eth_users.len() as u64;
            let i = g.rng.below(n) as usize;
            if g.eth_balance[i] < 1_000_000 {
                // Withdrawal from an exchange funds the user.
                let v = g.rng.range(1, 50) * 1_000_000_000;
                let ex = eth_exchange[g.rng.below(3) as usize];
                let to = g.eth_users[i];
                g.eth_tx(ex, to, v);
                g.eth_balance[i] += v;
            } else {
                let v = g.rng.range(1, g.eth_balance[i]);
                let j = g.rng.below(n + 3) as usize;
                let from = g.eth_users[i];
                let to = if j < n as usize {
                    g.eth_users[j]
                } else {
                    eth_exchange[j - n as usize]
                };
                g.eth_tx(from, to, v);
                g.eth_balance[i] -= v;
                if j < n as usize {
                    g.eth_balance[j] += v;
                }
            }
        }
    }
    Synth {
        graph: g.b.finish(),
        labels: g.labels,
        truth,
    }
}
