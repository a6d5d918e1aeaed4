//! Indexed matching: many indicators compiled into one index, so that each
//! observation is checked against all of them in time that does not grow with
//! their number.
//!
//! Every observation expression (leaf) of every indicator gets *anchors*: index
//! keys such that whenever the leaf holds on an SCO, at least one anchor fires
//! for that SCO. Equality and IN go into hash maps, LIKE into an Aho-Corasick
//! automaton over each operand's longest literal run, ISSUBSET into a CIDR trie
//! and MATCHES into a RegexSet, all per (object type, path). A leaf without a
//! usable anchor (NOT, !=, <, EXISTS…) is evaluated on every SCO of its type.
//! Anchors only select candidates: each candidate is then verified with the
//! full evaluator, so the index never changes what matches.
//!
//! Patterns over several observations (AND, FOLLOWEDBY, REPEATS, WITHIN over
//! a group) keep per-indicator state over a stream ordered by
//! `first_observed`; see [`Engine`].

use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use serde_json::Value;

use crate::ast::{CompExpr, Literal, Op, PathStep, Pattern};
use crate::bindings::{self, ObsInfo, Plan};
use crate::error::PatternError;
use crate::eval::{nfc, select, Scope, Val};
use crate::matcher::Matcher;
use crate::net::{self, Cidr};

/// An exact-match key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Str(Box<str>),
    Int(i64),
    Float(u64),
}

fn literal_key(l: &Literal) -> Option<Key> {
    match l {
        Literal::Str(s) => Some(Key::Str(nfc(s).into())),
        Literal::Int(n) => Some(Key::Int(*n)),
        Literal::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(Key::Int(*f as i64)),
        Literal::Float(f) => Some(Key::Float(f.to_bits())),
        _ => None,
    }
}

fn value_key(v: &Value) -> Option<Key> {
    match v {
        Value::String(s) => Some(Key::Str(nfc(s).into())),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(Key::Int(i))
            } else {
                let f = n.as_f64()?;
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    Some(Key::Int(f as i64))
                } else {
                    Some(Key::Float(f.to_bits()))
                }
            }
        }
        _ => None,
    }
}

#[derive(Debug, Clone)]
enum AnchorKind {
    Exact(Key),
    Substring(String),
    Cidr(Cidr),
    Regex(String),
}

#[derive(Debug, Clone)]
struct Anchor {
    object_type: String,
    steps: Vec<PathStep>,
    kind: AnchorKind,
}

fn rank(a: &[Anchor]) -> u8 {
    a.iter()
        .map(|x| match x.kind {
            AnchorKind::Exact(_) => 0,
            AnchorKind::Cidr(_) => 1,
            AnchorKind::Substring(_) => 2,
            AnchorKind::Regex(_) => 3,
        })
        .max()
        .unwrap_or(0)
}

/// Anchors such that the expression holding on an SCO implies one of them fires.
fn anchors(c: &CompExpr) -> Option<Vec<Anchor>> {
    match c {
        CompExpr::Or(xs) => {
            let mut out = Vec::new();
            for x in xs {
                out.extend(anchors(x)?);
            }
            Some(out)
        }
        CompExpr::And(xs) => xs
            .iter()
            .filter_map(anchors)
            .min_by_key(|a| (rank(a), a.len())),
        CompExpr::Test(t) => {
            if t.negated {
                return None;
            }
            // `_hex`/`_bin` values are decoded to bytes, which the index does not key.
            if let Some(PathStep::Key(k)) = t.path.steps.last() {
                if k.ends_with("_hex") || k.ends_with("_bin") {
                    return None;
                }
            }
            let mk = |kind| Anchor {
                object_type: t.path.object_type.clone(),
                steps: t.path.steps.clone(),
                kind,
            };
            match &t.op {
                Op::Eq(l) => Some(vec![mk(AnchorKind::Exact(literal_key(l)?))]),
                Op::In(set) if !set.is_empty() => set
                    .iter()
                    .map(|l| Some(mk(AnchorKind::Exact(literal_key(l)?))))
                    .collect(),
                Op::Like(s) => {
                    let run = nfc(s)
                        .split(['%', '_'])
                        .max_by_key(|r| r.len())
                        .unwrap_or("")
                        .to_string();
                    (!run.is_empty()).then(|| vec![mk(AnchorKind::Substring(run))])
                }
                Op::Matches(re) => Some(vec![mk(AnchorKind::Regex(nfc(re).into_owned()))]),
                Op::IsSubset(s) => Some(vec![mk(AnchorKind::Cidr(net::parse_cidr(s)?))]),
                _ => None,
            }
        }
    }
}

/// Binary trie over address bits; each node lists the leaves anchored at that prefix.
#[derive(Debug, Default)]
struct CidrTrie {
    nodes: Vec<([u32; 2], Vec<u32>)>,
}

impl CidrTrie {
    fn insert(&mut self, c: &Cidr, leaf: u32) {
        if self.nodes.is_empty() {
            self.nodes.push(([0, 0], Vec::new()));
        }
        let mut n = 0usize;
        for i in 0..c.prefix {
            let b = c.bit(i) as usize;
            if self.nodes[n].0[b] == 0 {
                self.nodes.push(([0, 0], Vec::new()));
                let idx = (self.nodes.len() - 1) as u32;
                self.nodes[n].0[b] = idx;
            }
            n = self.nodes[n].0[b] as usize;
        }
        self.nodes[n].1.push(leaf);
    }
    /// Leaves whose block contains `c`.
    fn lookup(&self, c: &Cidr, out: &mut Vec<u32>) {
        if self.nodes.is_empty() {
            return;
        }
        let mut n = 0usize;
        out.extend_from_slice(&self.nodes[0].1);
        for i in 0..c.prefix {
            let next = self.nodes[n].0[c.bit(i) as usize];
            if next == 0 {
                return;
            }
            n = next as usize;
            out.extend_from_slice(&self.nodes[n].1);
        }
    }
}

#[derive(Debug, Default)]
struct PathIndex {
    steps: Vec<PathStep>,
    exact: HashMap<Key, Vec<u32>>,
    substr_strings: Vec<String>,
    substr_leaves: Vec<Vec<u32>>,
    substr: Option<AhoCorasick>,
    cidr_v4: CidrTrie,
    cidr_v6: CidrTrie,
    has_cidr: bool,
    regex_sources: Vec<String>,
    regex_leaves: Vec<Vec<u32>>,
    regexes: Option<regex::RegexSet>,
}

#[derive(Debug, Default)]
struct TypeIndex {
    paths: Vec<PathIndex>,
    /// Leaves without anchors: evaluated on every SCO of the type.
    scan: Vec<u32>,
}

struct Entry {
    id: String,
    matcher: Matcher,
    /// `valid_from` .. `valid_until` in nanoseconds: observations wholly
    /// outside it do not count for the indicator.
    valid: (i128, i128),
    single: bool,
}

/// Statistics about an index, for reports and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    pub indicators: usize,
    pub leaves: usize,
    pub exact_keys: usize,
    pub substring_anchors: usize,
    pub cidr_anchors: usize,
    pub regex_anchors: usize,
    pub scanned_leaves: usize,
    pub stateful_indicators: usize,
}

/// Builds an [`Index`].
#[derive(Default)]
pub struct IndexBuilder {
    entries: Vec<Entry>,
    interner: crate::eval::Interner,
    leaf_owner: Vec<(u32, u16)>,
    types: HashMap<String, TypeIndex>,
    stats: IndexStats,
}

/// Indicators compiled for matching many observations.
pub struct Index {
    entries: Vec<Entry>,
    leaf_owner: Vec<(u32, u16)>,
    types: HashMap<String, TypeIndex>,
    stats: IndexStats,
}

impl IndexBuilder {
    pub fn new() -> IndexBuilder {
        IndexBuilder::default()
    }

    /// Adds an indicator (its id and its STIX pattern).
    pub fn add(&mut self, id: &str, pattern: &str) -> Result<(), Vec<PatternError>> {
        crate::check(pattern)?;
        let p = crate::parse(pattern).map_err(|e| vec![e])?;
        self.add_parsed(id, &p).map_err(|e| {
            vec![PatternError::new(
                crate::error::codes::SYNTAX,
                e.offset,
                e.message,
            )]
        })
    }

    /// Adds an `indicator` object: its pattern when `pattern_type` is `stix`
    /// (or absent), limited to its `valid_from`/`valid_until`. Returns false for
    /// indicators that are skipped (revoked, another pattern language, no pattern).
    pub fn add_indicator(&mut self, ind: &stix::StixObject) -> Result<bool, Vec<PatternError>> {
        let Some(pattern) = ind.get_str("pattern") else {
            return Ok(false);
        };
        if ind.get_str("pattern_type").is_some_and(|t| t != "stix") || ind.revoked() {
            return Ok(false);
        }
        self.add(ind.id().as_str(), pattern)?;
        let from = ind
            .get_timestamp("valid_from")
            .map_or(i128::MIN, |t| bindings::nanos(&t));
        let until = ind
            .get_timestamp("valid_until")
            .map_or(i128::MAX, |t| bindings::nanos(&t));
        if let Some(e) = self.entries.last_mut() {
            e.valid = (from, until);
        }
        Ok(true)
    }

    pub fn add_parsed(&mut self, id: &str, p: &Pattern) -> Result<(), crate::eval::CompileError> {
        let matcher = Matcher::new_with(p, &mut self.interner)?;
        let idx = self.entries.len() as u32;
        let single = matcher.plan.is_single();
        for (l, c) in p.expr.observations().into_iter().enumerate() {
            let leaf = self.leaf_owner.len() as u32;
            self.leaf_owner.push((idx, l as u16));
            match anchors(c) {
                Some(list) => {
                    for a in list {
                        self.insert_anchor(a, leaf);
                    }
                }
                None => {
                    let mut types: Vec<&str> = c
                        .tests()
                        .iter()
                        .map(|t| t.path.object_type.as_str())
                        .collect();
                    types.sort_unstable();
                    types.dedup();
                    for t in types {
                        self.types.entry(t.to_string()).or_default().scan.push(leaf);
                    }
                    self.stats.scanned_leaves += 1;
                }
            }
        }
        self.stats.indicators += 1;
        self.stats.stateful_indicators += (!single) as usize;
        self.entries.push(Entry {
            id: id.to_string(),
            matcher,
            valid: (i128::MIN, i128::MAX),
            single,
        });
        Ok(())
    }

    fn insert_anchor(&mut self, a: Anchor, leaf: u32) {
        let ti = self.types.entry(a.object_type).or_default();
        let pi = match ti.paths.iter().position(|p| p.steps == a.steps) {
            Some(i) => i,
            None => {
                ti.paths.push(PathIndex {
                    steps: a.steps,
                    ..PathIndex::default()
                });
                ti.paths.len() - 1
            }
        };
        let p = &mut ti.paths[pi];
        match a.kind {
            AnchorKind::Exact(k) => {
                let v = p.exact.entry(k).or_default();
                if v.last() != Some(&leaf) {
                    v.push(leaf);
                }
                self.stats.exact_keys += 1;
            }
            AnchorKind::Substring(s) => {
                p.substr_strings.push(s);
                p.substr_leaves.push(vec![leaf]);
                self.stats.substring_anchors += 1;
            }
            AnchorKind::Cidr(c) => {
                if c.v6 {
                    p.cidr_v6.insert(&c, leaf);
                } else {
                    p.cidr_v4.insert(&c, leaf);
                }
                p.has_cidr = true;
                self.stats.cidr_anchors += 1;
            }
            AnchorKind::Regex(r) => {
                p.regex_sources.push(r);
                p.regex_leaves.push(vec![leaf]);
                self.stats.regex_anchors += 1;
            }
        }
    }

    pub fn build(mut self) -> Index {
        for ti in self.types.values_mut() {
            for p in &mut ti.paths {
                if !p.substr_strings.is_empty() {
                    p.substr = AhoCorasick::new(&p.substr_strings).ok();
                }
                if !p.regex_sources.is_empty() {
                    // Every source compiled on its own during validation.
                    p.regexes = regex::RegexSetBuilder::new(&p.regex_sources)
                        .size_limit(1 << 28)
                        .build()
                        .ok();
                }
                p.substr_strings = Vec::new();
                p.regex_sources = Vec::new();
            }
        }
        self.stats.leaves = self.leaf_owner.len();
        Index {
            entries: self.entries,
            leaf_owner: self.leaf_owner,
            types: self.types,
            stats: self.stats,
        }
    }
}

impl Index {
    pub fn stats(&self) -> &IndexStats {
        &self.stats
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn indicator_id(&self, i: usize) -> &str {
        &self.entries[i].id
    }

    /// Global leaf ids that hold on some root of the observation (sorted, unique).
    pub fn matching_leaves(&self, roots: &[&Value], scope: &dyn Scope) -> Vec<u32> {
        let mut verified = Vec::new();
        let mut cand = Vec::new();
        for root in roots {
            let Some(ty) = root.get("type").and_then(Value::as_str) else {
                continue;
            };
            let Some(ti) = self.types.get(ty) else {
                continue;
            };
            cand.clear();
            cand.extend_from_slice(&ti.scan);
            for p in &ti.paths {
                for v in select(root, &p.steps, scope) {
                    let Val::Json(v) = v else { continue };
                    if let Some(k) = value_key(v) {
                        if let Some(ls) = p.exact.get(&k) {
                            cand.extend_from_slice(ls);
                        }
                    }
                    let Some(s) = v.as_str() else { continue };
                    if let Some(ac) = &p.substr {
                        let s = nfc(s);
                        for m in ac.find_overlapping_iter(s.as_ref()) {
                            cand.extend_from_slice(&p.substr_leaves[m.pattern().as_usize()]);
                        }
                    }
                    if p.has_cidr {
                        if let Some(c) = net::parse_cidr(s) {
                            let trie = if c.v6 { &p.cidr_v6 } else { &p.cidr_v4 };
                            trie.lookup(&c, &mut cand);
                        }
                    }
                    if let Some(rs) = &p.regexes {
                        for i in rs.matches(&nfc(s)).iter() {
                            cand.extend_from_slice(&p.regex_leaves[i]);
                        }
                    }
                }
            }
            cand.sort_unstable();
            cand.dedup();
            for &leaf in &cand {
                if verified.binary_search(&leaf).is_ok() {
                    continue;
                }
                let (ind, l) = self.leaf_owner[leaf as usize];
                if self.entries[ind as usize].matcher.leaves[l as usize].eval(root, scope) {
                    let pos = verified.binary_search(&leaf).unwrap_or_else(|e| e);
                    verified.insert(pos, leaf);
                }
            }
        }
        verified
    }
}

/// One observation as the engine sees it.
pub struct ObservationRef<'a> {
    pub id: &'a str,
    pub first: &'a stix::Timestamp,
    pub last: &'a stix::Timestamp,
    pub count: u64,
    pub roots: Vec<&'a Value>,
    pub scope: &'a dyn Scope,
}

/// An indicator fired: these observations satisfy its pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    pub indicator: usize,
    pub observed_data_refs: Vec<String>,
    /// Sighting count this firing stands for (number_observed for a
    /// single-observation pattern, 1 for a multi-observation one).
    pub count: u64,
    pub first_seen: stix::Timestamp,
    pub last_seen: stix::Timestamp,
}

#[derive(Debug, Clone)]
struct Pending {
    id: String,
    first: stix::Timestamp,
    last: stix::Timestamp,
    info: ObsInfo,
    leaves: Vec<u16>,
}

/// Limits on per-indicator state for multi-observation patterns.
#[derive(Debug, Clone, Copy)]
pub struct EngineConfig {
    /// Observations kept per stateful indicator (oldest dropped first).
    pub max_pending: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig { max_pending: 256 }
    }
}

/// Runs an index over a stream of observations ordered by `first_observed`.
pub struct Engine {
    index: Index,
    config: EngineConfig,
    pending: HashMap<u32, Vec<Pending>>,
    /// Observations whose pending state was dropped for the limit.
    pub dropped: u64,
    /// Binding searches that hit their bound.
    pub incomplete: u64,
}

impl Engine {
    pub fn new(index: Index, config: EngineConfig) -> Engine {
        Engine {
            index,
            config,
            pending: HashMap::new(),
            dropped: 0,
            incomplete: 0,
        }
    }
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Feeds one observation; returns the indicators it makes fire.
    pub fn observe(&mut self, o: &ObservationRef<'_>) -> Vec<Firing> {
        let leaves = self.index.matching_leaves(&o.roots, o.scope);
        if leaves.is_empty() {
            return Vec::new();
        }
        let info = ObsInfo {
            first: bindings::nanos(o.first),
            last: bindings::nanos(o.last),
            count: o.count,
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < leaves.len() {
            let ind = self.index.leaf_owner[leaves[i] as usize].0;
            let mut mine = Vec::new();
            while i < leaves.len() && self.index.leaf_owner[leaves[i] as usize].0 == ind {
                mine.push(self.index.leaf_owner[leaves[i] as usize].1);
                i += 1;
            }
            let entry = &self.index.entries[ind as usize];
            // Same overlap rule as START/STOP: [valid_from, valid_until).
            if info.last < entry.valid.0 || info.first >= entry.valid.1 {
                continue;
            }
            if entry.single {
                let hits: Vec<Vec<u32>> = (0..entry.matcher.leaves.len() as u16)
                    .map(|l| {
                        if mine.contains(&l) {
                            vec![0]
                        } else {
                            Vec::new()
                        }
                    })
                    .collect();
                let found = bindings::search(&entry.matcher.plan, &hits, &[info]);
                if !found.bindings.is_empty() {
                    out.push(Firing {
                        indicator: ind as usize,
                        observed_data_refs: vec![o.id.to_string()],
                        count: o.count,
                        first_seen: o.first.clone(),
                        last_seen: o.last.clone(),
                    });
                }
                continue;
            }
            if let Some(f) = self.stateful(ind, &mine, o, info) {
                out.push(f);
            }
        }
        out
    }

    fn stateful(
        &mut self,
        ind: u32,
        mine: &[u16],
        o: &ObservationRef<'_>,
        info: ObsInfo,
    ) -> Option<Firing> {
        let entry = &self.index.entries[ind as usize];
        let plan: &Plan = &entry.matcher.plan;
        let n_leaves = entry.matcher.leaves.len();
        let buf = self.pending.entry(ind).or_default();
        if let Some(w) = plan.window() {
            // Nothing that ended more than the window before this observation
            // began can be bound with it or anything later.
            buf.retain(|p| p.info.last >= info.first - w);
        }
        buf.push(Pending {
            id: o.id.to_string(),
            first: o.first.clone(),
            last: o.last.clone(),
            info,
            leaves: mine.to_vec(),
        });
        if buf.len() > self.config.max_pending {
            let excess = buf.len() - self.config.max_pending;
            buf.drain(..excess);
            self.dropped += excess as u64;
        }
        let infos: Vec<ObsInfo> = buf.iter().map(|p| p.info).collect();
        let mut hits: Vec<Vec<u32>> = vec![Vec::new(); n_leaves];
        for (j, p) in buf.iter().enumerate() {
            for &l in &p.leaves {
                hits[l as usize].push(j as u32);
            }
        }
        let newest = (buf.len() - 1) as u32;
        let found = bindings::search(plan, &hits, &infos);
        if !found.complete {
            self.incomplete += 1;
        }
        // Fire on a binding that uses the new observation, then consume its
        // observations so each one contributes to one firing of this indicator.
        let b = found
            .bindings
            .iter()
            .find(|b| b.uses.iter().any(|(j, _)| *j == newest))?;
        let used: Vec<usize> = b.uses.iter().map(|(j, _)| *j as usize).collect();
        let refs: Vec<String> = used.iter().map(|&j| buf[j].id.clone()).collect();
        let first_seen = used.iter().map(|&j| &buf[j].first).min()?.clone();
        let last_seen = used.iter().map(|&j| &buf[j].last).max()?.clone();
        let mut k = 0;
        buf.retain(|_| {
            k += 1;
            !used.contains(&(k - 1))
        });
        Some(Firing {
            indicator: ind as usize,
            observed_data_refs: refs,
            count: 1,
            first_seen,
            last_seen,
        })
    }
}
